"""Run your own Pulumi program through the real Pulumi CLI against the simulator: offline, in a throwaway backend.

The Automation API runs the program (a callable, in this process, as an inline program): the real CLI and engine do
the rest (plugins, the dynamic-provider host, diffs, the checkpoint, config and secrets). Nothing leaves 127.0.0.1::

    import pulumi
    import pulumi_nuon as nuon
    from pulumi_nuon.testing import Simulator, Timeline
    from pulumi_nuon.testing.real_pulumi import PulumiStack

    def program() -> None:
        gate = nuon.DeployGate("gate", component_id=app.id, install_id=prod.id, poll_interval_seconds=0.05)
        pulumi.export("phase", gate.phase)

    sim = Simulator(token="test-token")
    app = sim.add_component("api")
    prod = sim.add_install("prod", components=[app])
    sim.trigger_deploy(prod, app, timeline=Timeline.apply_success())
    sim.auto_advance(5)
    with sim.serve() as server, PulumiStack(program, server=server) as stack:
        result = stack.up()
        assert result.ok, result.error
        assert result.outputs["phase"] == "succeeded" and result.steps["gate"] == "create"

`PulumiStack` needs the `pulumi` CLI (on PATH, or `pulumi_bin=`); it gives it a `PULUMI_HOME` and a file backend in
a temporary folder removed on exit, a passphrase secrets provider, and the simulator's URL, org id and token as the
stack's `nuon:` config (the token as a secret). Dynamic resources run in the engine's Python dynamic-provider host,
which starts `python3` from PATH: this interpreter's folder is put first on it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from pulumi_nuon.errors import ConfigurationError
from pulumi_nuon.testing.pulumi_cli import offline_env, pulumi_executable
from pulumi_nuon.testing.simulator import SimServer

__all__ = ["PulumiResult", "PulumiStack", "find_pulumi"]

_PASSPHRASE = "pulumi-nuon-testing"  # the throwaway backend's secrets passphrase: it protects nothing real
# The engine's stand-in for a value not known yet (a preview's outputs), in its events.
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# How its events write a secret (a masked value under the secret signature key), the Pulumi wire format's.
_SECRET_SIG, _SECRET_MARK = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "<unknown>"
"""What `PulumiResult.outputs` holds for an output the engine does not know yet (a preview's)."""
SECRET = "[secret]"
"""What `PulumiResult.outputs` holds for a secret output in a preview (the engine's events mask secrets)."""


def find_pulumi(pulumi_bin: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the `pulumi` CLI: `pulumi_bin` (that folder, or the executable), else `pulumi` on PATH."""
    if pulumi_bin is not None:
        path = Path(pulumi_bin)
        folder = path.parent if path.name == "pulumi" and path.is_file() else path
        if pulumi_executable(folder) is not None:
            return folder
        raise ConfigurationError(f"no `pulumi` executable in {folder}: pass the folder that holds the Pulumi CLI")
    found = pulumi_executable(None)
    if found is None:
        raise ConfigurationError(
            "the Pulumi CLI was not found on PATH: install it (https://www.pulumi.com/docs/install/) or pass "
            "pulumi_bin= the folder that holds it"
        )
    return found.resolve().parent


@dataclass
class PulumiResult:
    """What one `preview`/`up`/`refresh`/`destroy` through the real CLI did.

    - `ok`: the CLI exited 0; `error`: else, the error diagnostics it reported (one per line, as
      `<resource name>: <message>`, the stack's own as `: <message>`), and `output` everything it printed;
    - `steps`: the step the engine took for each resource, by name (`create`, `same`, `update`, `replace`, `delete`,
      `read`), the stack resource included (`<project>-<stack>`), default providers not;
    - `outputs`: the stack outputs: after `up` as the CLI returns them (secrets unwrapped; `secret_outputs` names
      them), after `preview` as the engine's events show them (`UNKNOWN` not yet known, `SECRET` masked); empty after
      `refresh` and `destroy`;
    - `diagnostics`: every diagnostic the engine reported, as (resource name, severity, message);
    - `changes`: the CLI's summary (`{"create": 2, "same": 1}`); `seconds`: the operation's wall time.
    """

    operation: str
    ok: bool
    error: str
    output: str
    steps: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()
    diagnostics: list[tuple[str, str, str]] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# The engine's step kinds, in the words of the result: a refresh is a read; the halves of a replace are the replace.
_OPS = {"refresh": "read", "create-replacement": "replace", "delete-replaced": "replace", "read-replacement": "read"}


class _Events:
    """Collects what a run's engine events say: steps, the stack's outputs, diagnostics."""

    def __init__(self) -> None:
        self.steps: dict[str, str] = {}
        self.outputs: dict[str, Any] = {}
        self.diagnostics: list[tuple[str, str, str]] = []

    def __call__(self, event: auto.EngineEvent) -> None:
        diagnostic = event.diagnostic_event
        if diagnostic is not None and not diagnostic.ephemeral and diagnostic.severity != "debug":
            name = (diagnostic.urn or "").rpartition("::")[2]
            self.diagnostics.append((name, diagnostic.severity, diagnostic.message.strip()))
        for step in (event.resource_pre_event, event.res_outputs_event):
            metadata = step.metadata if step is not None else None
            if metadata is None or metadata.type.startswith("pulumi:providers:"):
                continue
            op = metadata.op.value if isinstance(metadata.op, auto.OpType) else str(metadata.op)
            self.steps[metadata.urn.rpartition("::")[2]] = _OPS.get(op, op)
            if metadata.type == "pulumi:pulumi:Stack" and step is event.res_outputs_event and metadata.new:
                self.outputs = {k: _plain(v) for k, v in (metadata.new.outputs or {}).items()}


def _plain(value: Any) -> Any:
    if value == _UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict) and value.get(_SECRET_SIG) == _SECRET_MARK:
        return SECRET
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class PulumiStack:
    """A stack of your program in a throwaway file backend, run by the real Pulumi CLI (a context manager).

    :param program: the program, a callable run as the Automation API's inline program (in this process).
    :param server: a served simulator (`sim.serve()`): its URL, org id and token become the stack's `nuon:apiUrl`,
        `nuon:orgId` and `nuon:apiToken` (secret) config. Without it, set them in `config`/`secrets` yourself.
    :param project: the project's name; :param stack: the stack's name.
    :param config: more stack config, namespaced keys (`"myapp:size"`; a key without one gets the project's), as
        `pulumi config set` takes them; :param secrets: the same, set as secrets (`--secret`).
    :param pulumi_bin: the folder holding `pulumi` (default: `pulumi` on PATH).
    :param workdir: where the backend and `PULUMI_HOME` live (default: a temporary folder, removed on exit).
    :param env: more environment variables for the CLI and the plugins it starts.
    :param on_output: called with each line the CLI prints, as it prints it.
    """

    def __init__(
        self,
        program: Callable[[], Any],
        *,
        server: SimServer | None = None,
        project: str = "project",
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        pulumi_bin: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        on_output: Callable[[str], None] | None = None,
    ) -> None:
        self.project = project
        self.stack_name = stack
        self._bin = find_pulumi(pulumi_bin)
        self._tmp = None if workdir is not None else tempfile.TemporaryDirectory(prefix="pulumi-nuon-")
        self.workdir = Path(workdir if workdir is not None else self._tmp.name)  # type: ignore[union-attr]
        self._on_output = on_output
        python_bin = Path(sys.executable).parent
        self.env = offline_env(
            self._bin, self.workdir / "home", self.workdir / "backend", passphrase=_PASSPHRASE, path_first=[python_bin]
        )
        self.env.update(env or {})
        try:
            self.stack = self._create(program, project, stack)
            plain = dict(config or {})
            secret = dict(secrets or {})
            if server is not None:
                plain.update({"nuon:apiUrl": server.url, "nuon:orgId": server.org_id})
                secret["nuon:apiToken"] = server.token
            self.set_config(plain)
            self.set_config(secret, secret=True)
        except BaseException:
            if self._tmp is not None:
                self._tmp.cleanup()
            raise

    def _create(self, program: Callable[[], Any], project: str, stack: str) -> auto.Stack:
        command = auto.PulumiCommand(root=str(self._bin.parent))
        workspace = auto.LocalWorkspace(
            work_dir=str(self.workdir),
            pulumi_home=str(self.workdir / "home"),
            env_vars=self.env,
            project_settings=auto.ProjectSettings(name=project, runtime="python"),
            pulumi_command=command,
            program=program,
        )
        return auto.Stack.create(stack, workspace)

    def __enter__(self) -> PulumiStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget the stack (its resources are simulated) and remove the temporary folder."""
        try:
            self.stack.workspace.remove_stack(self.stack_name, force=True)
        except auto.errors.CommandError:
            pass
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    def _qualify(self, key: str) -> str:
        return key if ":" in key else f"{self.project}:{key}"

    def set_config(self, values: Mapping[str, str], *, secret: bool = False) -> None:
        """`pulumi config set [--secret]` for each key; takes effect on the next operation."""
        if values:
            self.stack.set_all_config(
                {self._qualify(k): auto.ConfigValue(value=str(v), secret=secret) for k, v in values.items()}
            )

    def remove_config(self, key: str) -> None:
        """`pulumi config rm`."""
        self.stack.remove_config(self._qualify(key))

    def outputs(self) -> dict[str, Any]:
        """The stack's current outputs (secrets unwrapped), as `pulumi stack output --show-secrets` shows them."""
        return {k: v.value for k, v in self.stack.outputs().items()}

    # -- operations ------------------------------------------------------------------------------------------

    def preview(self, program: Callable[[], Any] | None = None) -> PulumiResult:
        """`pulumi preview`: nothing changes; outputs not known yet are `UNKNOWN`."""
        return self._run("preview", program)

    def up(self, program: Callable[[], Any] | None = None) -> PulumiResult:
        """`pulumi up --yes --skip-preview`."""
        return self._run("up", program)

    def refresh(self) -> PulumiResult:
        """`pulumi refresh --yes --skip-preview`."""
        return self._run("refresh", None)

    def destroy(self) -> PulumiResult:
        """`pulumi destroy --yes --skip-preview`."""
        return self._run("destroy", None)

    def cancel(self) -> None:
        """Ctrl-C: SIGINT to the `pulumi` processes this process is running (call it from another thread while an
        operation runs), as a terminal sends it. The engine then cancels what it can (a native provider hears
        `Cancel`; a dynamic provider's host does not) and the operation fails."""
        for _ in range(100):
            found = subprocess.run(
                ["pgrep", "-P", str(os.getpid()), "-x", "pulumi"], capture_output=True, text=True, check=False
            )
            if found.stdout.strip():
                for pid in found.stdout.split():
                    os.kill(int(pid), signal.SIGINT)
                return
            time.sleep(0.05)
        raise ConfigurationError("cancel(): no `pulumi` process of this stack is running")

    def _run(self, operation: str, program: Callable[[], Any] | None) -> PulumiResult:
        events = _Events()
        lines: list[str] = []

        def show(line: str) -> None:
            lines.append(line)
            if self._on_output is not None:
                self._on_output(line)

        if program is not None:
            self.stack.workspace.program = program
        start = time.monotonic()
        result = PulumiResult(operation, ok=True, error="", output="")
        try:
            if operation == "preview":
                preview = self.stack.preview(on_output=show, on_event=events)
                result.changes = {str(getattr(k, "value", k)): int(v) for k, v in preview.change_summary.items()}
            elif operation == "up":
                up = self.stack.up(on_output=show, on_event=events)
                result.changes = {str(k): int(v) for k, v in (up.summary.resource_changes or {}).items()}
                result.outputs = {k: v.value for k, v in up.outputs.items()}
                result.secret_outputs = frozenset(k for k, v in up.outputs.items() if v.secret)
            elif operation == "refresh":
                refreshed = self.stack.refresh(on_output=show, on_event=events)
                result.changes = {str(k): int(v) for k, v in (refreshed.summary.resource_changes or {}).items()}
            else:
                destroyed = self.stack.destroy(on_output=show, on_event=events)
                result.changes = {str(k): int(v) for k, v in (destroyed.summary.resource_changes or {}).items()}
        except auto.errors.CommandError as error:
            result.ok = False
            lines.append(str(error))
        result.seconds = time.monotonic() - start
        result.output = "\n".join(lines)
        result.steps = events.steps
        result.diagnostics = events.diagnostics
        if operation == "preview":
            result.outputs = events.outputs
            result.secret_outputs = frozenset(k for k, v in events.outputs.items() if v == SECRET)
        if not result.ok:
            result.error = "\n".join(
                f"{name}: {text}" for name, severity, text in events.diagnostics if severity == "error"
            )
        return result
