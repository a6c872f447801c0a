"""`OperationState`: the one small object the step units share during one preview/up/refresh/destroy.

It holds what the operation has done so far (the new state, the steps, the errors, the log), what it runs against
(the old state, the provider registry, the stack's config) and whether it may still start steps. Each RPC's logic
lives in a unit of its own that takes it: `step_register`, `step_read`, `step_invoke`, `step_outputs`,
`step_delete`, `step_provider` (check/diff/create/update) and `provider_access`; `steps.Operation` is the entry
point the monitor and the runner call.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from google.protobuf import struct_pb2

from .errors import MonitorShutDown, StepFailed
from .providers import ProviderRegistry
from .resources import ResourceState, Step, make_urn
from .results import LogMessage

__all__ = ["InvokeHandler", "OperationState", "StackOutputs"]

StackOutputs = Callable[[str], "struct_pb2.Struct | None"]
"""The outputs of the stack a `StackReference` names (None: no such stack is served)."""
InvokeHandler = Callable[[str, dict[str, Any]], Mapping[str, Any]]
"""Answers an invoke no plugin owns: `handler(token, args) -> result`."""


class OperationState:
    """One operation's shared state; every method that touches it takes `lock` (the monitor calls in parallel)."""

    def __init__(
        self,
        *,
        kind: str,
        preview: bool,
        old_state: Mapping[str, ResourceState],
        registry: ProviderRegistry,
        project: str,
        stack: str,
        config: Mapping[str, str],
        secret_keys: set[str],
        invoke_handler: InvokeHandler | None = None,
        stack_source: StackOutputs | None = None,
    ) -> None:
        self.kind = kind
        self.preview = preview
        self.old = dict(old_state)
        self.new: dict[str, ResourceState] = {}
        self.reads: dict[str, ResourceState] = {}
        self.steps: list[Step] = []
        self.errors: list[str] = []
        self.log: list[LogMessage] = []
        self.pending_deletes: list[ResourceState] = []
        self.deleted: set[str] = set()
        self.stack_outputs: struct_pb2.Struct | None = None
        self.cancelled = False
        self.closed = False
        self.registry = registry
        self.project = project
        self.stack = stack
        self.config = dict(config)
        self.secret_keys = set(secret_keys)
        self.invoke_handler = invoke_handler
        self.stack_source = stack_source
        self.lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self.lock)

    def urn(self, parent: str, type_: str, name: str) -> str:
        return make_urn(self.stack, self.project, parent, type_, name)

    def record(self, res: ResourceState, op: str, detail: str = "") -> None:
        """Record a step that puts the resource into the new state."""
        with self.lock:
            self.new[res.urn] = res
            self.steps.append(Step(res.urn, res.type, res.name, op, detail))

    def record_step(self, res: ResourceState, op: str, detail: str = "") -> None:
        """Record a step that does not put the resource into the new state (deletes, reads on refresh)."""
        with self.lock:
            self.steps.append(Step(res.urn, res.type, res.name, op, detail))
            if op == "delete" and not self.preview:
                self.deleted.add(res.urn)

    def fail(self, message: str) -> StepFailed:
        """Record a step failure (an error diagnostic, as the engine logs it) and stop the operation."""
        with self.lock:
            self.errors.append(message)
        return StepFailed(message)

    def add_log(self, message: LogMessage) -> None:
        with self.lock:
            self.log.append(message)

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        """One monitor call in flight: refused once the operation stopped; counted until it is done."""
        with self.lock:
            if self.errors or self.cancelled or self.closed:
                raise MonitorShutDown("resource monitor shut down while waiting on step's done channel")
            self._in_flight += 1
        try:
            yield
        finally:
            with self.lock:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_for_steps(self) -> None:
        """Wait until the steps in flight are done: after a failure or a cancel the engine lets them finish (and
        reports how they ended) before it ends the operation, even when the program has already exited."""
        with self.lock:
            while self._in_flight:
                self._idle.wait()

    def cancel(self) -> None:
        """Stop starting steps and send `Cancel` to every provider (the CLI's first Ctrl-C)."""
        with self.lock:
            self.cancelled = True
        self.registry.cancel_all()

    def close(self) -> None:
        """The program has ended: later monitor calls are refused."""
        with self.lock:
            self.closed = True
