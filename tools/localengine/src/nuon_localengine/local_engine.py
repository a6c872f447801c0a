"""`LocalEngine`, the class: the engine's operations over a program, its state, its plugins and its processes.

See the package docstring for what it is and the class docstring for what it models of the real engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Union

from google.protobuf import struct_pb2

from .errors import EngineClosedError, ProgramError, StepFailed
from .hosts import PluginProcess
from .monitor import EngineServer
from .program import (
    ProgramRun,
    ProjectProgram,
    PythonSpare,
    import_root,
    imported_libraries,
    keep_spare,
    load_project,
    python_base_env,
    reuse_spare,
    run_callable,
    run_project,
)
from .providers import Provider, ProviderRegistry, ProviderSetup, default_provider_inputs, default_provider_key
from .results import EngineResult, LogMessage, Secret, StepRecord
from .sdk import check_sdk
from .steps import STACK_TYPE, Operation, ResourceState, delete_order, diagnostic_text
from .values import from_plain, secret_keys_of, to_plain

__all__ = ["LocalEngine", "Program", "StackSource"]

Program = Union[Callable[[], Any], str, "os.PathLike[str]"]
"""A Pulumi program: a project directory (Python or Node.js), or a callable run as a Python program's body."""

StackSource = Union["LocalEngine", Mapping[str, Any]]
"""What a `StackReference` reads: another engine's current stack outputs, or fixed outputs (`Secret(...)` allowed)."""

_DYNAMIC_HOST = ("-u", "-m", "pulumi.dynamic")
_NOT_PROVIDERS = frozenset({"pulumi"})


def _config_string(value: Any) -> str:
    # Stack config values are strings; structured values travel as JSON (what `pulumi config set --path` keeps).
    import json

    return value if isinstance(value, str) else json.dumps(value)


class LocalEngine:
    """Runs a Pulumi program's preview/up/refresh/destroy locally against real provider plugin processes.

    :param program: the default program for `preview`/`up` (each call may pass another one): a Pulumi project
        directory — Python (`__main__.py`) or Node.js/TypeScript (`package.json`, with `@pulumi/pulumi` in its
        `node_modules`), as its `Pulumi.yaml` says — run as its own process like the language host runs it; or a
        callable (its body registers resources and calls `pulumi.export`; it may return an awaitable), run in this
        process on a thread of its own under the SDK's runtime.
    :param project: project name (the URNs, `pulumi.get_project()`).
    :param stack: stack name.
    :param config: stack config, namespaced keys (`"nuon:orgId"`; a key without a namespace gets the project's,
        as `pulumi config set` does). Values are strings, or JSON-able values stored as JSON. Wrap secret values
        in `Secret(...)` or list their keys in `secret_keys`. The program sees the config through
        `pulumi.Config(...)` (secret keys are secret there); each default provider's `Configure` receives its
        package's keys (the dynamic providers: all of them, namespaced), secrets decrypted, as the engine sends them.
    :param secret_keys: config keys whose values are secret.
    :param plugins: provider plugins by package: `{"nuon": ["pulumi-resource-nuon"]}` (an argv; the engine's
        address is appended as the last argument, and the plugin prints its port on stdout). `pulumi-python`
        defaults to the SDK's dynamic-provider host, `python -u -m pulumi.dynamic`. Custom resources of a package
        with no plugin have their inputs echoed as outputs (the real engine would fail to load the plugin).
    :param stack_references: what `pulumi.StackReference(name)` reads, by the name the program passes
        (`"organization/gated-rollout/prod"`): another `LocalEngine` (its current stack outputs, secrets kept
        secret) or a mapping of outputs.
    :param cwd: the plugins' working directory (default: the program's directory, else the current one).
    :param extra_pythonpath: more entries for the plugins' `PYTHONPATH`. Always on it: their cwd, the directory
        this package imports from, and the import root of a callable program's module (so dynamic providers
        defined next to a test unpickle in the host).
    :param env: environment variables added to (or overriding) this process's for programs and plugins.
    :param python: the interpreter for Python programs and the dynamic host (default `sys.executable`).
    :param node: the `node` executable for Node.js programs (default: `node` on PATH).
    :param invoke: answers invokes no plugin owns: `invoke(token, args) -> dict`; without it such an invoke fails
        with a clear error.
    :param max_workers: threads for a Python program's RPCs (the SDK registers resources from its executor), and
        `--parallel` is a quarter of it, as the language host sets it.
    :param host_per_operation: stop every plugin at the end of each operation, as the real engine does, instead
        of keeping them for the engine's life.
    :param raise_on_error: default for every operation's `raise_on_error`.
    :param on_host_stderr: called with each line a provider plugin writes to stderr, as it is written (a gate's
        progress lines, live), from a background thread; the lines are also in `EngineResult.host_stderr`.
    :param on_log: called with each message sent to the engine's `Log` RPC as it arrives (a resource's status
        lines, live), from a gRPC thread; the messages are also in `EngineResult.log`.

    `cancel()` (from another thread) is the CLI's Ctrl-C. Every process the engine starts ends with `close()`
    (except an unused early-started program process, kept for the next engine running the same program), and with
    this process however it ends (see `processes`).

    What the stand-in models of the real engine (as the engine does it):

    - the `ResourceMonitor` and `Engine` gRPC services, the SDKs' own protocol: secrets and unknowns on the wire,
      `SupportsFeature`/`GetDeploymentInfo`, the stack resource and its outputs, `RegisterResourceOutputs`;
    - programs run as the language hosts run them: a Python project through the exec script's logic, a Node.js or
      TypeScript project through `@pulumi/pulumi/cmd/run`, config in `PULUMI_CONFIG`, their exit codes (32: an
      error already reported);
    - steps: Check → Create, or Check → Diff → nothing / Update / replace (create-before-delete, or
      delete-before-replace when the provider or the program asks), Delete for what left the program, in the order
      the program's dependencies give; `ignoreChanges` and `replaceOnChanges` (top-level properties),
      `additionalSecretOutputs`, outputs of secret inputs kept secret; previews with unknowns, `Create`/`Update`
      with `preview=true` for providers that support it;
    - providers: a plugin per package (and per explicit provider resource) started with the engine's address,
      its port read from stdout; Handshake, GetPluginInfo, CheckConfig and Configure with the stack's namespaced
      config (`variables` decrypted, `args` with secrets); `acceptSecrets` honoured; invokes routed to the token's
      provider; the builtins `getResource`, `readStackOutputs` and `StackReference` (served from another engine);
    - `customTimeouts` as the `timeout` of Create/Update/Delete; `cancel()` (Ctrl-C) and every shutdown send
      `Cancel` to every provider; the first failed step stops the update (the monitor answers UNAVAILABLE, as a
      monitor that shut down does) and nothing new starts; refresh (Read; a gone resource leaves state);
    - the `Log` RPC per resource URN, ephemeral status lines apart from diagnostics (debug messages dropped, as
      the CLI drops them without `--debug`).

    Not modeled (how the stand-in differs):

    - no CLI, backend, checkpoint or secrets provider: state lives in memory, `state` shows it as JSON with
      secrets redacted rather than encrypted; default provider resources are not in `state` or `steps`;
    - plugin processes are kept across operations (the engine starts them per operation; `host_per_operation=True`
      does that), and for a Python program the dynamic-provider host and the next operation's program process are
      started ahead (the latter has imported the SDK and the program's libraries when the operation begins);
    - no DiffConfig: a changed provider config restarts its plugin (the engine may replace the provider's
      resources); an explicit provider whose config is unknown in a preview is not started, its resources echo;
    - custom resources of a package with no plugin have their inputs echoed as outputs (id `<name>-id`) where the
      engine would fail to load the plugin;
    - refresh reads and deletes run one at a time (the engine runs independent ones in parallel); refresh runs no
      program; replaced resources are deleted at the end of the update even when it failed (the engine would keep
      them pending-delete);
    - no `--parallel` limit beyond the program's own threads, no `protect`, `retainOnDelete`, aliases, imports,
      transforms, hooks, policy packs, `--continue-on-error`, components from providers (`Construct`/`Call`),
      resource references or output values on the wire;
    - a callable program runs in this process (one at a time per process), not as a process of its own.
    """

    def __init__(
        self,
        program: Program | None = None,
        *,
        project: str = "project",
        stack: str = "dev",
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        plugins: Mapping[str, Sequence[str]] | None = None,
        stack_references: Mapping[str, StackSource] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        extra_pythonpath: Sequence[str | os.PathLike[str]] = (),
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        node: str | None = None,
        invoke: Callable[[str, dict[str, Any]], Mapping[str, Any]] | None = None,
        max_workers: int = 64,
        host_per_operation: bool = False,
        raise_on_error: bool = False,
        organization: str = "organization",
        on_host_stderr: Callable[[str], None] | None = None,
        on_log: Callable[[LogMessage], None] | None = None,
    ) -> None:
        check_sdk()
        self.project = project
        self.stack = stack
        self.organization = organization
        self._program = program
        self._config: dict[str, str] = {}
        self._secret_keys: set[str] = set()
        for key, value in (config or {}).items():
            self.set_config(key, value.value if isinstance(value, Secret) else value, secret=isinstance(value, Secret))
        for key in secret_keys:
            self._secret_keys.add(self._qualify(key))
        self._plugins = {name: list(argv) for name, argv in (plugins or {}).items()}
        self._stack_references: dict[str, StackSource] = dict(stack_references or {})
        self._cwd = Path(cwd).resolve() if cwd is not None else None
        self._extra_pythonpath = [str(Path(p).resolve()) for p in extra_pythonpath]
        self._env = dict(env or {})
        self._python = python or sys.executable
        self._node = node
        self._invoke = invoke
        self._max_workers = max_workers
        self._host_per_operation = host_per_operation
        self._raise_on_error = raise_on_error
        self._on_log = on_log
        self._state: dict[str, ResourceState] = {}
        self._op_lock = threading.Lock()
        self._lock = threading.Lock()
        self._server: EngineServer | None = None
        self._started_pids: list[int] = []
        self._registry = ProviderRegistry(
            on_stderr_line=on_host_stderr, on_start=self._plugin_started, on_process=self._started_pids.append
        )
        self._operation: Operation | None = None
        self._cancel = threading.Event()
        self._closed = False
        self._host_pids: list[int] = []
        self._spare: tuple[tuple[Any, ...], PythonSpare] | None = None
        self._modules_file: str | None = None
        self._preload: list[str] = []
        self._op_plugins: dict[int, tuple[PluginProcess, int, int]] = {}
        self._last_program: Program | None = program

    # -- configuration ---------------------------------------------------------------------------------------

    def _qualify(self, key: str) -> str:
        return key if ":" in key else f"{self.project}:{key}"

    def set_config(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set a stack config value (like `pulumi config set [--secret]`); takes effect on the next operation."""
        key = self._qualify(key)
        if isinstance(value, Secret):
            value, secret = value.value, True
        self._config[key] = _config_string(value)
        if secret:
            self._secret_keys.add(key)
        else:
            self._secret_keys.discard(key)

    def remove_config(self, key: str) -> None:
        """Remove a stack config value (like `pulumi config rm`)."""
        key = self._qualify(key)
        self._config.pop(key, None)
        self._secret_keys.discard(key)

    @property
    def config(self) -> dict[str, str]:
        """A copy of the stack config (plaintext — do not print it in tests that check for leaks)."""
        return dict(self._config)

    def add_stack_reference(self, name: str, source: StackSource) -> None:
        """Serve `source` to `pulumi.StackReference(name)` from the next operation on."""
        self._stack_references[name] = source

    # -- public state ----------------------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """The current state as JSON-able data (secrets redacted), as in `EngineResult.state`."""
        return self._state_json(self._state)

    @property
    def stack_outputs(self) -> dict[str, Any]:
        """The stack's outputs after the last operation that changed state, as plain values."""
        outputs = self._stack_outputs_struct()
        return to_plain(outputs) if outputs is not None else {}

    @property
    def host_pid(self) -> int | None:
        """The pid of the running dynamic-provider host (`pulumi-python`), if one is running."""
        provider = self._registry.find_running("pulumi-python")
        return provider.plugin.pid if provider is not None else None

    @property
    def host_pids(self) -> list[int]:
        """The pids of every provider plugin this engine started (all stopped by `close()`)."""
        return list(self._host_pids)

    @property
    def started_pids(self) -> list[int]:
        """The pids of every process this engine started: programs and plugins."""
        return list(self._started_pids)

    def _state_json(self, state: Mapping[str, ResourceState]) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [res.to_json() for res in state.values()],
        }

    def _stack_outputs_struct(self) -> struct_pb2.Struct | None:
        stack = next((r for r in self._state.values() if r.type == STACK_TYPE), None)
        return stack.outputs if stack is not None else None

    def _serve_stack_reference(self, name: str) -> struct_pb2.Struct | None:
        source = self._stack_references.get(name)
        if source is None:
            return None
        if isinstance(source, LocalEngine):
            return source._stack_outputs_struct()
        values = {k: v.value if isinstance(v, Secret) else v for k, v in source.items()}
        return from_plain(values, [k for k, v in source.items() if isinstance(v, Secret)])

    # -- plugins and the server ------------------------------------------------------------------------------

    def _plugin_started(self, provider: Provider) -> None:
        plugin = provider.plugin
        with self._lock:
            self._host_pids.append(plugin.pid)
            self._op_plugins.setdefault(plugin.pid, (plugin, plugin.stdout_offset, 0))

    def _begin(self, program: Program | None) -> EngineServer:
        if self._closed:
            raise EngineClosedError("LocalEngine is closed")
        # Refresh and destroy run no program; they use the plugins the last program wanted (a dynamic provider
        # needs the same imports to unpickle).
        program = program if program is not None else self._last_program
        self._last_program = program
        program_dir: Path | None = None
        uses_libraries = False
        if isinstance(program, (str, os.PathLike)):
            path = Path(program).resolve()
            program_dir = path if path.is_dir() else None
            with contextlib.suppress(ProgramError):
                project = load_project(path)
                uses_libraries = project.runtime == "python" and bool(
                    set(imported_libraries(project)) - _NOT_PROVIDERS - set(sys.stdlib_module_names)
                )
        cwd = str(self._cwd or program_dir or Path.cwd())
        path_entries = [cwd, *self._extra_pythonpath]
        if program is not None and callable(program):
            root = import_root(program)
            if root is not None:
                path_entries.append(str(root))
        env = {**os.environ, **self._env}
        if env.get("PYTHONPATH"):
            path_entries.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in path_entries if p))
        env["PULUMI_PROJECT"] = self.project
        env["PULUMI_STACK"] = self.stack
        env["PYTHONUNBUFFERED"] = "1"
        with self._lock:
            if self._server is None:
                self._server = EngineServer(max_workers=max(self._max_workers, 16) * 2, on_log=self._on_log)
            server = self._server
        plugins: dict[str, Sequence[str]] = {"pulumi-python": [self._python, *_DYNAMIC_HOST]}
        plugins.update(self._plugins)
        self._registry.setup = ProviderSetup(
            plugins=plugins,
            cwd=cwd,
            env=env,
            engine_address=server.address,
            program_directory=str(program_dir or cwd),
        )
        if uses_libraries:
            # A Python project that imports libraries beyond the SDK most likely has dynamic resources: start their
            # host while the program process starts (a callable starts at once; its host is started when needed).
            dynamic = "pulumi-python"
            inputs = default_provider_inputs(dynamic, self._config, self._secret_keys)
            self._registry.prestart(default_provider_key(dynamic), dynamic, inputs)
        with self._lock:
            self._op_plugins = {}
            for provider in self._registry.running():
                plugin = provider.plugin
                plugin.output.drain()
                self._op_plugins[plugin.pid] = (plugin, plugin.output.size("stdout"), plugin.output.size("stderr"))
        self._cancel.clear()
        return server

    def _start_operation(self, server: EngineServer, kind: str, *, preview: bool) -> Operation:
        op = Operation(
            kind=kind,
            preview=preview,
            old_state=self._state,
            registry=self._registry,
            project=self.project,
            stack=self.stack,
            config=self._config,
            secret_keys=self._secret_keys,
            invoke_handler=self._invoke,
            stack_outputs=self._serve_stack_reference,
        )
        server.deployment = {
            "project": self.project,
            "stack": self.stack,
            "organization": self.organization,
            "config": dict(self._config),
            "secret_keys": sorted(self._secret_keys),
            "dry_run": preview,
            "parallel": self._parallel,
        }
        server.operation = op
        with self._lock:
            self._operation = op
        return op

    @property
    def _parallel(self) -> int:
        return max(1, self._max_workers // 4)

    def _plugin_output(self) -> tuple[str, str]:
        stdout, stderr = [], []
        with self._lock:
            plugins = list(self._op_plugins.values())
        for plugin, out_off, err_off in plugins:
            plugin.output.drain()
            stdout.append(plugin.output.text("stdout", out_off))
            stderr.append(plugin.output.text("stderr", err_off))
        return "".join(stdout), "".join(stderr)

    def _end(self) -> None:
        server = self._server
        if server is not None:
            server.operation = None
        with self._lock:
            self._operation = None
        if self._host_per_operation:
            self._registry.stop_all()

    # -- operations ------------------------------------------------------------------------------------------

    def preview(self, program: Program | None = None, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi preview`: run the program; Check (and Diff for existing resources), no Create/Update.

        Outputs of resources that would be created, updated or replaced are `UNKNOWN` where the engine would
        not know them; resources that left the program show as `delete` steps. State is unchanged.
        """
        return self._program_operation("preview", program, raise_on_error)

    def up(self, program: Program | None = None, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi up`: run the program, create/update/replace as the providers' Check and Diff say, then
        delete what left the program (only when everything else succeeded)."""
        return self._program_operation("up", program, raise_on_error)

    def refresh(self, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi refresh`: Read every resource a provider serves; a Read with an empty id drops it."""
        return self._locked(self._refresh, raise_on_error)

    def destroy(self, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi destroy`: Delete everything in reverse dependency order; the state ends empty."""
        return self._locked(self._destroy, raise_on_error)

    def cancel(self) -> bool:
        """Ctrl-C: stop starting steps and send `Cancel` to every provider plugin. Call it from another thread
        while an operation runs; the operation then fails with "<operation> canceled" (and whatever the providers
        said). Returns whether an operation was running."""
        with self._lock:
            op = self._operation
        if op is None:
            return False
        self._cancel.set()
        op.cancel()
        return True

    def _locked(self, fn: Callable[[], EngineResult], raise_on_error: bool | None) -> EngineResult:
        with self._op_lock:
            try:
                result = fn()
            finally:
                self._end()
        should_raise = self._raise_on_error if raise_on_error is None else raise_on_error
        return result.raise_for_error() if should_raise else result

    def _program_operation(self, kind: str, program: Program | None, raise_on_error: bool | None) -> EngineResult:
        program = program if program is not None else self._program
        if program is None:
            raise ProgramError("no program: pass one to LocalEngine(...) or to this call")
        return self._locked(lambda: self._run_program(kind, program), raise_on_error)

    def _run_program(self, kind: str, program: Program) -> EngineResult:
        started = time.monotonic()
        preview = kind == "preview"
        server = self._begin(program)
        op = self._start_operation(server, kind, preview=preview)
        run = self._run(program, server, preview=preview)
        op.close()
        op.wait_for_steps()
        error = self._operation_error(kind, op, run)

        gone = [res for urn, res in self._state.items() if urn not in op.new]
        if preview:
            for res in delete_order(gone):
                op.record_step(res, "delete")
        else:
            new_state = dict(op.new)
            for old in op.pending_deletes:
                delete_error = self._delete_step(op, old, detail="replaced")
                error = error or delete_error
            if error is None:
                for res in delete_order(gone):
                    if op.cancelled:
                        error = f"{kind} canceled"
                        break
                    error = self._delete_step(op, res)
                    if error is not None:
                        break
            # Whatever was not deleted stays in state (after a failure: everything the program did not reach).
            for res in gone:
                if res.urn not in new_state and res.urn not in op.deleted:
                    new_state[res.urn] = res
            self._state = new_state

        outputs = op.stack_outputs
        if outputs is None and not preview:
            outputs = self._stack_outputs_struct()
        return self._result(kind, op, error, outputs, started, run)

    def _run(self, program: Program, server: EngineServer, *, preview: bool) -> ProgramRun:
        common: dict[str, Any] = dict(
            monitor=server.address,
            engine=server.address,
            organization=self.organization,
            project_name=self.project,
            stack=self.stack,
            preview=preview,
            parallel=self._parallel,
            config=self._config,
            secret_keys=sorted(self._secret_keys),
        )
        if callable(program) and not isinstance(program, (str, os.PathLike)):
            return run_callable(program, max_workers=self._max_workers, **common)
        try:
            project = load_project(program)
        except ProgramError as exc:
            return ProgramRun(exception=exc)
        spare: PythonSpare | None = None
        if project.runtime == "python":
            spare = self._take_spare(project)
            # The next operation's process starts now, so it has imported its libraries by the time it is needed.
            self._start_spare(project)
        try:
            return run_project(
                project,
                python=self._python,
                node=self._node,
                env=self._env,
                on_start=self._program_started,
                cancelled=self._cancel,
                spare=spare,
                modules_file=self._modules_file if project.runtime == "python" else None,
                **common,
            )
        except ProgramError as exc:
            return ProgramRun(exception=exc)

    def _program_started(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            if process.pid not in self._started_pids:
                self._started_pids.append(process.pid)

    def _spare_key(self, project: ProjectProgram) -> tuple[Any, ...]:
        return (self._python, str(project.directory), tuple(sorted(python_base_env(self._env).items())))

    def _take_spare(self, project: ProjectProgram) -> PythonSpare | None:
        key = self._spare_key(project)
        with self._lock:
            taken, self._spare = self._spare, None
        if taken is not None:
            if taken[0] == key:
                return taken[1]
            keep_spare(*taken)
        return reuse_spare(key)

    def _start_spare(self, project: ProjectProgram) -> PythonSpare:
        """Start the next operation's Python program process now, preloading what the last run imported."""
        if self._modules_file is None:
            handle, self._modules_file = tempfile.mkstemp(prefix="pulumi-nuon-modules-")
            os.close(handle)
        else:
            with contextlib.suppress(OSError):
                self._preload = [m for m in Path(self._modules_file).read_text().split(",") if m]
        if not self._preload:
            self._preload = imported_libraries(project)
        key = self._spare_key(project)
        spare = reuse_spare(key)
        if spare is None:
            spare = PythonSpare(project, python=self._python, env=self._env, preload=self._preload)
        with self._lock:
            self._started_pids.append(spare.process.pid)
            old, self._spare = self._spare, (key, spare)
        if old is not None:
            keep_spare(*old)
        return spare

    def _operation_error(self, kind: str, op: Operation, run: ProgramRun) -> str | None:
        """The message `pulumi` would end the operation with, or None when it succeeded."""
        if op.errors:
            return "\n".join(op.errors)
        if op.cancelled:
            return f"{kind} canceled"
        if isinstance(run.exception, ProgramError):
            return str(run.exception)
        program_failed = run.exception is not None or run.exit_code not in (0, None)
        if not program_failed:
            return None
        logged = [_error_text(m) for m in op.log if m.severity == "error"]
        if logged:
            return "\n".join(logged)
        if run.exception is not None:
            return _program_error(run.exception)
        stderr = run.stderr.strip()
        return f"program exited with non-zero exit code: {run.exit_code}" + (f"\n{stderr[-4000:]}" if stderr else "")

    def _delete_step(self, op: Operation, res: ResourceState, *, detail: str = "") -> str | None:
        try:
            op.delete(res)
        except StepFailed as exc:
            return str(exc)
        op.record_step(res, "delete", detail)
        return None

    def _refresh(self) -> EngineResult:
        started = time.monotonic()
        server = self._begin(None)
        op = self._start_operation(server, "refresh", preview=False)
        error: str | None = None
        new_state: dict[str, ResourceState] = {}
        for urn, res in self._state.items():
            if not res.custom or error is not None or op.cancelled:
                new_state[urn] = res
                continue
            try:
                read = op.read(res)
            except StepFailed as exc:
                error = str(exc)
                new_state[urn] = res
                continue
            if read is None:
                new_state[urn] = res
                op.record_step(res, "read", "unchanged")
                continue
            new_id, outputs, inputs = read
            if not new_id:
                op.record_step(res, "delete")
                continue
            changed = to_plain(outputs) != to_plain(res.outputs) or new_id != res.id
            new_state[urn] = dataclasses.replace(res, id=new_id, outputs=outputs, inputs=inputs)
            op.record_step(res, "read", "changed" if changed else "unchanged")
        if error is None and op.cancelled:
            error = "refresh canceled"
        self._state = new_state
        return self._result("refresh", op, error, self._stack_outputs_struct(), started, None)

    def _destroy(self) -> EngineResult:
        started = time.monotonic()
        server = self._begin(None)
        op = self._start_operation(server, "destroy", preview=False)
        error: str | None = None
        for res in delete_order(list(self._state.values())):
            if op.cancelled:
                error = "destroy canceled"
                break
            error = self._delete_step(op, res)
            if error is not None:
                break
            del self._state[res.urn]
        return self._result("destroy", op, error, None, started, None)

    def _result(
        self,
        kind: str,
        op: Operation,
        error: str | None,
        outputs: struct_pb2.Struct | None,
        started: float,
        run: ProgramRun | None,
    ) -> EngineResult:
        stdout, stderr = self._plugin_output()
        return EngineResult(
            operation=kind,
            success=error is None,
            error=error,
            outputs=to_plain(outputs) if outputs is not None else {},
            secret_outputs=frozenset(secret_keys_of(outputs)) if outputs is not None else frozenset(),
            step_list=[StepRecord(s.urn, s.type, s.name, s.op, s.detail) for s in op.steps],
            state=self._state_json(self._state),
            host_stderr=stderr,
            host_stdout=stdout,
            duration_seconds=time.monotonic() - started,
            log=list(op.log),
            program_stdout=run.stdout if run is not None else "",
            program_stderr=run.stderr if run is not None else "",
            exit_code=run.exit_code if run is not None else None,
        )

    # -- lifetime --------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Send `Cancel` to and stop every plugin, stop the gRPC server. No operations afterwards.

        A Python program process started ahead and never used is kept for the next `LocalEngine` that runs the same
        program the same way (a few at most, in this process; see `program.keep_spare`)."""
        self._closed = True
        self._registry.stop_all()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            keep_spare(*spare)
        if self._modules_file is not None:
            Path(self._modules_file).unlink(missing_ok=True)
            self._modules_file = None
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):  # best effort at collection; `processes` stops the rest at exit
                self.close()


def _error_text(message: LogMessage) -> str:
    """An error logged by the program or a provider, as the CLI shows it (bare when it is about the stack)."""
    urn_type = message.urn.split("::")[2] if message.urn.count("::") >= 3 else ""
    if not urn_type or urn_type == STACK_TYPE:
        return message.message.rstrip()
    return diagnostic_text(urn_type.rsplit("$", 1)[-1], message.name, message.message)


def _program_error(exc: BaseException) -> str:
    from pulumi import RunError

    if isinstance(exc, RunError):
        return str(exc)
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"Program failed with an unhandled exception:\n{text}".rstrip()
