"""`RegisterResource`: the step the engine's step generator picks for a resource the program declares.

The stack, components and custom resources of a package no plugin serves echo their inputs as outputs; an explicit
provider's inputs are its configuration; any other custom resource is checked, then created, left alone, updated or
replaced as its provider's `Diff` (and the program's `replaceOnChanges`/`deleteBeforeReplace`) says.
"""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf import struct_pb2

from .operation import OperationState
from .provider_access import provider_for
from .providers import PROVIDER_TYPE_PREFIX, Provider
from .resources import STACK_TYPE, ResourceState, diagnostic_text, parse_duration
from .step_delete import delete
from .step_provider import check, create, diff, update
from .values import copy_struct, structs_equal

__all__ = ["register"]


def register(op: OperationState, request: Any) -> tuple[str, str, struct_pb2.Struct]:
    """One RegisterResource: the step taken, recorded; returns the URN, the id and the outputs the program sees."""
    urn = op.urn(request.parent, request.type, request.name)
    with op.lock:
        old = op.old.get(urn)
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
        op.record(res, "same" if old is not None else "create")
        return urn, "", res.outputs
    if not request.custom:
        return (urn, *_register_echo(op, res, old))
    if request.type.startswith(PROVIDER_TYPE_PREFIX):
        return (urn, *_register_provider(op, res, old))
    try:
        res.timeouts = {
            call: parse_duration(getattr(request.customTimeouts, call))
            for call in ("create", "update", "delete")
            if getattr(request.customTimeouts, call)
        }
    except ValueError as exc:
        raise op.fail(diagnostic_text(res.type, res.name, f"customTimeouts: {exc}")) from None
    provider = provider_for(op, res.type, res.provider, name=res.name)
    if provider is None:
        return (urn, *_register_echo(op, res, old))
    return (urn, *_register_custom(op, provider, request, res, old))


def _register_echo(op: OperationState, res: ResourceState, old: ResourceState | None) -> tuple[str, struct_pb2.Struct]:
    res.outputs = copy_struct(res.inputs)
    if old is None:
        res.id = "" if (op.preview or not res.custom) else f"{res.name}-id"
        kind = "create"
    else:
        res.id = old.id
        kind = "same" if structs_equal(old.inputs, res.inputs) else "update"
        if not res.custom:
            res.outputs = copy_struct(old.outputs) if kind == "same" else res.outputs
    op.record(res, kind)
    return res.id, res.outputs


def _register_provider(
    op: OperationState, res: ResourceState, old: ResourceState | None
) -> tuple[str, struct_pb2.Struct]:
    res.outputs = copy_struct(res.inputs)
    if old is None:
        res.id = "" if op.preview else str(uuid.uuid4())
        kind = "create"
    else:
        res.id = old.id
        kind = "same" if structs_equal(old.inputs, res.inputs) else "update"
    op.record(res, kind)
    return res.id, res.outputs


def _register_custom(
    op: OperationState, provider: Provider, request: Any, res: ResourceState, old: ResourceState | None
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
    checked = check(op, provider, res.type, res.name, res.urn, old.inputs if old else struct_pb2.Struct(), news)
    res.inputs = checked

    if old is None:
        res.id, res.outputs = create(op, provider, res, checked, extra_secret)
        op.record(res, "create")
        return res.id, res.outputs

    changed, replace, delete_first = diff(op, provider, request, old, res, checked, ignore)
    if not changed:
        res.id, res.outputs = old.id, copy_struct(old.outputs)
        op.record(res, "same")
        return res.id, res.outputs
    if not replace:
        res.id = old.id
        res.outputs = update(op, provider, old, res, checked, extra_secret, ignore)
        op.record(res, "update")
        return res.id, res.outputs

    detail = "delete-before-replace" if delete_first else "create-before-delete"
    if op.preview:
        _, res.outputs = create(op, provider, res, checked, extra_secret)
        op.record(res, "replace", detail)
        return "", res.outputs
    if delete_first:
        delete(op, old)
        with op.lock:
            op.deleted.add(old.urn)
    res.id, res.outputs = create(op, provider, res, checked, extra_secret)
    if not delete_first:
        with op.lock:
            op.pending_deletes.append(old)
    op.record(res, "replace", detail)
    return res.id, res.outputs
