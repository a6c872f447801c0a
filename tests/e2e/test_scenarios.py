"""What the real CLI shows beyond the happy path: failure, Ctrl-C, customTimeouts, --parallel, StackReference, a
functions-only program, and that every connection of a run goes to 127.0.0.1."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, Org
from tests.e2e.conftest import FAST, FAST_YAML, new_stack, nuon_config, record
from tests.e2e.pyhost import pulumi_packages
from tests.e2e.realcli import PLUGIN_DIR, Project

ProjectFactory = Callable[..., Project]


def _gate_config(org: Org, build_id: str, name: str) -> tuple[dict[str, str], dict[str, str]]:
    plain, secret = nuon_config(org)
    fast = FAST_YAML if name.startswith("yaml") else FAST
    plain.update(componentId=org.app.id, installId=org.prod.id, buildId=build_id, **fast)
    return plain, secret


def _ours(output: str, name: str) -> list[str]:
    """The lines the CLI's Diagnostics section prints under resource `name` (a gate's own message: the CLI's frame
    around it, the resource rows and the summary, is not ours)."""
    diagnostics = output.partition("\nDiagnostics:\n")[2]
    taken: list[str] = []
    inside = False
    for line in diagnostics.splitlines():
        if line.startswith("  ") and not line.startswith("    ") and line.rstrip().endswith(":"):
            inside = line.rstrip().endswith(f"({name}):")
            continue
        if not line.startswith("  ") and line.strip():
            break  # Outputs:, Resources:
        if inside and line.strip():
            taken.append(line.strip())
    return taken


def test_failed_deploy_fails_the_update_with_nuons_words(org: Org, project: ProjectFactory) -> None:
    words = "helm upgrade failed: context deadline exceeded"
    for name in ("yaml-gate", "gated-rollout"):
        release = org.release(org.prod, timeline=Timeline.failure(description=words))
        proj = project(name)
        stack = new_stack()
        proj.init(stack, *_gate_config(org, release.build_id, name))
        up = proj.op(stack, "up")
        record(name, "up, deploy fails", up.seconds, f"exit {up.code}")
        assert up.code != 0, up.output
        assert words in up.output, up.output
        ours = _ours(up.output, "web-app-rollout")
        assert 1 <= len(ours) <= 6, "\n".join(ours) or up.output
        assert words in ours[0], ours
        assert CANARY_TOKEN not in up.output
        print(f"--- {name}: `pulumi up` exited {up.code}; all it printed:\n{up.output}")


def _yaml_program(folder: Path, resources: dict[str, object], config: dict[str, object] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = {
        "name": folder.name,
        "runtime": "yaml",
        "plugins": {"providers": [{"name": "nuon", "path": str(PLUGIN_DIR)}]},
        "resources": resources,
        "outputs": {name: f"${{{name}.phase}}" for name in resources},
    }
    if config:
        program["config"] = config
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    return folder


def _gate(org: Org, build_id: str, **extra: object) -> dict[str, object]:
    props = {"componentId": org.app.id, "installId": org.prod.id, "buildId": build_id, "pollIntervalSeconds": 0.05}
    props.update(extra)
    return {"type": "nuon:index:DeployGate", "properties": props}


def test_custom_timeouts_shorter_than_timeout_seconds_end_the_wait(
    org: Org, project: ProjectFactory, state: Path
) -> None:
    release = org.release(org.prod, timeline=Timeline.constant("executing"))
    gate = _gate(org, release.build_id, timeoutSeconds=120)
    gate["options"] = {"customTimeouts": {"create": "4s"}}
    proj = project("timeouts", _yaml_program(state / "programs" / "timeouts", {"gate": gate}))
    stack = new_stack()
    proj.init(stack, *nuon_config(org))
    up = proj.op(stack, "up")
    record("yaml: customTimeouts 4s", "up (timeoutSeconds 120)", up.seconds, f"exit {up.code}")
    assert up.code != 0
    assert "customTimeouts" in up.output or "custom timeout" in up.output.lower(), up.output
    assert up.seconds < 60, f"the 4 s customTimeouts took {up.seconds:.1f} s"


def test_ten_gates_at_parallel_1_and_16(org: Org, project: ProjectFactory, state: Path) -> None:
    release = org.release(org.prod)
    gates = {f"gate{i}": _gate(org, release.build_id) for i in range(10)}
    proj = project("ten-gates", _yaml_program(state / "programs" / "ten-gates", gates))
    for parallel in (1, 16):
        stack = new_stack()
        proj.init(stack, *nuon_config(org))
        up = proj.op(stack, "up", "--parallel", str(parallel)).ok()
        # The wall times are recorded (docs/real-pulumi.md), not compared: on a shared 2-core machine they are noise.
        record("yaml: ten gates", f"up --parallel {parallel}", up.seconds, f"{up.changes.get('create', 0)} created")
        assert up.changes.get("create") == 11, up.output  # ten gates and the stack
        assert proj.outputs(stack) == {f"gate{i}": "succeeded" for i in range(10)}
        proj.op(stack, "destroy").ok()


def _wait_for(process: subprocess.Popen[str], pattern: str, lines: list[str], deadline: float) -> None:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return
    raise AssertionError(f"never saw {pattern!r}:\n" + "\n".join(lines))


@dataclass
class Interrupted:
    exit_seconds: float  # from SIGINT to the process's end
    cancelled_seconds: float | None  # from SIGINT to the first line saying the gate was cancelled
    code: int
    output: str


def _interrupt(proj: Project, args: list[str], *, cli_only: bool, waiting: str) -> Interrupted:
    """Start args, wait until the gate is waiting, SIGINT (the CLI's process group, as Ctrl-C in a terminal does, or
    only the CLI under a driver), and time what follows."""
    process = subprocess.Popen(
        args,
        cwd=proj.folder,
        env=proj.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        _wait_for(process, waiting, lines, time.monotonic() + 120)  # the gate has polled: it waits on "executing"
        if cli_only:
            cli = _find_child(process.pid, "pulumi")
            os.kill(cli, signal.SIGINT)
        else:
            os.killpg(process.pid, signal.SIGINT)
        sent = time.monotonic()
        cancelled = None
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if cancelled is None and "DeployGate cancelled" in line:
                cancelled = time.monotonic() - sent
        process.wait(timeout=120)
        exit_seconds = time.monotonic() - sent
        output = "\n".join(lines)
        reported = re.search(r"^E2E-RESULT .*\"code\": (-?\d+)", output, re.M)  # a driver's: the CLI's exit code
        code = int(reported.group(1)) if reported else process.returncode
        return Interrupted(exit_seconds, cancelled, code, output)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _find_child(parent: int, name: str) -> int:
    for _ in range(100):
        children = subprocess.run(["pgrep", "-P", str(parent), "-x", name], capture_output=True, text=True)
        if children.stdout.strip():
            return int(children.stdout.split()[0])
        time.sleep(0.05)
    raise AssertionError(f"no {name} under {parent}")


def test_ctrl_c_stops_a_native_gate_at_once(org: Org, project: ProjectFactory) -> None:
    release = org.release(org.prod, timeline=Timeline.constant("executing"))
    proj = project("yaml-gate")
    stack = new_stack()
    proj.init(stack, *_gate_config(org, release.build_id, "yaml-gate"))
    args = [proj.env_pulumi(), "up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack]
    seen = _interrupt(proj, args, cli_only=False, waiting=r"DeployGate web-app-rollout .* is executing")
    record("yaml-gate", "Ctrl-C: gate cancelled", seen.cancelled_seconds or -1, "DeployGate cancelled")
    record("yaml-gate", "Ctrl-C: pulumi up exits", seen.exit_seconds, f"exit {seen.code}")
    print(f"--- yaml-gate: Ctrl-C, exit {seen.code} {seen.exit_seconds:.2f} s later:\n{seen.output[-1500:]}")
    assert seen.code != 0
    # What the gate owns: it ends within 2 s of Ctrl-C. The CLI then writes its checkpoint and summary and exits
    # (0.6-1.8 s after SIGINT in all, measured; given room here so a loaded machine does not fail it).
    assert seen.cancelled_seconds is not None and seen.cancelled_seconds < 2.0, seen.output
    assert seen.exit_seconds < 10.0
    [message] = [line for line in _ours(seen.output, "web-app-rollout") if "cancel" in line.lower()]
    assert "executing" in message, message  # what the gate saw last


def test_ctrl_c_with_a_dynamic_gate(org: Org, project: ProjectFactory) -> None:
    """What happens, stated: the dynamic provider's host gets no Cancel, so the CLI waits for the gate's own end."""
    release = org.release(org.prod, timeline=Timeline.constant("executing"))
    proj = project("gated-rollout")
    stack = new_stack()
    plain, secret = _gate_config(org, release.build_id, "gated-rollout")
    plain["timeoutSeconds"] = "8"
    proj.init(stack, plain, secret)
    assert proj.driver is not None
    args = [*proj.driver, str(proj.folder), stack, "up"]
    seen = _interrupt(proj, args, cli_only=True, waiting=r"deploy \S+ is executing")
    record("gated-rollout", "Ctrl-C: pulumi up exits", seen.exit_seconds, f"exit {seen.code}, at the gate's deadline")
    print(
        f"--- gated-rollout: Ctrl-C to the CLI, exit {seen.code} {seen.exit_seconds:.2f} s later:\n"
        + seen.output[-2500:]
    )
    # The engine waits for steps in flight; the dynamic gate hears nothing and ends at its own deadline (8 s).
    assert seen.code != 0
    assert seen.cancelled_seconds is None
    assert "timed out after 8s" in seen.output, seen.output
    assert seen.exit_seconds < 30


def test_stack_reference_between_two_real_stacks(org: Org, project: ProjectFactory) -> None:
    release = org.release(org.prod, org.staging)
    upstream = project("gated-rollout")
    staging = new_stack()
    plain, secret = nuon_config(org)
    upstream.init(
        staging,
        {**plain, "componentId": org.app.id, "installId": org.staging.id, "buildId": release.build_id, **FAST},
        secret,
    )
    upstream.op(staging, "up").ok()
    downstream = project("stack-reference")
    prod = new_stack()
    downstream.init(
        prod,
        {**plain, "rolloutStack": f"organization/gated-rollout/{staging}", "installId": org.prod.id, **FAST},
        secret,
    )
    up = downstream.op(prod, "up").ok()
    record("stack-reference", "up (reads gated-rollout's stack)", up.seconds, "ok")
    outputs = downstream.outputs(prod)
    assert outputs["upstream_build_id"] == release.build_id
    assert outputs["promoted_build_id"] == release.build_id
    assert outputs["gate_phase"] == "succeeded"
    downstream.op(prod, "destroy").ok()
    upstream.op(staging, "destroy").ok()


def test_functions_only_program_needs_no_plugin(org: Org, project: ProjectFactory, state: Path) -> None:
    """A program that installs this package (`pip install`) and only reads: no plugin is looked for, no warning."""
    org.release(org.prod)
    folder = state / "programs" / "functions-only"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: functions-only\nruntime: python\n")
    (folder / "__main__.py").write_text(
        "import pulumi\nimport pulumi_nuon as nuon\n\n"
        "config = pulumi.Config()\n"
        "deploy = nuon.get_latest_deploy_output(config.require('installId'), config.require('componentId'))\n"
        "pulumi.export('status', deploy.status)\n"
    )
    proj = project("functions-only", folder)
    stack = new_stack()
    plain, secret = nuon_config(org)
    proj.init(stack, {**plain, "componentId": org.app.id, "installId": org.prod.id}, secret)
    up = proj.op(stack, "up").ok()
    record("functions-only (pip install)", "up", up.seconds, "ok")
    assert proj.outputs(stack)["status"] in {"queued", "planning", "active", "executing", "syncing"}
    assert "warning" not in up.output.lower(), up.output
    assert "plugin" not in up.output.lower(), up.output
    plugins = proj.cli("plugin", "ls").ok()
    assert "nuon" not in plugins.output, plugins.output


def test_the_installed_package_tells_the_python_host_it_has_no_plugin(example_venv: Path) -> None:
    """pip's pulumi-nuon is named pulumi-*, so Pulumi's Python host looks at it: its pulumi-plugin.json says
    "resource": false, so no plugin `nuon` is required (and none downloaded) for a program on the dynamic resources."""
    package = pulumi_packages(example_venv)["pulumi-nuon"]
    assert package.plugin_json is not None and "site-packages" in package.plugin_json.parts, package
    assert package.plugin == {"resource": False}
    assert package.requires is None


def test_every_connection_goes_to_loopback(org: Org, project: ProjectFactory) -> None:
    """strace every process of a `pulumi up` of the YAML example: each inet connect() is to 127.0.0.1."""
    release = org.release(org.prod)
    proj = project("yaml-gate")
    stack = new_stack()
    proj.init(stack, *_gate_config(org, release.build_id, "yaml-gate"))
    trace = proj.folder / f".strace-{stack}"
    try:
        run = proj.op(stack, "up")  # warm the plugin's bytecode first; the traced run is the second
        assert run.code == 0, run.output
        traced = subprocess.run(
            [
                "strace",
                "-f",
                "-qq",
                "-e",
                "trace=connect",
                "-o",
                str(trace),
                proj.env_pulumi(),
                "refresh",
                "--yes",
                "--skip-preview",
                "--non-interactive",
                "--stack",
                stack,
            ],
            cwd=proj.folder,
            env=proj.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert traced.returncode == 0, traced.stdout + traced.stderr
        connects = [line for line in trace.read_text().splitlines() if "connect(" in line and "AF_INET" in line]
        assert connects, "strace saw no inet connections at all"
        elsewhere = [line for line in connects if "127.0.0.1" not in line and "::1" not in line]
        record("yaml-gate", "strace: inet connects", 0.0, f"{len(connects)}, {len(elsewhere)} not loopback")
        assert not elsewhere, "\n".join(elsewhere)
    finally:
        trace.unlink(missing_ok=True)
