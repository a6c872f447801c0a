"""`pulumi-nuon demo`: the gated-rollout example against the simulator, narrated, in well under a minute.

The simulator serves the built-in scenario on 127.0.0.1 with a `WallClock`, so the scenario's deploy really moves
from `queued` to `active` (or to `error`) while the program runs. The program is `examples/gated-rollout`,
unchanged, run by the real `pulumi` CLI when there is one, else by `LocalEngine` (the `nuon-localengine`
distribution, tools/localengine: no Pulumi CLI needed).
While the update runs, this module watches the simulated deploy and the gate's polls and prints what changes;
the gate's own progress lines (its provider's stderr) follow once the update returns.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from pulumi_nuon.core.constants import DEMO_SPEED as DEFAULT_SPEED

__all__ = ["find_example", "find_pulumi", "local_engine_refusal", "run_demo"]

_EXIT_OK, _EXIT_FAILED, _EXIT_ERROR = 0, 1, 3
# The gate polls every 1.25 simulated seconds, whatever the speed (DEFAULT_SPEED, simulated seconds per real
# second), so a faster demo (`--speed`) tells the same story.
_SIMULATED_POLL = 1.25
_TIMEOUT_SECONDS = 120
_PROJECT = "gated-rollout"
_STACK = "demo"
_OP_MARK = {"create": "+", "same": " ", "update": "~", "replace": "+-", "delete": "-", "read": ">"}


def find_example(name: str) -> Path | None:
    """The directory of `examples/<name>` in the checkout this package runs from, or under the current one."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "examples" / name
        if (candidate / "__main__.py").is_file():
            return candidate
    return None


class _Narrator:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _steps(say: Any, result: Any) -> None:
    rows = [(s.op, s.name, s.type) for s in result.step_list if s.detail != "replaced"]
    width = max((len(name) for _, name, _ in rows), default=0)
    for op, name, kind in rows:
        say(f"    {_OP_MARK.get(op, '?'):<2} {op:<7} {name.ljust(width)}  {kind}")


def _value(value: Any) -> str:
    from nuon_localengine import UNKNOWN

    if value is UNKNOWN:
        return "(known after the update)"
    if value is None:
        return "-"
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value)
    return str(value)


def _outputs(say: Any, outputs: Mapping[str, Any]) -> None:
    width = max((len(k) for k in outputs), default=0)
    for key in sorted(outputs):
        say(f"    {key.ljust(width)}  {_value(outputs[key])}")


def _build_being_deployed(sim: Any) -> str:
    """The build CI would pin the gate to: the one it asked Nuon to deploy (the scenario's newest release's)."""
    return str(sim.releases(sim.component("web-app"))[0]["build_id"])


def _poll_seconds(speed: float) -> float:
    return round(_SIMULATED_POLL / speed, 3)


def _run_local(narrator: _Narrator, example: Path, sim: Any, server: Any, speed: float, clock: Any) -> int:
    from nuon_localengine import LocalEngine, Secret

    say = narrator.say
    component = sim.component("web-app").id
    install = sim.install("acme-prod").id
    names = {install: "acme-prod"}
    config = {
        "nuon:apiUrl": server.url,
        "nuon:orgId": server.org_id,
        "nuon:apiToken": Secret(server.token),
        "componentId": component,
        "installId": install,
        "buildId": _build_being_deployed(sim),
        "pollIntervalSeconds": str(_poll_seconds(speed)),
        "timeoutSeconds": str(_TIMEOUT_SECONDS),
    }

    def gate_line(line: str) -> None:
        # The deploy's clock starts when the gate starts watching, however long the program took to start.
        clock.resume()
        if line.strip():
            say(f"    | {line}")

    # The gate's progress lines stream from the provider host as it writes them.
    with LocalEngine(example, project=_PROJECT, stack=_STACK, config=config, on_host_stderr=gate_line) as engine:
        say(f"2. `pulumi preview` of {example.name} (LocalEngine: the program as its own process, as Pulumi's")
        say("   language host runs it; the dynamic resources in a real `python -m pulumi.dynamic` host):")
        preview = engine.preview()
        if not preview.success:
            say(f"   the preview failed:\n{preview.error}")
            return _EXIT_ERROR
        _steps(say, preview)
        say("   outputs as the preview sees them:")
        _outputs(say, preview.outputs)
        say()
        say("3. `pulumi up`: the DeployGate holds `dns-switch` until the deploy of the latest build is done.")
        say(f"   the gate's progress lines, live (it polls {names[install]} every {_poll_seconds(speed):g}s):")
        up = engine.up()
        clock.resume()
        say("   steps:")
        _steps(say, up)
        if not up.success:
            say()
            say("   The update failed, as a failed deploy should fail it. Pulumi reports, as `pulumi up` shows it:")
            for line in (up.error or "").splitlines():
                say(f"    {line}")
            if "dns-switch" not in up.steps:
                say("   `dns-switch` was not created: nothing that depends on the gate ran.")
            say()
            say("What just happened: Nuon's deploy failed, so the DeployGate failed the update with Nuon's own words")
            say("and held back everything that depends on it.")
            _try_next(say, [("demo", "the same program, the deploy succeeds")])
            return _EXIT_FAILED
        say(f"   the update succeeded in {up.duration_seconds:.1f}s; stack outputs:")
        _outputs(say, up.outputs)
        say()
        say("4. `pulumi up` again: nothing changed in Nuon, so nothing changes in the stack:")
        again = engine.up()
        _steps(say, again)
        ops = {s.op for s in again.step_list}
        if not again.success:
            say(f"   the second update failed:\n{again.error}")
            return _EXIT_ERROR
        say(
            f"   {'no changes' if ops <= {'same'} else 'changes: ' + ', '.join(sorted(ops))}"
            f" ({len(again.step_list)} resources unchanged)"
        )
    say()
    say("What just happened: the DeployGate waited until Nuon's deploy of the newest release's build was `active`,")
    say("then let `dns-switch` be created; the second update found nothing to do.")
    _try_next(say, _NEXT_AFTER_SUCCESS)
    return _EXIT_OK


_NEXT_AFTER_SUCCESS = [
    ("demo --scenario failure", "the deploy fails: so does the update, with Nuon's words"),
    ("simulate", "a simulated Nuon to try `wait` on: it prints the commands to paste"),
]


def _try_next(say: Any, commands: Sequence[tuple[str, str]]) -> None:
    """The next commands, as the user can paste them from where they are (the venv's script when it is not on
    PATH, as after `make demo`)."""
    from pulumi_nuon.cli.invocation import how_to_run

    command, note = how_to_run()
    say()
    say("Try next:")
    lines = [f"{command} {args}" for args, _ in commands]
    width = max(len(line) for line in lines)
    for line, (_, what) in zip(lines, commands, strict=True):
        say(f"  {line.ljust(width)}   {what}")
    if note:
        say(f"  ({note})")
    say("  README.md and examples/ show the rest.")


def _run_pulumi_cli(
    narrator: _Narrator, example: Path, sim: Any, server: Any, pulumi: Path, speed: float, clock: Any
) -> int:
    """The same example through the real CLI: the stack made and configured by `pulumi` itself, the operations by
    the Automation API with the example's `__main__.py` as its inline program (so no Python language host is needed:
    a CLI built by `make pulumi-cli` has none), in a temp dir with a throwaway file backend, so neither the stack's
    config file nor its state lands in the checkout or in the user's Pulumi account."""
    import runpy

    from pulumi import automation as auto

    from pulumi_nuon.testing.pulumi_cli import offline_env

    say = narrator.say
    component = sim.component("web-app").id
    install = sim.install("acme-prod").id
    with tempfile.TemporaryDirectory(prefix="pulumi-nuon-demo-") as tmp:
        project = Path(tmp) / example.name
        shutil.copytree(example, project, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
        env = offline_env(pulumi.parent, Path(tmp, "home"), Path(tmp, "backend"), passphrase="pulumi-nuon-demo")
        # The dynamic-provider host the engine starts (pulumi-resource-pulumi-python) runs this Python.
        env["PULUMI_PYTHON_CMD"] = sys.executable

        def pulumi_run(*args: str, shown: str = "") -> int:
            say(f"$ pulumi {shown or ' '.join(args)}")
            done = subprocess.run([str(pulumi), *args], cwd=project, env=env, check=False, capture_output=True)
            if done.returncode != 0:
                say(done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace"))
            return done.returncode

        settings: list[Sequence[str]] = [
            ("nuon:apiUrl", server.url),
            ("nuon:orgId", server.org_id),
            ("componentId", component),
            ("installId", install),
            ("buildId", _build_being_deployed(sim)),
            ("pollIntervalSeconds", str(_poll_seconds(speed))),
            ("timeoutSeconds", str(_TIMEOUT_SECONDS)),
        ]
        if pulumi_run("stack", "init", _STACK, "--non-interactive") != 0:
            return _EXIT_ERROR
        for key, value in settings:
            if pulumi_run("config", "set", key, value) != 0:
                return _EXIT_ERROR
        token = ("config", "set", "--secret", "nuon:apiToken", server.token)
        if pulumi_run(*token, shown="config set --secret nuon:apiToken [the simulator's token]") != 0:
            return _EXIT_ERROR

        def program() -> None:
            runpy.run_path(str(project / "__main__.py"), run_name="__main__")

        command = auto.PulumiCommand(root=str(pulumi.parent.parent))
        options = auto.LocalWorkspaceOptions(work_dir=str(project), pulumi_command=command, env_vars=env)
        stack = auto.select_stack(stack_name=_STACK, project_name=_PROJECT, program=program, opts=options)

        def show(line: str) -> None:
            if not line.startswith("@ "):  # the CLI's progress dots ("@ updating....") when not on a terminal
                say(f"    {line}")

        try:
            say("$ pulumi preview")
            stack.preview(on_output=show)
            clock.resume()
            say("$ pulumi up --yes      (the gate's status lines appear on its row while it waits)")
            stack.up(on_output=show)
        except auto.errors.CommandError as error:
            say(_cli_error(error))
            say("What just happened: Nuon's deploy failed, so the DeployGate failed `pulumi up` with Nuon's own words")
            say("and held back everything that depends on it.")
            _try_next(say, [("demo", "the same program, the deploy succeeds")])
            return _EXIT_FAILED
        say("$ pulumi up --yes      (again: nothing changed in Nuon, so nothing changes)")
        try:
            stack.up(on_output=show)
        except auto.errors.CommandError as error:
            say(_cli_error(error))
            return _EXIT_ERROR
    say()
    say("What just happened: the real Pulumi CLI ran examples/gated-rollout; the DeployGate waited until Nuon's deploy")
    say("was `active`, then let `dns-switch` be created; the second update found nothing to do.")
    _try_next(say, _NEXT_AFTER_SUCCESS)
    return _EXIT_OK


def _cli_error(error: Exception) -> str:
    """What the CLI wrote to stderr, from an Automation API CommandError (it keeps only its text)."""
    return str(error).partition(" stderr: ")[2].strip()


def find_pulumi(given: str | None) -> Path | None:
    """The `pulumi` to run: the one in the folder given (`--pulumi-bin`, which `make demo` fills from
    tools/pulumi-cli/build.sh --find), else the one on PATH, else none."""
    from pulumi_nuon.testing.pulumi_cli import pulumi_executable

    return pulumi_executable(given)


_REAL_CLI_HINT = (
    "run the demo on the real Pulumi CLI, which every pulumi SDK this package allows works with: `make pulumi-cli`, "
    "then `make demo` (or put `pulumi` on PATH)"
)


def local_engine_refusal() -> str | None:
    """Why the demo cannot run on LocalEngine here, in one line that says what to do; None when it can.

    LocalEngine is the `nuon-localengine` distribution (tools/localengine), installed by `make demo` and `make test`
    but not with this package, and it needs a newer pulumi SDK than this package does."""
    try:
        from nuon_localengine import SdkUnsupportedError, check_sdk
    except ImportError:
        return (
            "no Pulumi CLI found, and LocalEngine (the `nuon-localengine` distribution, tools/localengine in the "
            f"repository) is not installed: {_REAL_CLI_HINT}, or `pip install tools/localengine`."
        )
    try:
        check_sdk()
    except SdkUnsupportedError as error:
        return f"{error}. Or {_REAL_CLI_HINT}."
    return None


def run_demo(
    *, scenario: str, engine: str, out: TextIO, err: TextIO, speed: float = DEFAULT_SPEED, pulumi_bin: str | None = None
) -> int:
    """Run the demo; returns the CLI's exit code (0 ran, 1 the update failed on the deploy, 3 could not run).

    `engine`: "pulumi" (the real CLI: `pulumi_bin`'s, else PATH's), "local" (LocalEngine), or "auto" (the real CLI
    when there is one, else LocalEngine with one line on how to get the real one)."""
    from pulumi_nuon.testing.simulator import Scenario, WallClock

    narrator = _Narrator(out)
    example = find_example(_PROJECT)
    if example is None:
        err.write(
            "error: the demo runs examples/gated-rollout from a checkout of the pulumi-nuon repository; run it "
            "from the repository's root (`make demo`).\n"
        )
        return _EXIT_ERROR
    pulumi = find_pulumi(pulumi_bin) if engine in ("pulumi", "auto") else None
    if engine == "pulumi" and pulumi is None:
        err.write(
            "error: no Pulumi CLI: `pulumi` is not on PATH"
            + (f" nor in {pulumi_bin}" if pulumi_bin else "")
            + ". Build one with `make pulumi-cli` (from Go modules, once) or install it "
            "(https://www.pulumi.com/docs/iac/download-install/), or run `pulumi-nuon demo --engine local`.\n"
        )
        return _EXIT_ERROR
    if pulumi is None:
        refusal = local_engine_refusal()
        if refusal is not None:
            err.write(f"error: {refusal}\n")
            return _EXIT_ERROR
    if engine == "auto" and pulumi is None:
        narrator.say("(No Pulumi CLI found, so this runs on LocalEngine; `make pulumi-cli` builds the real one once.)")

    loaded = Scenario.load(scenario)
    # Time stands still until the update starts, as if CI asked Nuon for the deploy just before `pulumi up`.
    clock = WallClock(speed=speed, running=False)
    # Every status shows to at least one of the gate's polls, however loaded the machine: the story is the same.
    sim = loaded.build(clock=clock, hold_until_seen=True)
    with sim.serve() as server:
        component, install = sim.component("web-app"), sim.install("acme-prod")
        latest = sim.releases(component)[0]
        narrator.say(f"pulumi-nuon demo ({'the real Pulumi CLI' if pulumi else 'LocalEngine, no Pulumi CLI needed'})")
        narrator.say()
        narrator.say(f"1. A simulated Nuon API at {server.url} (scenario {loaded.name!r}, time ×{speed:g}):")
        narrator.say(f"   component web-app ({component.id}) has {len(sim.releases(component))} releases; the newest,")
        narrator.say(f"   {latest['id']} (build {latest['build_id']}), is deploying to acme-prod ({install.id}).")
        narrator.say(f"   The program gets buildId={latest['build_id']}, as CI would pass the build it deployed: that")
        narrator.say("   pins which deploy the gate waits for, so yesterday's `active` deploy cannot pass it.")
        narrator.say()
        if pulumi is not None:
            narrator.say(f"2. The real Pulumi CLI ({pulumi}) runs {example.name}:")
            return _run_pulumi_cli(narrator, example, sim, server, pulumi, speed, clock)
        return _run_local(narrator, example, sim, server, speed, clock)
