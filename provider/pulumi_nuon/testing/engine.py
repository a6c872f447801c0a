"""`LocalEngine`: run a Pulumi program like `pulumi preview/up/refresh/destroy` would, without the Pulumi CLI.

The program (a callable, or a directory with `__main__.py`) runs under the SDK's `pulumi.runtime.set_mocks`
with the stack's project, name and config; every dynamic resource goes to a real `python -u -m
pulumi.dynamic` host process over gRPC (the SDK's own `provider_pb2` stubs) in the engine's order —
Configure, then Check → Create, or Check → Diff → Update / replace / nothing, Read for refresh, Delete for
destroy and for resources that left the program — and state is kept between operations::

    from pulumi_nuon.testing.engine import LocalEngine, Secret

    with LocalEngine(program, project="p", stack="dev",
                     config={"nuon:orgId": "org1", "nuon:apiToken": Secret("tok")}) as engine:
        assert engine.preview().steps["gate"] == "create"
        result = engine.up()
        assert result.success, result.error
        assert result.outputs["status"] == "active"
        engine.destroy()

It exists for this repository's tests and demo and for users' own tests; people with the CLI run `pulumi up`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Union

from google.protobuf import struct_pb2

from ._engine_deploy import (
    _STACK_TYPE,
    _delete_order,
    _EngineMocks,
    _EngineMonitor,
    _is_dynamic,
    _Operation,
    _Resource,
    _secret_output_names,
    _StepFailed,
)
from ._engine_host import _default_python, _DynamicHost
from ._engine_program import _import_root, _program_dir, _run
from ._engine_values import UNKNOWN, _from_plain, _to_json, _to_plain

__all__ = ["UNKNOWN", "EngineError", "EngineResult", "LocalEngine", "Program", "Secret", "StepRecord"]

Program = Union[Callable[[], Any], str, "os.PathLike[str]"]
"""A Pulumi program: a callable run as the program's body, or a directory holding `__main__.py`."""


@dataclasses.dataclass(frozen=True)
class Secret:
    """A stack config value that is secret (`pulumi config set --secret`): `config={"nuon:apiToken": Secret("t")}`.

    Listing the key in `LocalEngine(secret_keys=[...])` does the same.
    """

    value: Any

    def __repr__(self) -> str:
        return "Secret([secret])"


@dataclasses.dataclass(frozen=True)
class StepRecord:
    """One step the engine took for one resource.

    `op` is one of `create`, `same`, `update`, `replace`, `delete` and `read` (refresh, or `Resource.get`).
    `detail` says more where there is more: `create-before-delete` / `delete-before-replace` for a replace,
    `replaced` for the deletion of a replaced resource's old instance (create-before-delete, at the end of
    the update), `changed` / `unchanged` for a refresh read.
    """

    urn: str
    type: str
    name: str
    op: str
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class EngineResult:
    """What one `preview`/`up`/`refresh`/`destroy` did.

    - `outputs`: the stack outputs as plain Python values (secrets unwrapped — see `secret_outputs` —, values
      not known during a preview as `UNKNOWN`, whole numbers as `int`);
    - `secret_outputs`: names of outputs that are, or contain, secrets;
    - `step_list`: every step in the order it completed; `steps`: the op by resource name (the stack resource
      included, under its name `<project>-<stack>`); `steps_by_urn`: the op by URN;
    - `state`: the engine's state after the operation as JSON-able data (`json.dumps` works); secrets appear
      as `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"}`
      with no plaintext, as in a checkpoint; the provider pickle (`__provider`) is kept, as Pulumi keeps it;
    - `success` and `error` (the message `pulumi up` would print, e.g. the provider's traceback);
    - `host_stderr` / `host_stdout`: what the dynamic-provider host wrote during this operation (progress
      lines providers write to stderr, for example).
    """

    operation: str
    success: bool
    error: str | None
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    step_list: list[StepRecord]
    state: dict[str, Any]
    host_stderr: str
    host_stdout: str
    duration_seconds: float

    @property
    def steps(self) -> dict[str, str]:
        """The op for each resource by name (the last step wins if two resources share a name; the deletion
        of a replaced resource's old instance is in `step_list` only)."""
        return {step.name: step.op for step in self.step_list if step.detail != "replaced"}

    @property
    def steps_by_urn(self) -> dict[str, str]:
        """The op for each resource by URN (as `steps`, keyed by URN)."""
        return {step.urn: step.op for step in self.step_list if step.detail != "replaced"}

    def raise_for_error(self) -> EngineResult:
        """Raise `EngineError` if the operation failed; return self otherwise."""
        if not self.success:
            raise EngineError(self)
        return self


class EngineError(Exception):
    """An operation failed and the caller asked for an exception (`raise_on_error=True`)."""

    def __init__(self, result: EngineResult) -> None:
        super().__init__(f"{result.operation} failed:\n{result.error}")
        self.result = result


def _config_string(value: Any) -> str:
    # Stack config values are strings; structured values travel as JSON (what `pulumi config set --path` keeps).
    return value if isinstance(value, str) else json.dumps(value)


class LocalEngine:
    """Runs a Pulumi program's preview/up/refresh/destroy locally, with dynamic resources in a real host.

    :param program: the default program for `preview`/`up` (each call may pass another one): a callable
        (its body registers resources and calls `pulumi.export`; it may return an awaitable) or a directory
        with `__main__.py`, which runs with `runpy` as `__main__` with the directory as cwd and on `sys.path`
        (cwd, `sys.path`, `sys.argv` and the directory's own modules are restored afterwards).
    :param project: project name (`pulumi.get_project()`, the URNs, `PULUMI_PROJECT` for the host).
    :param stack: stack name.
    :param config: stack config, namespaced keys (`"nuon:orgId"`; a key without a namespace gets the
        project's, as `pulumi config set` does). Values are strings, or JSON-able values stored as JSON.
        Wrap secret values in `Secret(...)` or list their keys in `secret_keys`. The program sees the config
        through `pulumi.Config(...)` (secret keys are secret there); the host's `Configure` receives all of it,
        namespaced, secrets decrypted, as the engine sends it to dynamic providers.
    :param secret_keys: config keys whose values are secret.
    :param cwd: the host's working directory (default: the program's directory, else the current one).
    :param extra_pythonpath: more entries for the host's `PYTHONPATH`. Always on it: the host's cwd, the
        directory this package imports from, and the import root of a callable program's module (so
        providers defined next to a test import in the host).
    :param env: environment variables added to (or overriding) this process's for the host.
    :param python: the interpreter for the host (default `sys.executable`).
    :param invoke: answers invokes (`pulumi.runtime.invoke`): `invoke(token, args) -> dict`; without it an
        invoke fails with a clear error. (Dynamic providers cannot serve invokes under the real engine either.)
    :param max_workers: threads for the program's RPCs (the SDK registers resources from its executor);
        enough that a long dynamic `Create` does not hold up unrelated resources.
    :param host_per_operation: stop the host at the end of each operation, as the real engine does,
        instead of keeping one for the engine's life.
    :param raise_on_error: default for every operation's `raise_on_error`.
    :param on_host_stderr: called with each line the provider host writes to stderr, as it is written (a gate's
        progress lines, live), from a background thread; the lines are also in `EngineResult.host_stderr`.

    Differences from the real engine (`pulumi up` with the CLI):

    - One dynamic-provider host per engine, kept across operations (the engine starts one per operation;
      `host_per_operation=True` does that). A configured provider instance is cached by the host, so a change
      of config (`set_config`) or of cwd/PYTHONPATH restarts the host before the next operation.
    - No checkpoint file, no backend, no secrets provider: state lives in memory; `state` shows it as JSON
      with secret values redacted rather than encrypted.
    - Non-dynamic resources (and components, and explicit provider resources) are not sent to any provider:
      their inputs are echoed as outputs (id `<name>-id`).
    - Deletes (destroy, resources that left the program, create-before-delete replacements) and refresh
      reads run one at a time, deletes in reverse dependency order; the engine runs independent ones in
      parallel. Replaced resources are
      deleted at the end of the update even when it failed (the engine would keep them pending-delete).
    - No `--parallel` limit on steps (the host's four worker threads are the only limit, as for the engine's
      single dynamic host), no `custom_timeouts` (dynamic providers never see them anyway), no `protect`,
      `retain_on_delete`, aliases, imports, transforms, hooks or policy packs; `ignore_changes` and
      `replace_on_changes` are honoured for top-level properties only.
    - On a step failure the engine stops starting new steps, as `pulumi up` does without `--continue-on-error`,
      and resources that left the program are not deleted; the result carries the provider's message.
    - The program runs on a thread of its own with a fresh event loop (the language host runs it on its main
      thread), so the caller's event loop is left alone and async tests can call the engine; the SDK
      registers resources from that loop's default executor, which has `max_workers` threads.
    - Refresh reads dynamic resources only (echoed resources are reported as unchanged reads) and does not
      run the program.
    """

    def __init__(
        self,
        program: Program | None = None,
        *,
        project: str = "project",
        stack: str = "dev",
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        cwd: str | os.PathLike[str] | None = None,
        extra_pythonpath: Sequence[str | os.PathLike[str]] = (),
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        invoke: Callable[[str, dict[str, Any]], Mapping[str, Any]] | None = None,
        max_workers: int = 64,
        host_per_operation: bool = False,
        raise_on_error: bool = False,
        organization: str = "organization",
        on_host_stderr: Callable[[str], None] | None = None,
    ) -> None:
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
        self._cwd = Path(cwd).resolve() if cwd is not None else None
        self._extra_pythonpath = [str(Path(p).resolve()) for p in extra_pythonpath]
        self._env = dict(env or {})
        self._python = python or _default_python()
        self._invoke = invoke
        self._max_workers = max_workers
        self._host_per_operation = host_per_operation
        self._raise_on_error = raise_on_error
        self._on_host_stderr = on_host_stderr
        self._state: dict[str, _Resource] = {}
        self._op_lock = threading.Lock()
        self._host_lock = threading.Lock()
        self._dynamic: _DynamicHost | None = None
        self._host_key: tuple[Any, ...] | None = None
        self._wanted_key: tuple[Any, ...] | None = None
        self._wanted_cwd = ""
        self._wanted_path: list[str] = []
        self._closed = False
        self._host_pids: list[int] = []
        self._op_hosts: list[_DynamicHost] = []
        self._op_host_offsets: dict[int, tuple[int, int]] = {}
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

    # -- public state ----------------------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """The current state as JSON-able data (secrets redacted), as in `EngineResult.state`."""
        return self._state_json(self._state)

    @property
    def host_pid(self) -> int | None:
        """The pid of the running dynamic-provider host, if one is running."""
        host = self._dynamic
        return host.pid if host is not None and host.alive() else None

    @property
    def host_pids(self) -> list[int]:
        """The pids of every host this engine started (all stopped by `close()`)."""
        return list(self._host_pids)

    def _state_json(self, state: Mapping[str, _Resource]) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [res.to_json(_to_json) for res in state.values()],
        }

    # -- the host --------------------------------------------------------------------------------------------

    def _host(self) -> _DynamicHost:
        with self._host_lock:
            if self._closed:
                raise RuntimeError("LocalEngine is closed")
            if self._dynamic is not None and (self._host_key != self._wanted_key or not self._dynamic.alive()):
                self._dynamic.stop()
                self._dynamic = None
            if self._dynamic is None:
                host = _DynamicHost(
                    python=self._python,
                    cwd=self._wanted_cwd,
                    pythonpath=self._wanted_path,
                    env={**os.environ, **self._env},
                    project=self.project,
                    stack=self.stack,
                    on_stderr_line=self._on_host_stderr,
                )
                self._host_pids.append(host.pid)
                try:
                    self._configure(host)
                except Exception:
                    host.stop()
                    raise
                self._dynamic, self._host_key = host, self._wanted_key
                self._op_host_offsets.setdefault(host.pid, (host.stdout_offset, 0))
                self._op_hosts.append(host)
            return self._dynamic

    def _configure(self, host: _DynamicHost) -> None:
        from pulumi.runtime.proto import provider_pb2

        # The engine sends dynamic providers the whole stack config, namespaced, secrets decrypted in
        # `variables` and secret-wrapped in `args` (the host unwraps them).
        host.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables=dict(self._config),
                args=_from_plain(self._config, self._secret_keys & self._config.keys()),
                acceptSecrets=True,
                acceptResources=True,
            )
        )

    def _host_failure_detail(self) -> str:
        host = self._dynamic
        if host is None:
            return "the dynamic provider host is not running"
        host.output.drain()
        stderr = host.output.text("stderr")[-4000:]
        return f"the dynamic provider host (pid {host.pid}) exited with {host.process.poll()}; its stderr:\n{stderr}"

    def _begin(self, program: Program | None) -> None:
        if self._closed:
            raise RuntimeError("LocalEngine is closed")
        # Refresh and destroy run no program; they use the host the last program wanted (providers need the
        # same imports to unpickle).
        program = program if program is not None else self._last_program
        self._last_program = program
        program_dir = _program_dir(program) if program is not None else None
        cwd = str(self._cwd or program_dir or Path.cwd())
        path = [cwd, *self._extra_pythonpath]
        if program is not None and program_dir is None and callable(program):
            root = _import_root(program)
            if root is not None:
                path.append(str(root))
        path.append(str(Path(__file__).resolve().parents[2]))
        self._wanted_cwd, self._wanted_path = cwd, path
        self._wanted_key = (cwd, tuple(path), tuple(sorted(self._config.items())), tuple(sorted(self._secret_keys)))
        self._op_hosts = []
        self._op_host_offsets = {}
        host = self._dynamic
        if host is not None and host.alive():
            host.output.drain()
            self._op_hosts.append(host)
            self._op_host_offsets[host.pid] = (host.output.size("stdout"), host.output.size("stderr"))

    def _host_output(self) -> tuple[str, str]:
        stdout, stderr = [], []
        for host in self._op_hosts:
            host.output.drain()
            out_off, err_off = self._op_host_offsets.get(host.pid, (0, 0))
            stdout.append(host.output.text("stdout", out_off))
            stderr.append(host.output.text("stderr", err_off))
        return "".join(stdout), "".join(stderr)

    def _end(self) -> None:
        if self._host_per_operation:
            with self._host_lock:
                if self._dynamic is not None:
                    self._dynamic.stop()
                    self._dynamic = None

    # -- operations ------------------------------------------------------------------------------------------

    def preview(self, program: Program | None = None, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi preview`: run the program; Check (and Diff for existing resources), no Create/Update.

        Outputs of resources that would be created, updated or replaced are `UNKNOWN` where the engine would
        not know them (everything but their inputs); resources that left the program show as `delete` steps.
        State is unchanged.
        """
        return self._program_operation("preview", program, raise_on_error)

    def up(self, program: Program | None = None, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi up`: run the program, create/update/replace as the providers' Check and Diff say, then
        delete what left the program (only when everything else succeeded)."""
        return self._program_operation("up", program, raise_on_error)

    def refresh(self, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi refresh`: Read every dynamic resource in state; a Read with an empty id drops it."""
        return self._locked(lambda: self._refresh(), raise_on_error)

    def destroy(self, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi destroy`: Delete everything in reverse dependency order; the state ends empty."""
        return self._locked(lambda: self._destroy(), raise_on_error)

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
            raise ValueError("no program: pass one to LocalEngine(...) or to this call")
        return self._locked(lambda: self._run_program(kind, program), raise_on_error)

    def _run_program(self, kind: str, program: Program) -> EngineResult:
        started = time.monotonic()
        self._begin(program)
        preview = kind == "preview"
        op = _Operation(self, self._state, preview=preview)
        monitor = _EngineMonitor(_EngineMocks(self._invoke), op)
        exc = _run(
            program,
            mocks=monitor.mocks,
            monitor=monitor,
            project=self.project,
            stack=self.stack,
            organization=self.organization,
            preview=preview,
            config=self._config,
            secret_keys=sorted(self._secret_keys),
            max_workers=self._max_workers,
        )
        error: str | None = None
        if op.errors:
            error = "\n".join(op.errors)
        elif exc is not None:
            error = _program_error(exc)

        gone = [res for urn, res in self._state.items() if urn not in op.new]
        if preview:
            for res in _delete_order(gone):
                op.record_step(res, "delete")
            new_state = self._state
        else:
            new_state = dict(op.new)
            for old in op.pending_deletes:
                delete_error = self._delete_step(op, old, detail="replaced")
                error = error or delete_error
            if error is None:
                for res in _delete_order(gone):
                    error = self._delete_step(op, res)
                    if error is not None:
                        break
            # Whatever was not deleted stays in state (after a failure: everything the program did not reach).
            for res in gone:
                if res.urn not in new_state and res.urn not in op.deleted:
                    new_state[res.urn] = res
            self._state = new_state

        outputs_struct = op.stack_outputs
        if outputs_struct is None and not preview:
            stack = next((r for r in new_state.values() if r.type == _STACK_TYPE), None)
            outputs_struct = stack.outputs if stack is not None else None
        return self._result(kind, op, error, outputs_struct, started)

    def _delete_step(self, op: _Operation, res: _Resource, *, detail: str = "") -> str | None:
        try:
            op.delete(res)
        except _StepFailed as exc:
            return str(exc)
        op.record_step(res, "delete", detail)
        return None

    def _refresh(self) -> EngineResult:
        started = time.monotonic()
        self._begin(None)
        op = _Operation(self, self._state, preview=False)
        error: str | None = None
        new_state: dict[str, _Resource] = {}
        for urn, res in self._state.items():
            if not (res.custom and _is_dynamic(res.type)):
                new_state[urn] = res
                if res.custom:
                    op.record_step(res, "read", "unchanged")
                continue
            if error is not None:
                new_state[urn] = res
                continue
            try:
                new_id, outputs, inputs = op.read(res)
            except _StepFailed as exc:
                error = str(exc)
                new_state[urn] = res
                continue
            if not new_id:
                op.record_step(res, "delete")
                continue
            changed = _to_plain(outputs) != _to_plain(res.outputs) or new_id != res.id
            new_state[urn] = dataclasses.replace(res, id=new_id, outputs=outputs, inputs=inputs)
            op.record_step(res, "read", "changed" if changed else "unchanged")
        self._state = new_state
        stack = next((r for r in new_state.values() if r.type == _STACK_TYPE), None)
        return self._result("refresh", op, error, stack.outputs if stack else None, started)

    def _destroy(self) -> EngineResult:
        started = time.monotonic()
        self._begin(None)
        op = _Operation(self, self._state, preview=False)
        error: str | None = None
        for res in _delete_order(list(self._state.values())):
            error = self._delete_step(op, res)
            if error is not None:
                break
            del self._state[res.urn]
        return self._result("destroy", op, error, None, started)

    def _result(
        self,
        kind: str,
        op: _Operation,
        error: str | None,
        outputs: struct_pb2.Struct | None,
        started: float,
    ) -> EngineResult:
        stdout, stderr = self._host_output()
        return EngineResult(
            operation=kind,
            success=error is None,
            error=error,
            outputs=_to_plain(outputs) if outputs is not None else {},
            secret_outputs=_secret_output_names(outputs),
            step_list=[StepRecord(s.urn, s.type, s.name, s.op, s.detail) for s in op.steps],
            state=self._state_json(self._state),
            host_stderr=stderr,
            host_stdout=stdout,
            duration_seconds=time.monotonic() - started,
        )

    # -- lifetime --------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the dynamic-provider host (by its pid). The engine cannot run operations afterwards."""
        with self._host_lock:
            self._closed = True
            if self._dynamic is not None:
                self._dynamic.stop()
                self._dynamic = None

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
        host = getattr(self, "_dynamic", None)
        if host is not None and host.alive():
            host.stop()


def _program_error(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"Program failed with an unhandled exception:\n{text}".rstrip()
