"""The native provider: the engine's resource and function calls, answered by the core.

Every rule is the core's: checks (:func:`~pulumi_nuon.core.options.check_inputs`,
:func:`~pulumi_nuon.gate.wait.check_gate_inputs`), diffs (:func:`~pulumi_nuon.core.options.diff_inputs`), ids, reads,
the gate's wait and the outputs (:mod:`pulumi_nuon.gate.operations`), settings
(:func:`~pulumi_nuon.core.settings.resolve_settings` through the client). What is left here is the engine's side:

- everything runs on the server's one event loop and awaits (one shared :class:`AsyncNuonClient`), so any number of
  gates and invokes run at once and none blocks another;
- a preview (``preview=True``) never calls Nuon for a resource: its outputs are unknown;
- the request's ``timeout`` (``customTimeouts``, seconds, 0 when unset) caps a gate's own deadline;
- ``cancel()`` (the engine's ``Cancel``, sent on Ctrl-C) stops every running operation at once, each failing with
  :class:`OperationCancelledError`;
- a waiting gate reports progress as ephemeral status messages on its URN and its outcome as an info diagnostic
  (:class:`Diagnostics`); failures are :class:`~pulumi_nuon.core.errors.NuonError`\\ s, which the server turns into one
  clean paragraph (:func:`failure_text`).

Connection settings come from ``Configure`` (the provider's inputs, else the ``nuon:config:*`` variables), else the
``NUON_*`` environment; they live in this process's memory only and never reach an output.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from pulumi_nuon.native.sdk import require_supported

require_supported()  # before the experimental API's imports, so an old SDK fails with a message, not an ImportError

from pulumi.provider.experimental.property_value import PropertyValue  # noqa: E402
from pulumi.provider.experimental.provider import (  # noqa: E402
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from pulumi_nuon._version import __version__  # noqa: E402
from pulumi_nuon.api.client import AsyncNuonClient  # noqa: E402
from pulumi_nuon.core.errors import (  # noqa: E402
    InvalidArgumentError,
    NuonError,
)
from pulumi_nuon.core.options import Spec, camel, check_inputs, check_value, diff_inputs  # noqa: E402
from pulumi_nuon.core.settings import (  # noqa: E402
    API_TOKEN,
    SETTINGS,
    check_setting,
    is_loopback_url,
    resolve_api_url,
)
from pulumi_nuon.gate.operations import (  # noqa: E402
    check_spec_inputs,
    inputs_from_id,
    pass_gate,
    read_values,
    resource_id,
    resource_outputs,
)
from pulumi_nuon.native.schema import config_name, in_camel_case, schema_text, spec_for_token  # noqa: E402
from pulumi_nuon.native.values import UNKNOWN, is_known, plain_inputs, property_map, to_plain  # noqa: E402

__all__ = ["Diagnostics", "NuonProvider", "OperationCancelledError", "failure_text"]

_T = TypeVar("_T")


class OperationCancelledError(NuonError):
    """The engine cancelled the operation (``Cancel``: Ctrl-C during ``pulumi up``) before it finished."""


class Diagnostics(Protocol):
    """Where the provider reports to the engine, per resource URN (the server's ``EngineLog``)."""

    def status(self, urn: str, message: str) -> None:
        """An ephemeral status message, shown on the resource's row while it is being worked on."""

    def info(self, urn: str, message: str) -> None:
        """An info diagnostic on the resource (kept in the update's output)."""

    def warning(self, urn: str, message: str) -> None:
        """A warning diagnostic on the resource."""

    async def flush(self) -> None:
        """Wait (briefly) until what was reported has been delivered."""


class _Silent:
    def status(self, urn: str, message: str) -> None:
        pass

    def info(self, urn: str, message: str) -> None:
        pass

    def warning(self, urn: str, message: str) -> None:
        pass

    async def flush(self) -> None:
        pass


class _Clients:
    """One :class:`AsyncNuonClient` for the current settings, shared by every operation (one connection pool); a
    client whose settings were replaced by a later ``Configure`` is closed when its last operation ends."""

    def __init__(self) -> None:
        self._key: frozenset[tuple[str, str]] | None = None
        self._client: AsyncNuonClient | None = None
        self._users: dict[AsyncNuonClient, int] = {}

    async def run(self, settings: Mapping[str, str], work: Callable[[AsyncNuonClient], Awaitable[_T]]) -> _T:
        key = frozenset(settings.items())
        if self._client is None or key != self._key:
            client = AsyncNuonClient(config=dict(settings))  # raises ConfigurationError naming what to set
            await self._retire()
            self._key, self._client = key, client
        client = self._client
        self._users[client] = self._users.get(client, 0) + 1
        try:
            return await work(client)
        finally:
            self._users[client] -= 1
            if client is not self._client and not self._users[client]:
                del self._users[client]
                await client.aclose()

    async def _retire(self) -> None:
        if self._client is not None and not self._users.get(self._client):
            self._users.pop(self._client, None)
            await self._client.aclose()


class _Running:
    """The operations in flight, so that ``Cancel`` can stop them all and each fails with a clear message."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopped: set[asyncio.Task[Any]] = set()

    async def run(self, work: Awaitable[_T], cancelled: Callable[[], str]) -> _T:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            if task not in self._stopped:  # the engine went away (the RPC was cancelled): not ours to report
                raise
            raise OperationCancelledError(cancelled()) from None
        finally:
            self._tasks.discard(task)
            self._stopped.discard(task)

    def cancel_all(self) -> int:
        """Cancel every operation in flight; the number cancelled."""
        running = [task for task in self._tasks if not task.done()]
        for task in running:
            self._stopped.add(task)
            task.cancel()
        return len(running)


def _type_of(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<parent type>$<type>::<name> — the type is the last of the qualified chain.
    parts = urn.split("::")
    return parts[2].rpartition("$")[2] if len(parts) >= 4 else ""


class NuonProvider(Provider):
    """The ``nuon`` provider: ``nuon:index:DeployGate``, ``LatestDeploy``, ``ComponentReleases``, and the functions
    ``getLatestDeploy`` and ``getComponentReleases``."""

    def __init__(self, *, diagnostics: Diagnostics | None = None, version: str = __version__) -> None:
        self._log: Diagnostics = diagnostics or _Silent()
        self._schema = schema_text(version)
        self._settings: dict[str, str] = {}
        self._clients = _Clients()
        self._running = _Running()

    # -- the package and its configuration ---------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=self._schema)

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """The provider's inputs as given, secret settings marked secret; each known value is checked by its row of
        :data:`~pulumi_nuon.core.settings.SETTINGS` (type, length, characters, bounds), a bad one a check failure
        that never quotes the token."""
        inputs = dict(request.new_inputs)
        token = inputs.get(config_name(API_TOKEN))
        secret = to_plain(token) if token is not None else None
        failures = []
        for setting in SETTINGS:
            name = config_name(setting)
            value = inputs.get(name)
            if value is None:
                continue
            if setting.secret:
                inputs[name] = value.with_secret(True)
            plain = to_plain(value)
            if plain is None or not is_known(plain) or plain == "":
                continue
            try:
                check_setting(setting, plain, source=name, secret=secret if isinstance(secret, str) else "")
            except NuonError as err:
                failures.append(CheckFailure(name, in_camel_case(str(err))))
        return CheckResponse(inputs=inputs, failures=failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Keep the connection settings: the provider's inputs, else the engine's ``nuon:config:*`` variables. A
        known value of the wrong type or out of bounds is a :class:`ConfigurationError` here (never a silent
        fall-back to the default); the settings are resolved again, with the environment, on each read."""
        settings: dict[str, str] = {}
        secret = ""
        for setting in SETTINGS:
            name = config_name(setting)
            arg = request.args.get(name)
            value = to_plain(arg) if arg is not None else None
            if value is None or value == "" or value == UNKNOWN:
                value = request.variables.get(f"nuon:config:{name}") or request.variables.get(setting.config_key)
            if value is None or value == "" or not is_known(value):
                continue
            checked = check_setting(setting, value, source=name, secret=secret)  # raises ConfigurationError
            if setting.secret:
                secret = str(checked)
            settings[setting.config_key] = checked if isinstance(checked, str) else f"{checked:g}"
        self._settings = settings
        # Secrets arrive as secrets (and stay so in inputs); output values and resource references are not needed.
        return ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_resources=False, accept_outputs=False
        )

    # -- resources ---------------------------------------------------------------------------------------------

    def _spec(self, urn: str) -> Spec:
        tok = _type_of(urn)
        spec = spec_for_token(tok)
        if spec is None or spec.kind != "resource":
            raise InvalidArgumentError(f"the nuon provider has no resource type {tok!r}", "type")
        return spec

    def _checked(self, spec: Spec, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """``values`` checked as ``Check`` checks them (the same rules whether the engine called ``Check`` or not)."""
        # A faster poll interval is allowed on a loopback API URL: only then do the settings matter to a check.
        loopback = spec.checks_depend_on_url and is_loopback_url(resolve_api_url(self._settings))
        return check_spec_inputs(spec, values, known=is_known, loopback=loopback)

    def _valid(self, spec: Spec, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` checked, or an :class:`InvalidArgumentError` naming every problem: ``Create`` and ``Update`` may
        be sent inputs that never passed ``Check`` (a hand-made request, another engine)."""
        given = dict(values)
        if spec.waits and given.get("install_id") is not None and given.get("install_ids") == [given["install_id"]]:
            del given["install_ids"]  # what Check made of a single install_id; checked again as it was given
        inputs, problems = self._checked(spec, given)
        if problems:
            raise InvalidArgumentError([(camel(name), in_camel_case(reason)) for name, reason in problems])
        return _inputs_only(spec, inputs)

    async def check(self, request: CheckRequest) -> CheckResponse:
        spec = self._spec(request.urn)
        given = plain_inputs(spec, request.new_inputs)
        inputs, problems = self._checked(spec, given.values)
        failures = [CheckFailure(camel(name), in_camel_case(reason)) for name, reason in problems]
        return CheckResponse(inputs=property_map(_inputs_only(spec, inputs), secrets=given.secrets), failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        spec = self._spec(request.urn)
        olds = plain_inputs(spec, request.old_state).values
        news = plain_inputs(spec, request.new_inputs).values
        ignored = {o.name for o in spec.inputs if o.camel_name in set(request.ignore_changes)}
        for name in ignored:
            if name in olds:
                news[name] = olds[name]
            else:
                news.pop(name, None)
        replaces, updates = diff_inputs(spec, olds, news)
        detailed = {camel(n): PropertyDiff(PropertyDiffKind.UPDATE_REPLACE, input_diff=True) for n in replaces}
        detailed.update({camel(n): PropertyDiff(PropertyDiffKind.UPDATE, input_diff=True) for n in updates})
        return DiffResponse(
            changes=bool(replaces or updates),
            replaces=[camel(n) for n in replaces],
            diffs=list(detailed),
            delete_before_replace=False,
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        spec = self._spec(request.urn)
        given = plain_inputs(spec, request.properties)
        if request.preview:
            return CreateResponse(resource_id="", properties=_unknown_outputs(spec, given.values, given.secrets))
        inputs = self._valid(spec, given.values)
        values = await self._act(spec, inputs, request.urn, request.timeout)
        outputs = resource_outputs(spec, inputs, values)
        return CreateResponse(
            resource_id=resource_id(spec, inputs), properties=property_map(outputs, secrets=given.secrets)
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        # Called only when diff found a change: what is read or waited for changed, so act again.
        spec = self._spec(request.urn)
        given = plain_inputs(spec, request.news)
        if request.preview:
            return UpdateResponse(properties=_unknown_outputs(spec, given.values, given.secrets))
        inputs = self._valid(spec, given.values)
        previous = _usable_state(spec, plain_inputs(spec, request.olds, outputs=True).values)
        values = await self._act(spec, inputs, request.urn, request.timeout, previous)
        return UpdateResponse(properties=property_map(resource_outputs(spec, inputs, values), secrets=given.secrets))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """``pulumi refresh`` (and import): the reading resources read again; a gate keeps what it recorded."""
        spec = self._spec(request.urn)
        if spec.waits:
            return ReadResponse(request.resource_id, request.properties, request.inputs)
        given = plain_inputs(spec, request.inputs or request.properties)
        inputs = inputs_from_id(spec, request.resource_id, given.values)
        values = await self._read(spec, inputs)
        return ReadResponse(
            request.resource_id,
            property_map(resource_outputs(spec, inputs, values), secrets=given.secrets),
            property_map(_inputs_only(spec, inputs), secrets=given.secrets),
        )

    async def delete(self, request: DeleteRequest) -> None:
        """Nothing to delete in Nuon: these resources only read (and wait)."""

    async def _act(
        self, spec: Spec, inputs: dict[str, Any], urn: str, timeout: float, previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Read (or, for a gate, wait) as the resource's create and update do (``previous``: the state an update
        starts from); the values to output."""
        if not spec.waits:
            return await self._read(spec, inputs)
        last = ["no deploy seen yet"]

        def progress(line: str) -> None:
            last[0] = line.strip()
            self._log.status(urn, in_camel_case(last[0]))

        def cancelled() -> str:
            return (
                f"DeployGate cancelled (the operation was interrupted) while waiting for component "
                f"{inputs.get('component_id')} on {len(inputs.get('install_ids') or [])} install(s); last seen: "
                f"{last[0]}.\nThe deploys go on in Nuon: run `pulumi up` again to wait for them again."
            )

        try:
            values = await self._running.run(
                self._clients.run(
                    self._settings,
                    lambda client: pass_gate(
                        client,
                        inputs,
                        previous=previous,
                        on_progress=progress,
                        on_warning=lambda warning: self._log.warning(urn, in_camel_case(warning)),
                        deadline_seconds=timeout or None,
                    ),
                ),
                cancelled,
            )
        finally:
            await self._log.flush()
        self._log.info(urn, _passed_text(inputs, values))
        await self._log.flush()
        return values

    async def _read(self, spec: Spec, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What a read of ``spec`` shows (a reading resource or a function), cancellable like every operation."""
        return await self._running.run(
            self._clients.run(self._settings, lambda client: read_values(spec, client, inputs)),
            lambda: f"{spec.name}: the read was cancelled (the operation was interrupted).",
        )

    # -- functions ---------------------------------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        spec = spec_for_token(request.tok)
        if spec is None or spec.kind != "function":
            raise InvalidArgumentError(f"the nuon provider has no function {request.tok!r}", "tok")
        given = plain_inputs(spec, request.args)
        inputs, problems = check_inputs(spec, given.values, known=is_known)
        if problems:
            return InvokeResponse(failures=[CheckFailure(camel(n), in_camel_case(r)) for n, r in problems])
        outputs = [o.name for o in spec.outputs]
        if not is_known(inputs):
            return InvokeResponse(return_value=property_map(dict.fromkeys(outputs), unknown=outputs))
        values = await self._read(spec, inputs)
        # A result read with a secret argument is secret, as the Python functions' results are.
        return InvokeResponse(return_value=property_map(values, secrets=outputs if given.secrets else ()))

    # -- cancellation ------------------------------------------------------------------------------------------

    async def cancel(self) -> None:
        """Stop every operation in flight; each fails with :class:`OperationCancelledError`. Harmless when idle."""
        self._running.cancel_all()


_STATE_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int, float),
    "boolean": (bool,),
    "string_list": (list,),
    "string_map": (dict,),
    "object_list": (list,),
}


def _usable_state(spec: Spec, olds: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a recorded state an update can build on: inputs that pass their checks and outputs of their
    declared type. A state edited by hand, or written by another version, loses what does not fit instead of
    failing the update with an internal error (the update reads or waits again anyway)."""
    usable: dict[str, Any] = {}
    for option in spec.inputs:
        if option.name in olds:
            try:
                usable[option.name] = check_value(option, olds[option.name])
            except NuonError:
                continue
    for output in spec.outputs:
        value = olds.get(output.name)
        types = _STATE_TYPES.get(output.type)
        if value is None or (
            types is not None and (not isinstance(value, types) or (isinstance(value, bool) and bool not in types))
        ):
            continue
        if output.type == "string_map" and not all(isinstance(v, str) for v in value.values()):
            continue
        usable[output.name] = value
    return usable


def _inputs_only(spec: Spec, values: Mapping[str, Any]) -> dict[str, Any]:
    return {o.name: values.get(o.name) for o in spec.inputs}


def _unknown_outputs(spec: Spec, inputs: Mapping[str, Any], secrets: frozenset[str]) -> dict[str, PropertyValue]:
    """A preview's outputs: the inputs as they are, every output unknown."""
    outputs = [o.name for o in spec.outputs]
    return property_map({**_inputs_only(spec, inputs), **dict.fromkeys(outputs)}, secrets=secrets, unknown=outputs)


def _passed_text(inputs: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    if inputs.get("skip_wait"):
        return "DeployGate recorded the current deploys without waiting (skipWait)."
    deploys = values.get("deploy_ids") or {}
    statuses = values.get("statuses") or {}
    shown = [f"{i}: {deploys.get(i)} {statuses.get(i)}" for i in list(deploys)[:3]]
    more = f" and {len(deploys) - 3} more" if len(deploys) > 3 else ""
    return f"DeployGate passed at {values.get('passed_at')}: " + ", ".join(shown) + more


# --- failures as the engine shows them ----------------------------------------------------------------------------


_MAX_MESSAGE = 4000  # gRPC carries the message in a trailer; keep it well inside header limits


def failure_text(err: NuonError) -> str:
    """How a failure reads in ``pulumi up``: the core's message (it ends with what to do), names in camelCase."""
    text = in_camel_case(str(err)).strip()
    if len(text) > _MAX_MESSAGE:
        text = f"{text[:_MAX_MESSAGE]}… ({len(text) - _MAX_MESSAGE} more characters)"
    return text
