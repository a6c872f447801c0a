"""The step engine behind `LocalEngine`: what happens when a program registers a resource, and on refresh/destroy.

The resource monitor hands every `RegisterResource` to `Operation.register`, which decides the step the way the
engine's step generator does and runs it against the resource's provider before answering (so a program's
`depends_on` and data dependencies order the steps, as under the engine):

- a custom resource: `Check` (unknowns kept during a preview), then `Create` when it is new, else `Diff` →
  nothing (`same`), `Update`, or a replacement (`Create` then `Delete` of the old one at the end of the update, or
  `Delete` first when the provider or the program asks for delete-before-replace); `customTimeouts` travel as the
  `timeout` of `Create`/`Update`/`Delete`; during a preview a provider that supports previews gets
  `Create`/`Update` with `preview=true`, any other's outputs are its checked inputs;
- an explicit provider (`pulumi:providers:<pkg>`): its inputs are the provider's configuration (see `providers`);
- a component, the stack, and custom resources of a package no plugin serves: inputs echoed as outputs;
- `ReadResource`: `Read` through the provider (`Resource.get`), or the engine's own `StackReference`;
- `Invoke`: the provider that owns the token's package, the engine's builtins, or the `invoke=` handler.

The first failed step stops the operation as `pulumi up` does without `--continue-on-error`: the monitor "shuts
down" (later registrations get `UNAVAILABLE`, which the SDKs treat as the engine going away), nothing new starts,
and the steps already in flight finish and report how they ended. `cancel()` does the same and sends `Cancel` to
every provider (the CLI's first Ctrl-C).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf import struct_pb2

from .errors import InvokeError, MonitorShutDown, PluginStartError, ProviderConfigError, ProviderUnavailable, StepFailed
from .providers import (
    PROVIDER_TYPE_PREFIX,
    Provider,
    ProviderRegistry,
    default_provider_inputs,
    default_provider_key,
    package_of,
)
from .results import LogMessage
from .values import (
    contains_unknowns,
    copy_struct,
    from_plain,
    mark_secrets,
    secret_keys_of,
    structs_equal,
    to_json,
    to_plain,
)

__all__ = [
    "STACK_REFERENCE_TYPE",
    "STACK_TYPE",
    "Operation",
    "ResourceState",
    "Step",
    "delete_order",
    "diagnostic_text",
    "make_urn",
    "parse_duration",
]

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
_GET_RESOURCE = "pulumi:pulumi:getResource"
_READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"
_PROVIDER_INTERNAL_KEYS = ("version", "pluginDownloadURL")


def make_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: its parent's type chain (unless the parent is the stack) and its own."""
    if parent:
        parent_type = parent.split("::")[2]
        if parent_type != STACK_TYPE:
            type_ = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string (`customTimeouts` values: "90s", "5m", "1h30m"); "" is 0."""
    text = text.strip()
    if text in ("", "0"):
        return 0.0
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(body) or not body:
        raise ValueError(f"invalid duration {text!r}")
    return sign * total


@dataclasses.dataclass
class ResourceState:
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
    provider: str = ""  # an explicit provider reference `<urn>::<id>`, or "" for the package's default provider
    timeouts: dict[str, float] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON-able form `LocalEngine.state` shows (secrets redacted)."""
        out: dict[str, Any] = {
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
        if self.provider:
            out["provider"] = self.provider
        return out


@dataclasses.dataclass(frozen=True)
class Step:
    urn: str
    type: str
    name: str
    op: str
    detail: str = ""


def diagnostic_text(type_: str, name: str, message: str, severity: str = "error") -> str:
    """A diagnostic as the CLI lists it under its resource: `<type> (<name>):` then `    error: <message>`."""
    indented = message.rstrip().replace("\n", "\n    ")
    return f"{type_} ({name}):\n    {severity}: {indented}"


StackOutputs = Callable[[str], "struct_pb2.Struct | None"]
InvokeHandler = Callable[[str, dict[str, Any]], Mapping[str, Any]]


class Operation:
    """One preview/up (and the provider calls refresh and destroy share)."""

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
        stack_outputs: StackOutputs | None = None,
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
        self._registry = registry
        self._project = project
        self._stack = stack
        self._config = dict(config)
        self._secret_keys = set(secret_keys)
        self._invoke_handler = invoke_handler
        self._stack_outputs = stack_outputs
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def urn(self, parent: str, type_: str, name: str) -> str:
        return make_urn(self._stack, self._project, parent, type_, name)

    def _record(self, res: ResourceState, op: str, detail: str = "") -> None:
        with self._lock:
            self.new[res.urn] = res
            self.steps.append(Step(res.urn, res.type, res.name, op, detail))

    def record_step(self, res: ResourceState, op: str, detail: str = "") -> None:
        """Record a step that does not put the resource into the new state (deletes, reads on refresh)."""
        with self._lock:
            self.steps.append(Step(res.urn, res.type, res.name, op, detail))
            if op == "delete" and not self.preview:
                self.deleted.add(res.urn)

    def fail(self, message: str) -> StepFailed:
        """Record a step failure (an error diagnostic, as the engine logs it) and stop the operation."""
        with self._lock:
            self.errors.append(message)
        return StepFailed(message)

    def add_log(self, message: LogMessage) -> None:
        with self._lock:
            self.log.append(message)

    @contextlib.contextmanager
    def _step(self) -> Iterator[None]:
        """One monitor call in flight: refused once the operation stopped; counted until it is done."""
        with self._lock:
            if self.errors or self.cancelled or self.closed:
                raise MonitorShutDown("resource monitor shut down while waiting on step's done channel")
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_for_steps(self) -> None:
        """Wait until the steps in flight are done: after a failure or a cancel the engine lets them finish (and
        reports how they ended) before it ends the operation, even when the program has already exited."""
        with self._lock:
            while self._in_flight:
                self._idle.wait()

    def cancel(self) -> None:
        """Stop starting steps and send `Cancel` to every provider (the CLI's first Ctrl-C)."""
        with self._lock:
            self.cancelled = True
        self._registry.cancel_all()

    def close(self) -> None:
        """The program has ended: later monitor calls are refused."""
        with self._lock:
            self.closed = True

    # -- providers ---------------------------------------------------------------------------------------------

    def _default_provider_urn(self, package: str) -> str:
        return make_urn(self._stack, self._project, "", PROVIDER_TYPE_PREFIX + package, "default")

    def _lookup_provider(self, token: str, reference: str) -> Provider | None:
        """The provider instance for a resource type or function token (None: no plugin serves its package)."""
        try:
            if reference:
                provider_urn = reference.rsplit("::", 1)[0]
                with self._lock:
                    declared = self.new.get(provider_urn) or self.old.get(provider_urn)
                if declared is None:
                    raise ProviderUnavailable(f"unknown provider reference {reference!r}")
                package = package_of(declared.type)
                inputs = _provider_config(declared.inputs)
                if not self._registry.has_plugin(package) or contains_unknowns(inputs):
                    return None
                return self._registry.get(reference, package, provider_urn, lambda: inputs)
            package = package_of(token)
            if not self._registry.has_plugin(package):
                return None
            return self._registry.get(
                default_provider_key(package),
                package,
                self._default_provider_urn(package),
                lambda: default_provider_inputs(package, self._config, self._secret_keys),
            )
        except (PluginStartError, ProviderConfigError) as exc:
            raise ProviderUnavailable(str(exc)) from None
        except grpc.RpcError as exc:
            raise ProviderUnavailable(f"configuring the provider failed: {exc.details() or exc}") from None

    def provider_for(self, type_: str, reference: str, *, name: str) -> Provider | None:
        """As `_lookup_provider`, failing the step (and so the operation) when the provider cannot be had."""
        try:
            return self._lookup_provider(type_, reference)
        except ProviderUnavailable as exc:
            raise self.fail(diagnostic_text(type_, name, str(exc))) from None

    def _call(self, provider: Provider, type_: str, name: str, method: str, request: Any) -> Any:
        try:
            return getattr(provider.stub, method)(request)
        except grpc.RpcError as exc:
            details = exc.details() if hasattr(exc, "details") else str(exc)
            if not provider.alive():
                details = f"{details}\n{provider.plugin.failure_detail()}"
            raise self.fail(diagnostic_text(type_, name, details or str(exc))) from None

    def check(
        self,
        provider: Provider,
        type_: str,
        name: str,
        urn: str,
        olds: struct_pb2.Struct,
        news: struct_pb2.Struct,
    ) -> struct_pb2.Struct:
        """Check, as the engine sends it (unknowns kept), with the inputs' secret keys marked in the result."""
        from pulumi.runtime.proto import provider_pb2

        news_out, news_secret = provider.outgoing(news)
        olds_out, _ = provider.outgoing(olds)
        resp = self._call(
            provider,
            type_,
            name,
            "Check",
            provider_pb2.CheckRequest(
                urn=urn, name=name, type=type_, olds=olds_out, news=news_out, randomSeed=os.urandom(32)
            ),
        )
        if resp.failures:
            problems = "\n".join(
                f"{type_} resource '{name}' has a problem: {f.reason}"
                + (f". Examine values at '{name}.{f.property}'." if f.property else "")
                for f in resp.failures
            )
            raise self.fail(diagnostic_text(type_, name, problems))
        checked: struct_pb2.Struct = resp.inputs if resp.HasField("inputs") else news_out
        return mark_secrets(checked, news_secret)

    def create(
        self, provider: Provider, res: ResourceState, inputs: struct_pb2.Struct, extra_secret: Iterable[str]
    ) -> tuple[str, struct_pb2.Struct]:
        """Create (or its preview); returns the id ("" in a preview) and the outputs, secret keys marked."""
        from pulumi.runtime.proto import provider_pb2

        props, secret = provider.outgoing(inputs)
        if self.preview and not provider.supports_preview:
            return "", copy_struct(inputs)
        resp = self._call(
            provider,
            res.type,
            res.name,
            "Create",
            provider_pb2.CreateRequest(
                urn=res.urn,
                name=res.name,
                type=res.type,
                properties=props,
                timeout=res.timeouts.get("create", 0.0),
                preview=self.preview,
            ),
        )
        if not resp.id and not self.preview:
            message = f"plugin returned empty resource.ID from create '{res.urn}'"
            raise self.fail(diagnostic_text(res.type, res.name, message))
        return ("" if self.preview else resp.id), mark_secrets(resp.properties, secret | set(extra_secret))

    def update(
        self,
        provider: Provider,
        old: ResourceState,
        res: ResourceState,
        news: struct_pb2.Struct,
        extra_secret: Iterable[str],
        ignore: Sequence[str],
    ) -> struct_pb2.Struct:
        from pulumi.runtime.proto import provider_pb2

        news_out, secret = provider.outgoing(news)
        if self.preview and not provider.supports_preview:
            return copy_struct(news)
        olds_out, _ = provider.outgoing(old.outputs)
        old_inputs_out, _ = provider.outgoing(old.inputs)
        resp = self._call(
            provider,
            res.type,
            res.name,
            "Update",
            provider_pb2.UpdateRequest(
                id=old.id,
                urn=res.urn,
                name=res.name,
                type=res.type,
                olds=olds_out,
                news=news_out,
                old_inputs=old_inputs_out,
                ignoreChanges=list(ignore),
                timeout=res.timeouts.get("update", 0.0),
                preview=self.preview,
            ),
        )
        return mark_secrets(resp.properties, secret | set(extra_secret))

    def delete(self, res: ResourceState) -> None:
        """Delete through the resource's provider; echoed resources, reads and providers need no call."""
        from pulumi.runtime.proto import provider_pb2

        if not res.custom or res.external or res.type.startswith(PROVIDER_TYPE_PREFIX):
            return
        provider = self.provider_for(res.type, res.provider, name=res.name)
        if provider is None:
            return
        props, _ = provider.outgoing(res.outputs)
        old_inputs, _ = provider.outgoing(res.inputs)
        self._call(
            provider,
            res.type,
            res.name,
            "Delete",
            provider_pb2.DeleteRequest(
                id=res.id,
                urn=res.urn,
                name=res.name,
                type=res.type,
                properties=props,
                old_inputs=old_inputs,
                timeout=res.timeouts.get("delete", 0.0),
            ),
        )

    def read(
        self, res: ResourceState, *, use_inputs: bool = True
    ) -> tuple[str, struct_pb2.Struct, struct_pb2.Struct] | None:
        """Read (refresh or `get`): the id ("" when gone), the outputs and the inputs to keep; None when no
        provider serves the resource (it stays as it is)."""
        from pulumi.runtime.proto import provider_pb2

        if res.type == STACK_REFERENCE_TYPE:
            outputs = self._stack_reference(res)
            return res.id, outputs, copy_struct(res.inputs)
        provider = self.provider_for(res.type, res.provider, name=res.name)
        if provider is None:
            return None
        props, props_secret = provider.outgoing(res.outputs)
        inputs, inputs_secret = provider.outgoing(res.inputs)
        resp = self._call(
            provider,
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
        outputs = mark_secrets(resp.properties, props_secret | inputs_secret)
        new_inputs = mark_secrets(resp.inputs, inputs_secret) if resp.HasField("inputs") else copy_struct(res.inputs)
        return resp.id, outputs, new_inputs

    # -- registration ------------------------------------------------------------------------------------------

    def register(self, request: Any) -> tuple[str, str, struct_pb2.Struct]:
        """Handle one RegisterResource: returns the URN, the id and the outputs the program sees."""
        with self._step():
            return self._register(request)

    def _register(self, request: Any) -> tuple[str, str, struct_pb2.Struct]:
        urn = self.urn(request.parent, request.type, request.name)
        with self._lock:
            old = self.old.get(urn)
        if old is not None and old.type != request.type:
            old = None
        res = ResourceState(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            id="",
            inputs=copy_struct(request.object),
            outputs=struct_pb2.Struct(),
            parent=request.parent,
            dependencies=list(dict.fromkeys(request.dependencies)),
            provider=request.provider,
        )
        if request.type == STACK_TYPE:
            if old is not None:
                res.outputs = copy_struct(old.outputs)
            self._record(res, "same" if old is not None else "create")
            return urn, "", res.outputs
        if not request.custom:
            return (urn, *self._register_echo(res, old))
        if request.type.startswith(PROVIDER_TYPE_PREFIX):
            return (urn, *self._register_provider(res, old))
        try:
            res.timeouts = {
                op: parse_duration(getattr(request.customTimeouts, op))
                for op in ("create", "update", "delete")
                if getattr(request.customTimeouts, op)
            }
        except ValueError as exc:
            raise self.fail(diagnostic_text(res.type, res.name, f"customTimeouts: {exc}")) from None
        provider = self.provider_for(res.type, res.provider, name=res.name)
        if provider is None:
            return (urn, *self._register_echo(res, old))
        return (urn, *self._register_custom(provider, request, res, old))

    def _register_echo(self, res: ResourceState, old: ResourceState | None) -> tuple[str, struct_pb2.Struct]:
        res.outputs = copy_struct(res.inputs)
        if old is None:
            res.id = "" if (self.preview or not res.custom) else f"{res.name}-id"
            op = "create"
        else:
            res.id = old.id
            op = "same" if structs_equal(old.inputs, res.inputs) else "update"
            if not res.custom:
                res.outputs = copy_struct(old.outputs) if op == "same" else res.outputs
        self._record(res, op)
        return res.id, res.outputs

    def _register_provider(self, res: ResourceState, old: ResourceState | None) -> tuple[str, struct_pb2.Struct]:
        res.outputs = copy_struct(res.inputs)
        if old is None:
            res.id = "" if self.preview else str(uuid.uuid4())
            op = "create"
        else:
            res.id = old.id
            op = "same" if structs_equal(old.inputs, res.inputs) else "update"
        self._record(res, op)
        return res.id, res.outputs

    def _register_custom(
        self, provider: Provider, request: Any, res: ResourceState, old: ResourceState | None
    ) -> tuple[str, struct_pb2.Struct]:
        news = res.inputs
        ignore = list(request.ignoreChanges)
        if old is not None:
            for key in ignore:
                if key in old.inputs.fields:
                    news.fields[key].CopyFrom(old.inputs.fields[key])
                elif key in news.fields:
                    del news.fields[key]
        extra_secret = list(request.additionalSecretOutputs)
        checked = self.check(provider, res.type, res.name, res.urn, old.inputs if old else struct_pb2.Struct(), news)
        res.inputs = checked

        if old is None:
            res.id, res.outputs = self.create(provider, res, checked, extra_secret)
            self._record(res, "create")
            return res.id, res.outputs

        changed, replace, delete_first = self._diff(provider, request, old, res, checked, ignore)
        if not changed:
            res.id, res.outputs = old.id, copy_struct(old.outputs)
            self._record(res, "same")
            return res.id, res.outputs
        if not replace:
            res.id = old.id
            res.outputs = self.update(provider, old, res, checked, extra_secret, ignore)
            self._record(res, "update")
            return res.id, res.outputs

        detail = "delete-before-replace" if delete_first else "create-before-delete"
        if self.preview:
            _, res.outputs = self.create(provider, res, checked, extra_secret)
            self._record(res, "replace", detail)
            return "", res.outputs
        if delete_first:
            self.delete(old)
            with self._lock:
                self.deleted.add(old.urn)
        res.id, res.outputs = self.create(provider, res, checked, extra_secret)
        if not delete_first:
            with self._lock:
                self.pending_deletes.append(old)
        self._record(res, "replace", detail)
        return res.id, res.outputs

    def _diff(
        self,
        provider: Provider,
        request: Any,
        old: ResourceState,
        res: ResourceState,
        checked: struct_pb2.Struct,
        ignore: Sequence[str],
    ) -> tuple[bool, bool, bool]:
        """(changed, replace, delete_before_replace) from the provider's Diff, as the engine reads it."""
        from pulumi.runtime.proto import provider_pb2

        olds_out, _ = provider.outgoing(old.outputs)
        old_inputs_out, _ = provider.outgoing(old.inputs)
        news_out, _ = provider.outgoing(checked)
        resp = self._call(
            provider,
            old.type,
            old.name,
            "Diff",
            provider_pb2.DiffRequest(
                id=old.id,
                urn=res.urn,
                name=res.name,
                type=res.type,
                olds=olds_out,
                news=news_out,
                old_inputs=old_inputs_out,
                ignoreChanges=list(ignore),
            ),
        )
        if resp.changes == provider_pb2.DiffResponse.DIFF_SOME:
            changed = True
        elif resp.changes == provider_pb2.DiffResponse.DIFF_NONE:
            changed = False
        else:
            # DIFF_UNKNOWN: the engine falls back to comparing the old and new inputs itself.
            changed = not structs_equal(old.inputs, checked)
        replace = changed and bool(resp.replaces)
        if changed and not replace and request.replaceOnChanges:
            old_plain, new_plain = to_plain(old.inputs), to_plain(checked)
            keys = set(old_plain) | set(new_plain) if "*" in request.replaceOnChanges else request.replaceOnChanges
            replace = any(old_plain.get(k) != new_plain.get(k) for k in keys if k != "__provider")
        delete_first = replace and (bool(resp.deleteBeforeReplace) or bool(request.deleteBeforeReplace))
        return changed, replace, delete_first

    def read_resource(self, request: Any) -> tuple[str, str, struct_pb2.Struct]:
        """Handle ReadResource (`Resource.get`, `StackReference`): the URN, the id and the resource's outputs."""
        with self._step():
            return self._read_resource(request)

    def _read_resource(self, request: Any) -> tuple[str, str, struct_pb2.Struct]:
        urn = self.urn(request.parent, request.type, request.name)
        res = ResourceState(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=True,
            id=request.id,
            inputs=copy_struct(request.properties),
            outputs=copy_struct(request.properties),
            parent=request.parent,
            dependencies=list(request.dependencies),
            external=True,
            provider=request.provider,
        )
        if request.type == STACK_REFERENCE_TYPE:
            res.inputs = from_plain({"name": to_plain(request.properties).get("name") or request.id})
            res.outputs = self._stack_reference(res)
        else:
            read = self.read(res, use_inputs=False)
            if read is not None:
                new_id, outputs, _ = read
                if not new_id:
                    raise self.fail(diagnostic_text(res.type, res.name, f"resource '{request.id}' does not exist"))
                res.id, res.outputs = new_id, outputs
        with self._lock:
            self.reads[urn] = res
        self._record(res, "read")
        return urn, res.id, res.outputs

    def _stack_reference(self, res: ResourceState) -> struct_pb2.Struct:
        name = str(to_plain(res.inputs).get("name") or res.id)
        outputs = self._stack_outputs(name) if self._stack_outputs is not None else None
        if outputs is None:
            raise self.fail(
                diagnostic_text(
                    res.type,
                    res.name,
                    f"unknown stack {name!r}: LocalEngine serves the stacks given as stack_references=",
                )
            )
        return _stack_reference_outputs(name, outputs)

    def register_outputs(self, urn: str, outputs: struct_pb2.Struct) -> None:
        """RegisterResourceOutputs: the stack's exports, or a component's outputs."""
        with self._lock:
            res = self.new.get(urn)
            if res is not None:
                res.outputs = copy_struct(outputs)
            if res is not None and res.type == STACK_TYPE:
                self.stack_outputs = copy_struct(outputs)

    # -- invokes -----------------------------------------------------------------------------------------------

    def invoke(self, token: str, args: struct_pb2.Struct, reference: str) -> tuple[struct_pb2.Struct, list[Any]]:
        """Handle one Invoke: the return value and the provider's check failures."""
        with self._step():
            return self._invoke(token, args, reference)

    def _invoke(self, token: str, args: struct_pb2.Struct, reference: str) -> tuple[struct_pb2.Struct, list[Any]]:
        from pulumi.runtime.proto import provider_pb2

        if token == _GET_RESOURCE:
            urn = str(to_plain(args).get("urn", ""))
            with self._lock:
                res = self.new.get(urn) or self.reads.get(urn)
            if res is None:
                raise InvokeError(f"unknown resource {urn}")
            state = struct_pb2.Struct()
            state.fields["urn"].string_value = urn
            state.fields["id"].string_value = res.id
            state.fields["state"].struct_value.SetInParent()
            state.fields["state"].struct_value.CopyFrom(res.outputs)
            return state, []
        if token == _READ_STACK_OUTPUTS:
            name = str(to_plain(args).get("name", ""))
            outputs = self._stack_outputs(name) if self._stack_outputs is not None else None
            if outputs is None:
                raise InvokeError(f"unknown stack {name!r}: LocalEngine serves the stacks given as stack_references=")
            return _stack_reference_outputs(name, outputs), []
        try:
            provider = self._lookup_provider(token, reference)
        except ProviderUnavailable as exc:
            raise InvokeError(str(exc)) from None
        if provider is not None:
            args_out, _ = provider.outgoing(args)
            try:
                resp = provider.stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=args_out))
            except grpc.RpcError as exc:
                raise InvokeError(exc.details() or str(exc)) from None
            returned: struct_pb2.Struct = getattr(resp, "return")
            return returned, list(resp.failures)
        if self._invoke_handler is None:
            raise InvokeError(
                f"LocalEngine has no provider for the invoke {token!r}: pass plugins={{{package_of(token)!r}: [...]}}"
                " or invoke=... to LocalEngine"
            )
        plain = to_plain(args)
        return from_plain(dict(self._invoke_handler(token, plain))), []


def _provider_config(inputs: struct_pb2.Struct) -> struct_pb2.Struct:
    out = copy_struct(inputs)
    for key in _PROVIDER_INTERNAL_KEYS:
        if key in out.fields:
            del out.fields[key]
    return out


def _stack_reference_outputs(name: str, outputs: struct_pb2.Struct) -> struct_pb2.Struct:
    """What the engine's builtin provider returns for a StackReference: name, outputs, secretOutputNames."""
    out = struct_pb2.Struct()
    out.fields["name"].string_value = name
    out.fields["outputs"].struct_value.SetInParent()
    out.fields["outputs"].struct_value.CopyFrom(outputs)
    out.fields["secretOutputNames"].list_value.SetInParent()
    out.fields["secretOutputNames"].list_value.extend(sorted(secret_keys_of(outputs)))
    return out


def delete_order(resources: Iterable[ResourceState]) -> list[ResourceState]:
    """Dependents (children, users of an explicit provider) before what they depend on — the engine's order."""
    by_urn = {r.urn: r for r in resources}
    dependents: dict[str, set[str]] = {urn: set() for urn in by_urn}
    for res in by_urn.values():
        provider_urn = res.provider.rsplit("::", 1)[0] if res.provider else ""
        for dep in [*res.dependencies, res.parent, provider_urn]:
            if dep in by_urn and dep != res.urn:
                dependents[dep].add(res.urn)
    order: list[ResourceState] = []
    remaining = dict(dependents)
    while remaining:
        ready = [urn for urn, deps in remaining.items() if not (deps & remaining.keys())]
        if not ready:  # a cycle cannot come from a program; fall back to reverse registration order
            ready = [next(reversed(list(remaining)))]
        for urn in reversed(ready):
            order.append(by_urn[urn])
            del remaining[urn]
    return order
