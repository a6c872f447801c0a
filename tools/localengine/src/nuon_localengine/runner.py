"""`ProgramRunner`: the operations of one `LocalEngine` — preview/up run the program against the engine's monitor,
refresh reads and destroy deletes — over the state it keeps between them."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from google.protobuf import struct_pb2

from .config_store import ConfigStore
from .context import RunContext
from .deployment import export_deployment, import_deployment
from .errors import EngineClosedError, ProgramError, StateImportError, StepFailed
from .in_process import run_callable
from .monitor import EngineServer
from .operation import InvokeHandler
from .plugin_pool import PluginPool
from .program import ProgramRun, run_project
from .project import Program, load_project
from .resources import STACK_TYPE, ResourceState, delete_order, diagnostic_text
from .results import EngineResult, LogMessage, StepRecord
from .spares import PythonSpare
from .steps import Operation
from .values import secret_keys_of, to_plain

__all__ = ["ProgramRunner"]


@dataclasses.dataclass(frozen=True)
class RunnerSettings:
    """What the runner needs of `LocalEngine`'s arguments (see there)."""

    project: str
    stack: str
    organization: str
    node: str | None
    invoke: InvokeHandler | None
    max_workers: int
    on_log: Callable[[LogMessage], None] | None


class ProgramRunner:
    """Runs one operation at a time; `cancel()` may come from another thread."""

    def __init__(
        self, settings: RunnerSettings, config: ConfigStore, pool: PluginPool, program: Program | None
    ) -> None:
        self._settings = settings
        self._config = config
        self._pool = pool
        self.state: dict[str, ResourceState] = {}
        self.closed = False
        self._last_program = program
        self._op_lock = threading.Lock()
        self._lock = threading.Lock()
        self._server: EngineServer | None = None
        self._operation: Operation | None = None
        self._cancel = threading.Event()

    # -- state -----------------------------------------------------------------------------------------------

    def state_json(self) -> dict[str, Any]:
        return {
            "project": self._settings.project,
            "stack": self._settings.stack,
            "resources": [res.to_json() for res in self.state.values()],
        }

    def export_deployment(self, *, show_secrets: bool) -> dict[str, Any]:
        """The state as the last operation left it, even while one runs (as `pulumi stack export` reads the last
        checkpoint): up, preview and refresh replace `state` whole at their end, and the copy is one step under
        the GIL, so a destroy deleting from it meanwhile is seen before or after a delete, never half-way."""
        return export_deployment(list(self.state.copy().values()), show_secrets=show_secrets)

    def import_deployment(self, data: Any) -> None:
        """Replace the state with the deployment's, once all of it is checked; not while an operation runs."""
        state = import_deployment(data, project=self._settings.project, stack=self._settings.stack)
        if not self._op_lock.acquire(blocking=False):
            raise StateImportError("an operation is running: import the state before or after it, as the CLI would")
        try:
            if self.closed:
                raise EngineClosedError("LocalEngine is closed")
            self.state = state
        finally:
            self._op_lock.release()

    def stack_outputs_struct(self) -> struct_pb2.Struct | None:
        stack = next((r for r in self.state.values() if r.type == STACK_TYPE), None)
        return stack.outputs if stack is not None else None

    # -- one operation at a time -----------------------------------------------------------------------------

    def run_program(self, kind: str, program: Program) -> EngineResult:
        """`preview` or `up`: run `program` against the monitor, then delete what left it (up)."""
        return self._locked(lambda: self._run_program(kind, program))

    def refresh(self) -> EngineResult:
        return self._locked(self._refresh)

    def destroy(self) -> EngineResult:
        return self._locked(self._destroy)

    def _locked(self, operation: Callable[[], EngineResult]) -> EngineResult:
        with self._op_lock:
            try:
                return operation()
            finally:
                self._end()

    def cancel(self) -> bool:
        with self._lock:
            op = self._operation
        if op is None:
            return False
        self._cancel.set()
        op.cancel()
        return True

    def stop_server(self) -> None:
        """Stop the gRPC server (on `LocalEngine.close()`, which sets `closed` first)."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    @property
    def _parallel(self) -> int:
        return max(1, self._settings.max_workers // 4)

    def _begin(self, kind: str, program: Program | None) -> tuple[Operation, RunContext]:
        if self.closed:
            raise EngineClosedError("LocalEngine is closed")
        # Refresh and destroy run no program; they use the plugins the last program wanted (a dynamic provider
        # needs the same imports to unpickle).
        program = program if program is not None else self._last_program
        self._last_program = program
        settings = self._settings
        with self._lock:
            if self._server is None:
                self._server = EngineServer(max_workers=max(settings.max_workers, 16) * 2, on_log=settings.on_log)
            server = self._server
        config, secrets = self._config.values, self._config.secret_keys
        self._pool.prepare(
            program,
            engine_address=server.address,
            project=settings.project,
            stack=settings.stack,
            config=config,
            secrets=secrets,
        )
        self._cancel.clear()
        preview = kind == "preview"
        op = Operation(
            kind=kind,
            preview=preview,
            old_state=self.state,
            registry=self._pool.registry,
            project=settings.project,
            stack=settings.stack,
            config=config,
            secret_keys=secrets,
            invoke_handler=settings.invoke,
            stack_source=self._config.stack_outputs,
        )
        context = RunContext(
            monitor=server.address,
            engine=server.address,
            organization=settings.organization,
            project=settings.project,
            stack=settings.stack,
            preview=preview,
            parallel=self._parallel,
            config=config,
            secret_keys=tuple(sorted(secrets)),
        )
        server.deployment = context
        server.operation = op
        with self._lock:
            self._operation = op
        return op, context

    def _end(self) -> None:
        server = self._server
        if server is not None:
            server.operation = None
        with self._lock:
            self._operation = None
        self._pool.end_operation()

    # -- preview and up --------------------------------------------------------------------------------------

    def _run_program(self, kind: str, program: Program) -> EngineResult:
        started = time.monotonic()
        op, context = self._begin(kind, program)
        run = self._start_program(program, context)
        op.close()
        op.wait_for_steps()
        error = _operation_error(kind, op, run)

        gone = [res for urn, res in self.state.items() if urn not in op.new]
        if op.preview:
            for res in delete_order(gone):
                op.record_step(res, "delete")
        else:
            new_state = dict(op.new)
            for old in op.pending_deletes:
                delete_error = _delete_step(op, old, detail="replaced")
                error = error or delete_error
            if error is None:
                for res in delete_order(gone):
                    if op.cancelled:
                        error = f"{kind} canceled"
                        break
                    error = _delete_step(op, res)
                    if error is not None:
                        break
            # Whatever was not deleted stays in state (after a failure: everything the program did not reach).
            for res in gone:
                if res.urn not in new_state and res.urn not in op.deleted:
                    new_state[res.urn] = res
            self.state = new_state

        outputs = op.stack_outputs
        if outputs is None and not op.preview:
            outputs = self.stack_outputs_struct()
        return self._result(op, error, outputs, started, run)

    def _start_program(self, program: Program, context: RunContext) -> ProgramRun:
        if callable(program) and not isinstance(program, (str, os.PathLike)):
            return run_callable(program, context, max_workers=self._settings.max_workers)
        try:
            project = load_project(program)
        except ProgramError as exc:
            return ProgramRun(exception=exc)
        spare: PythonSpare | None = None
        if project.runtime == "python":
            spare = self._pool.take_spare(project)
            if self._pool.start_ahead:
                # The next operation's process starts now, so it has imported its libraries by the time it is needed.
                self._pool.start_spare(project)
        try:
            return run_project(
                project,
                context,
                python=self._pool.python,
                node=self._settings.node,
                env=self._pool.env,
                on_start=self._pool.program_started,
                cancelled=self._cancel,
                spare=spare,
                modules_file=self._pool.modules_file if project.runtime == "python" else None,
            )
        except ProgramError as exc:
            return ProgramRun(exception=exc)

    # -- refresh and destroy ---------------------------------------------------------------------------------

    def _refresh(self) -> EngineResult:
        started = time.monotonic()
        op, _ = self._begin("refresh", None)
        error: str | None = None
        new_state: dict[str, ResourceState] = {}
        for urn, res in self.state.items():
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
        self.state = new_state
        return self._result(op, error, self.stack_outputs_struct(), started, None)

    def _destroy(self) -> EngineResult:
        started = time.monotonic()
        op, _ = self._begin("destroy", None)
        error: str | None = None
        for res in delete_order(list(self.state.values())):
            if op.cancelled:
                error = "destroy canceled"
                break
            error = _delete_step(op, res)
            if error is not None:
                break
            del self.state[res.urn]
        return self._result(op, error, None, started, None)

    def _result(
        self,
        op: Operation,
        error: str | None,
        outputs: struct_pb2.Struct | None,
        started: float,
        run: ProgramRun | None,
    ) -> EngineResult:
        stdout, stderr = self._pool.output()
        return EngineResult(
            operation=op.kind,
            success=error is None,
            error=error,
            outputs=to_plain(outputs) if outputs is not None else {},
            secret_outputs=frozenset(secret_keys_of(outputs)) if outputs is not None else frozenset(),
            step_list=[StepRecord(s.urn, s.type, s.name, s.op, s.detail) for s in op.steps],
            state=self.state_json(),
            host_stderr=stderr,
            host_stdout=stdout,
            duration_seconds=time.monotonic() - started,
            log=list(op.log),
            program_stdout=run.stdout if run is not None else "",
            program_stderr=run.stderr if run is not None else "",
            exit_code=run.exit_code if run is not None else None,
        )


def _delete_step(op: Operation, res: ResourceState, *, detail: str = "") -> str | None:
    try:
        op.delete(res)
    except StepFailed as exc:
        return str(exc)
    op.record_step(res, "delete", detail)
    return None


def _operation_error(kind: str, op: Operation, run: ProgramRun) -> str | None:
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
