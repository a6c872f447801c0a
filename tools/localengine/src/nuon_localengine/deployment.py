"""The state as a deployment: what `LocalEngine.export_stack()` gives and `import_stack()` takes, modelled on
`pulumi stack export` and `pulumi stack import` (the CLI's version-3 deployment)::

    {"version": 3,
     "deployment": {"manifest": {"time": ..., "version": "nuon-localengine"},
                    "resources": [{"urn", "type", "name", "custom", "id", "parent", "dependencies", "external",
                                   "inputs", "outputs", "provider"?, "customTimeouts"?}, ...]}}

Each resource is `ResourceState.to_json` (what `LocalEngine.state` lists); a secret is the CLI's secret object, its
value's JSON as `plaintext` with `show_secrets` (`--show-secrets`), else redacted as `ciphertext`. LocalEngine has no
secrets provider, so an import takes plaintext secrets only. An import checks the whole deployment before it
replaces anything: a resource names this engine's stack and project, comes after its parent, its dependencies and
its explicit provider (the order the engine keeps), and holds no unknown.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2

from .errors import StateImportError
from .resources import ResourceState
from .sdk import SECRET_SIG, SIG_KEY, UNKNOWN_WIRE

__all__ = ["DEPLOYMENT_VERSION", "export_deployment", "import_deployment"]

DEPLOYMENT_VERSION = 3
_TIMEOUT_CALLS = ("create", "update", "delete")


def export_deployment(resources: list[ResourceState], *, show_secrets: bool) -> dict[str, Any]:
    """The deployment of `resources` (in the engine's order)."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    return {
        "version": DEPLOYMENT_VERSION,
        "deployment": {
            "manifest": {"time": now, "version": "nuon-localengine"},
            "resources": [res.to_json(show_secrets=show_secrets) for res in resources],
        },
    }


def import_deployment(data: Any, *, project: str, stack: str) -> dict[str, ResourceState]:
    """The state `data` describes, by URN in its order; `StateImportError` saying what is wrong and where if it is
    not a deployment of stack `stack` of project `project` that LocalEngine can hold."""
    if not isinstance(data, Mapping):
        raise StateImportError(f"a deployment is a JSON object (what export_stack gives), not {type(data).__name__}")
    if data.get("version") != DEPLOYMENT_VERSION:
        raise StateImportError(
            f"deployment version {data.get('version')!r} is not supported: LocalEngine reads version "
            f"{DEPLOYMENT_VERSION}, what export_stack and `pulumi stack export` write"
        )
    deployment = data.get("deployment")
    if not isinstance(deployment, Mapping):
        raise StateImportError('a deployment has a "deployment" object holding its "resources"')
    if deployment.get("pending_operations"):
        raise StateImportError("the deployment has pending operations: LocalEngine keeps none; resolve them first")
    resources = deployment.get("resources")
    resources = [] if resources is None else resources  # an empty stack's export has none
    if not isinstance(resources, list):
        raise StateImportError('"deployment.resources" is a list of resources')
    state: dict[str, ResourceState] = {}
    for index, resource in enumerate(resources):
        res = _resource(resource, index, project=project, stack=stack, earlier=state)
        state[res.urn] = res
    return state


def _resource(
    data: Any, index: int, *, project: str, stack: str, earlier: Mapping[str, ResourceState]
) -> ResourceState:
    where = f"resources[{index}]"
    if not isinstance(data, Mapping):
        raise StateImportError(f"{where} is not an object")
    urn = data.get("urn")
    prefix = f"urn:pulumi:{stack}::{project}::"
    if not isinstance(urn, str) or not urn.startswith(prefix) or urn[len(prefix) :].count("::") < 1:
        raise StateImportError(
            f"{where}: urn {urn!r} is not a resource of this stack: its URNs start with {prefix!r}, then the type "
            "and the name (import a deployment of the same project and stack)"
        )
    where = f"{where} ({urn})"
    if urn in earlier:
        raise StateImportError(f"{where} is in the deployment twice")
    qualified_type, _, name = urn[len(prefix) :].partition("::")
    if _field(data, "name", str, where, name) != name:
        raise StateImportError(f"{where}: name {data['name']!r} is not the name its urn ends with")
    type_ = _field(data, "type", str, where, qualified_type.rsplit("$", 1)[-1])
    if type_ != qualified_type.rsplit("$", 1)[-1]:
        raise StateImportError(f"{where}: type {type_!r} is not the type its urn names")
    custom = _field(data, "custom", bool, where, False)
    id_ = _field(data, "id", str, where, "")
    if custom and not id_:
        raise StateImportError(f"{where}: a custom resource has an id")
    parent = _field(data, "parent", str, where, "")
    dependencies = _field(data, "dependencies", list, where, [])
    provider = _field(data, "provider", str, where, "")
    for role, ref in [("parent", parent), *(("dependency", dep) for dep in dependencies)]:
        if ref and ref not in earlier:
            raise StateImportError(f"{where}: its {role} {ref!r} is not a resource before it in the deployment")
    if provider:
        provider_urn, _, provider_id = provider.rpartition("::")
        known = earlier.get(provider_urn)
        if known is None or known.id != provider_id:
            raise StateImportError(
                f"{where}: its provider {provider!r} is not `<urn>::<id>` of a provider resource before it"
            )
    timeouts = _field(data, "customTimeouts", Mapping, where, {})
    if set(timeouts) - set(_TIMEOUT_CALLS) or not all(_is_number(v) for v in timeouts.values()):
        raise StateImportError(f"{where}: customTimeouts holds seconds for {', '.join(_TIMEOUT_CALLS)} only")
    return ResourceState(
        urn=urn,
        type=type_,
        name=name,
        custom=custom,
        id=id_,
        inputs=_properties(data, "inputs", where),
        outputs=_properties(data, "outputs", where),
        parent=parent,
        dependencies=list(dependencies),
        external=_field(data, "external", bool, where, False),
        provider=provider,
        timeouts={call: float(seconds) for call, seconds in timeouts.items()},
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _field(data: Mapping[str, Any], key: str, kind: Any, where: str, default: Any) -> Any:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise StateImportError(f"{where}: {key} is {type(value).__name__}, not {getattr(kind, '__name__', kind)}")
    if kind is list and not all(isinstance(item, str) for item in value):
        raise StateImportError(f"{where}: {key} is a list of URNs")
    return value


def _properties(data: Mapping[str, Any], key: str, where: str) -> struct_pb2.Struct:
    values = _field(data, key, Mapping, where, {})
    struct = struct_pb2.Struct()
    struct.update({name: _wire(value, f"{where} {key}.{name}") for name, value in values.items()})
    return struct


def _wire(value: Any, where: str) -> Any:
    """A deployment's property value in the engine's wire form: a secret object becomes the SDK's secret wrapper."""
    if value == UNKNOWN_WIRE:
        raise StateImportError(f"{where} is unknown: a state holds only known values (was it exported from a preview?)")
    if isinstance(value, list):
        return [_wire(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if not isinstance(value, Mapping):
        if value is not None and not isinstance(value, (str, bool, int, float)):
            raise StateImportError(f"{where} is {type(value).__name__}, not a JSON value")
        return value
    if value.get(SIG_KEY) != SECRET_SIG:
        return {name: _wire(item, f"{where}.{name}") for name, item in value.items()}
    plaintext = value.get("plaintext")
    if not isinstance(plaintext, str):
        raise StateImportError(
            f"{where} is a secret without its plaintext (a redacted or encrypted export): LocalEngine has no "
            "secrets provider; export with show_secrets=True to import"
        )
    try:
        inner = json.loads(plaintext)
    except ValueError:
        raise StateImportError(f"{where}: a secret's plaintext is its value as JSON, and this is not JSON") from None
    return {SIG_KEY: SECRET_SIG, "value": _wire(inner, where)}
