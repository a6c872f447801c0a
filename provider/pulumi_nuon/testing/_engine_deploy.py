"""Steps for `LocalEngine`: what the engine does when the program registers a resource, and on refresh/destroy.

`_EngineMonitor` replaces the SDK's mock monitor: the SDK calls `RegisterResource` from its executor threads
(one call per resource, concurrently), and `_Operation.register` decides the step — create, same, update,
replace — the way the engine's step generator does, calling the dynamic-provider host for every
`pulumi-python:dynamic…` resource and echoing inputs as outputs for everything else.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import provider_pb2, resource_pb2

from ._engine_values import (
    _copy,
    _from_plain,
    _mark_secrets,
    _secret_keys,
    _strip_secrets,
    _structs_equal,
    _to_plain,
)

__all__: list[str] = []

_DYNAMIC_PREFIX = "pulumi-python:dynamic"
_STACK_TYPE = "pulumi:pulumi:Stack"


def _is_dynamic(type_: str) -> bool:
    return type_.startswith(_DYNAMIC_PREFIX)


@dataclasses.dataclass
class _Resource:
    """One resource in the engine's state (property maps in wire form, secrets wrapped)."""

    urn: str
    type: str
    name: str
    custom: bool
    id: str
    inputs: struct_pb2.Struct
    outputs: struct_pb2.Struct
    parent: str = ""
    dependencies: list[str] = dataclasses.field(default_factory=list)
    external: bool = False

    def to_json(self, to_json: Callable[[struct_pb2.Struct], dict[str, Any]]) -> dict[str, Any]:
        """The JSON-able form `LocalEngine.state` shows."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "id": self.id,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "external": self.external,
            "inputs": to_json(self.inputs),
            "outputs": to_json(self.outputs),
        }


@dataclasses.dataclass(frozen=True)
class _Step:
    urn: str
    type: str
    name: str
    op: str
    detail: str = ""


class _StepFailed(Exception):
    """A provider (or the engine's checks) failed a step; the message is what `pulumi up` would print."""


class _HostLike(Protocol):
    stub: Any

    def alive(self) -> bool: ...


class _Engine(Protocol):
    """What an operation needs from `LocalEngine` (kept narrow so the pieces test separately)."""

    def _host(self) -> _HostLike: ...

    def _host_failure_detail(self) -> str: ...


def _step_error(type_: str, name: str, message: str) -> str:
    indented = message.rstrip().replace("\n", "\n    ")
    return f"{type_} ({name}):\n    error: {indented}"


class _Operation:
    """The state of one preview/up (and the helpers refresh and destroy share)."""

    def __init__(self, engine: _Engine, old_state: Mapping[str, _Resource], *, preview: bool) -> None:
        self.engine = engine
        self.preview = preview
        self.old = dict(old_state)
        self.new: dict[str, _Resource] = {}
        self.steps: list[_Step] = []
        self.errors: list[str] = []
        self.pending_deletes: list[_Resource] = []
        self.deleted: set[str] = set()
        self.stack_outputs: struct_pb2.Struct | None = None
        self._lock = threading.Lock()

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def _record(self, res: _Resource, op: str, detail: str = "") -> None:
        with self._lock:
            self.new[res.urn] = res
            self.steps.append(_Step(res.urn, res.type, res.name, op, detail))

    def record_step(self, res: _Resource, op: str, detail: str = "") -> None:
        """Record a step that does not put the resource into the new state (deletes, reads on refresh)."""
        with self._lock:
            self.steps.append(_Step(res.urn, res.type, res.name, op, detail))
            if op == "delete" and not self.preview:
                self.deleted.add(res.urn)

    def fail(self, message: str) -> _StepFailed:
        """Record a step failure; the returned exception is raised into the program like the engine's error."""
        with self._lock:
            self.errors.append(message)
        return _StepFailed(message)

    @property
    def failed(self) -> bool:
        with self._lock:
            return bool(self.errors)

    # -- provider calls ----------------------------------------------------------------------------------------

    def _call(self, res_type: str, name: str, method: str, request: Any) -> Any:
        host = self.engine._host()
        try:
            return getattr(host.stub, method)(request)
        except grpc.RpcError as exc:
            details = exc.details() if hasattr(exc, "details") else str(exc)
            if not host.alive():
                details = f"{details}\n{self.engine._host_failure_detail()}"
            raise self.fail(_step_error(res_type, name, details or str(exc))) from None

    def check(
        self, res_type: str, name: str, urn: str, olds: struct_pb2.Struct, news: struct_pb2.Struct
    ) -> struct_pb2.Struct:
        """Check, as the engine sends it (secrets stripped, unknowns kept), re-marking secret inputs."""
        news_plain, news_secret = _strip_secrets(news)
        olds_plain, _ = _strip_secrets(olds)
        resp = self._call(
            res_type,
            name,
            "Check",
            provider_pb2.CheckRequest(
                urn=urn, name=name, type=res_type, olds=olds_plain, news=news_plain, randomSeed=os.urandom(32)
            ),
        )
        if resp.failures:
            problems = "\n".join(
                f"{res_type} resource '{name}' has a problem: {f.reason}"
                + (f". Examine values at '{name}.{f.property}'." if f.property else "")
                for f in resp.failures
            )
            raise self.fail(_step_error(res_type, name, problems))
        checked: struct_pb2.Struct = resp.inputs
        return _mark_secrets(checked, news_secret)

    def create(
        self, res_type: str, name: str, urn: str, inputs: struct_pb2.Struct, extra_secret: Iterable[str]
    ) -> tuple[str, struct_pb2.Struct]:
        """Create; returns the id and the outputs with the inputs' secret keys (and extra ones) marked."""
        plain, secret = _strip_secrets(inputs)
        resp = self._call(
            res_type, name, "Create", provider_pb2.CreateRequest(urn=urn, name=name, type=res_type, properties=plain)
        )
        if not resp.id:
            raise self.fail(_step_error(res_type, name, "provider returned an empty ID from Create"))
        return resp.id, _mark_secrets(resp.properties, secret | set(extra_secret))

    def update(
        self, res: _Resource, news: struct_pb2.Struct, extra_secret: Iterable[str], ignore: Sequence[str]
    ) -> struct_pb2.Struct:
        olds_plain, _ = _strip_secrets(res.outputs)
        old_inputs_plain, _ = _strip_secrets(res.inputs)
        news_plain, secret = _strip_secrets(news)
        resp = self._call(
            res.type,
            res.name,
            "Update",
            provider_pb2.UpdateRequest(
                id=res.id,
                urn=res.urn,
                name=res.name,
                type=res.type,
                olds=olds_plain,
                news=news_plain,
                old_inputs=old_inputs_plain,
                ignoreChanges=list(ignore),
            ),
        )
        return _mark_secrets(resp.properties, secret | set(extra_secret))

    def delete(self, res: _Resource) -> None:
        """Delete a dynamic resource through the host; others (echoed) need no call."""
        if not (res.custom and _is_dynamic(res.type)) or res.external:
            return
        props, _ = _strip_secrets(res.outputs)
        old_inputs, _ = _strip_secrets(res.inputs)
        self._call(
            res.type,
            res.name,
            "Delete",
            provider_pb2.DeleteRequest(
                id=res.id, urn=res.urn, name=res.name, type=res.type, properties=props, old_inputs=old_inputs
            ),
        )

    def read(self, res: _Resource, *, use_inputs: bool = True) -> tuple[str, struct_pb2.Struct, struct_pb2.Struct]:
        """Read (refresh or `get`): returns the id ("" when gone), the outputs and the inputs to keep."""
        props, props_secret = _strip_secrets(res.outputs)
        inputs, inputs_secret = _strip_secrets(res.inputs)
        resp = self._call(
            res.type,
            res.name,
            "Read",
            provider_pb2.ReadRequest(
                id=res.id,
                urn=res.urn,
                name=res.name,
                type=res.type,
                properties=props,
                inputs=inputs if use_inputs else None,
            ),
        )
        outputs = _mark_secrets(resp.properties, props_secret | inputs_secret)
        new_inputs = _mark_secrets(resp.inputs, inputs_secret) if resp.HasField("inputs") else _copy(res.inputs)
        return resp.id, outputs, new_inputs

    # -- registration ------------------------------------------------------------------------------------------

    def register(self, request: Any, urn: str) -> tuple[str, struct_pb2.Struct]:
        """Handle one RegisterResource: returns the id and the outputs the program sees."""
        if self.failed and request.custom:
            raise _StepFailed(f"{request.type} ({request.name}): not processed because an earlier step failed")
        old = self.old.get(urn)
        if old is not None and old.type != request.type:
            old = None
        res = _Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            id="",
            inputs=_copy(request.object),
            outputs=struct_pb2.Struct(),
            parent=request.parent,
            dependencies=list(dict.fromkeys(request.dependencies)),
        )
        if request.type == _STACK_TYPE:
            if old is not None:
                res.outputs = _copy(old.outputs)
            self._record(res, "same" if old is not None else "create")
            return "", res.outputs
        if request.custom and _is_dynamic(request.type):
            return self._register_dynamic(request, res, old)
        return self._register_echo(res, old)

    def _register_echo(self, res: _Resource, old: _Resource | None) -> tuple[str, struct_pb2.Struct]:
        res.outputs = _copy(res.inputs)
        if old is None:
            res.id = "" if (self.preview or not res.custom) else f"{res.name}-id"
            op = "create"
        else:
            res.id = old.id
            op = "same" if _structs_equal(old.inputs, res.inputs) else "update"
            if not res.custom:
                res.outputs = _copy(old.outputs) if op == "same" else res.outputs
        self._record(res, op)
        return res.id, res.outputs

    def _register_dynamic(self, request: Any, res: _Resource, old: _Resource | None) -> tuple[str, struct_pb2.Struct]:
        news = res.inputs
        ignore = list(request.ignoreChanges)
        if old is not None:
            for key in ignore:
                if key in old.inputs.fields:
                    news.fields[key].CopyFrom(old.inputs.fields[key])
                elif key in news.fields:
                    del news.fields[key]
        extra_secret = list(request.additionalSecretOutputs)
        checked = self.check(res.type, res.name, res.urn, old.inputs if old else struct_pb2.Struct(), news)
        res.inputs = checked

        if old is None:
            if self.preview:
                res.outputs = _copy(checked)
            else:
                res.id, res.outputs = self.create(res.type, res.name, res.urn, checked, extra_secret)
            self._record(res, "create")
            return res.id, res.outputs

        changed, replace, delete_first = self._diff(request, old, checked, ignore)
        if not changed:
            res.id, res.outputs = old.id, _copy(old.outputs)
            self._record(res, "same")
            return res.id, res.outputs
        if not replace:
            res.id = old.id
            res.outputs = _copy(checked) if self.preview else self.update(old, checked, extra_secret, ignore)
            self._record(res, "update")
            return res.id, res.outputs

        detail = "delete-before-replace" if delete_first else "create-before-delete"
        if self.preview:
            res.outputs = _copy(checked)
            self._record(res, "replace", detail)
            return "", res.outputs
        if delete_first:
            self.delete(old)
            with self._lock:
                self.deleted.add(old.urn)
        res.id, res.outputs = self.create(res.type, res.name, res.urn, checked, extra_secret)
        if not delete_first:
            with self._lock:
                self.pending_deletes.append(old)
        self._record(res, "replace", detail)
        return res.id, res.outputs

    def _diff(
        self, request: Any, old: _Resource, checked: struct_pb2.Struct, ignore: Sequence[str]
    ) -> tuple[bool, bool, bool]:
        """(changed, replace, delete_before_replace) from the provider's Diff, as the engine reads it."""
        olds_plain, _ = _strip_secrets(old.outputs)
        old_inputs_plain, _ = _strip_secrets(old.inputs)
        news_plain, _ = _strip_secrets(checked)
        resp = self._call(
            old.type,
            old.name,
            "Diff",
            provider_pb2.DiffRequest(
                id=old.id,
                urn=old.urn,
                name=old.name,
                type=old.type,
                olds=olds_plain,
                news=news_plain,
                old_inputs=old_inputs_plain,
                ignoreChanges=list(ignore),
            ),
        )
        if resp.changes == provider_pb2.DiffResponse.DIFF_SOME:
            changed = True
        elif resp.changes == provider_pb2.DiffResponse.DIFF_NONE:
            changed = False
        else:
            # DIFF_UNKNOWN: the engine falls back to comparing the old and new inputs itself.
            changed = not _structs_equal(old.inputs, checked)
        replace = changed and bool(resp.replaces)
        if changed and not replace and request.replaceOnChanges:
            old_plain, new_plain = _to_plain(old.inputs), _to_plain(checked)
            keys = set(old_plain) | set(new_plain) if "*" in request.replaceOnChanges else request.replaceOnChanges
            replace = any(old_plain.get(k) != new_plain.get(k) for k in keys if k != "__provider")
        delete_first = replace and (bool(resp.deleteBeforeReplace) or bool(request.deleteBeforeReplace))
        return changed, replace, delete_first

    def read_resource(self, request: Any, urn: str) -> struct_pb2.Struct:
        """Handle ReadResource (`Resource.get`): Read through the host for dynamic types, echo otherwise."""
        res = _Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=True,
            id=request.id,
            inputs=_copy(request.properties),
            outputs=_copy(request.properties),
            parent=request.parent,
            dependencies=list(request.dependencies),
            external=True,
        )
        if _is_dynamic(request.type):
            new_id, outputs, _ = self.read(res, use_inputs=False)
            if not new_id:
                raise self.fail(_step_error(res.type, res.name, f"resource '{request.id}' does not exist"))
            res.id, res.outputs = new_id, outputs
        self._record(res, "read")
        return res.outputs

    def register_outputs(self, urn: str, outputs: struct_pb2.Struct) -> None:
        """RegisterResourceOutputs: the stack's exports, or a component's outputs."""
        with self._lock:
            res = self.new.get(urn)
            if res is not None:
                res.outputs = _copy(outputs)
            if res is not None and res.type == _STACK_TYPE:
                self.stack_outputs = _copy(outputs)


def _delete_order(resources: Iterable[_Resource]) -> list[_Resource]:
    """Dependents (and children) before what they depend on — the order the engine deletes in."""
    by_urn = {r.urn: r for r in resources}
    dependents: dict[str, set[str]] = {urn: set() for urn in by_urn}
    for res in by_urn.values():
        for dep in [*res.dependencies, res.parent]:
            if dep in by_urn and dep != res.urn:
                dependents[dep].add(res.urn)
    order: list[_Resource] = []
    remaining = dict(dependents)
    while remaining:
        ready = [urn for urn, deps in remaining.items() if not (deps & remaining.keys())]
        if not ready:  # a cycle cannot come from a program; fall back to reverse registration order
            ready = [next(reversed(list(remaining)))]
        for urn in reversed(ready):
            order.append(by_urn[urn])
            del remaining[urn]
    return order


class _EngineMocks(Mocks):
    """The `Mocks` handed to `set_mocks`; resources never reach it (the monitor handles them), invokes do."""

    def __init__(self, invoke: Callable[[str, dict[str, Any]], Mapping[str, Any]] | None) -> None:
        self._invoke = invoke

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if self._invoke is None:
            raise NotImplementedError(
                f"LocalEngine has no provider for the invoke {args.token!r}; pass invoke=... to LocalEngine "
                "to answer invokes"
            )
        return dict(self._invoke(args.token, dict(args.args))), []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        raise AssertionError("LocalEngine's monitor registers resources itself")


class _EngineMonitor(MockMonitor):
    """The SDK's mock monitor with registration routed to an `_Operation` (and so to the dynamic host)."""

    def __init__(self, mocks: Mocks, operation: _Operation) -> None:
        super().__init__(mocks)
        self._operation = operation

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        id_, outputs = self._operation.register(request, urn)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, _to_plain(outputs))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=outputs)

    def ReadResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        outputs = self._operation.read_resource(request, urn)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, request.id, _to_plain(outputs))
        return resource_pb2.ReadResourceResponse(urn=urn, properties=outputs)

    def Invoke(self, request: Any) -> Any:
        # The SDK's mock Invoke leaves a new event loop behind in each executor thread it runs on; this one
        # needs no loop (plain values in, plain values out).
        args = rpc.deserialize_properties(request.args)
        if request.tok == "pulumi:pulumi:getResource":
            registered = self.resources.get(args["urn"])
            if registered is None:
                raise Exception(f"unknown resource {args['urn']}")
            ret: Mapping[str, Any] = registered._asdict()
        else:
            ret, _ = self.mocks.call(MockCallArgs(token=request.tok, args=args, provider=request.provider))
        return resource_pb2.ResourceInvokeResponse(failures=[], **{"return": _from_plain(ret)})

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self._operation.register_outputs(request.urn, request.outputs)
        return empty_pb2.Empty()


def _secret_output_names(outputs: struct_pb2.Struct | None) -> frozenset[str]:
    return frozenset(_secret_keys(outputs)) if outputs is not None else frozenset()
