"""`Read`: a resource on refresh, `ReadResource` (`Resource.get`), and the engine's own `StackReference`."""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2

from .operation import OperationState
from .provider_access import call, provider_for
from .resources import STACK_REFERENCE_TYPE, ResourceState, diagnostic_text
from .values import copy_struct, from_plain, mark_secrets, secret_keys_of, to_plain

__all__ = ["read", "read_resource", "stack_reference_outputs"]


def read(
    op: OperationState, res: ResourceState, *, use_inputs: bool = True
) -> tuple[str, struct_pb2.Struct, struct_pb2.Struct] | None:
    """Read (refresh or `get`): the id ("" when gone), the outputs and the inputs to keep; None when no
    provider serves the resource (it stays as it is)."""
    from pulumi.runtime.proto import provider_pb2

    if res.type == STACK_REFERENCE_TYPE:
        outputs = stack_reference(op, res)
        return res.id, outputs, copy_struct(res.inputs)
    provider = provider_for(op, res.type, res.provider, name=res.name)
    if provider is None:
        return None
    props, props_secret = provider.outgoing(res.outputs)
    inputs, inputs_secret = provider.outgoing(res.inputs)
    resp = call(
        op,
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


def read_resource(op: OperationState, request: Any) -> tuple[str, str, struct_pb2.Struct]:
    """One ReadResource (`Resource.get`, `StackReference`): the URN, the id and the resource's outputs."""
    urn = op.urn(request.parent, request.type, request.name)
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
        res.outputs = stack_reference(op, res)
    else:
        found = read(op, res, use_inputs=False)
        if found is not None:
            new_id, outputs, _ = found
            if not new_id:
                raise op.fail(diagnostic_text(res.type, res.name, f"resource '{request.id}' does not exist"))
            res.id, res.outputs = new_id, outputs
    with op.lock:
        op.reads[urn] = res
    op.record(res, "read")
    return urn, res.id, res.outputs


def stack_reference(op: OperationState, res: ResourceState) -> struct_pb2.Struct:
    """The outputs of the stack a `StackReference` names; an unknown stack fails the step."""
    name = str(to_plain(res.inputs).get("name") or res.id)
    outputs = op.stack_source(name) if op.stack_source is not None else None
    if outputs is None:
        raise op.fail(
            diagnostic_text(
                res.type,
                res.name,
                f"unknown stack {name!r}: LocalEngine serves the stacks given as stack_references=",
            )
        )
    return stack_reference_outputs(name, outputs)


def stack_reference_outputs(name: str, outputs: struct_pb2.Struct) -> struct_pb2.Struct:
    """What the engine's builtin provider returns for a StackReference: name, outputs, secretOutputNames."""
    out = struct_pb2.Struct()
    out.fields["name"].string_value = name
    out.fields["outputs"].struct_value.SetInParent()
    out.fields["outputs"].struct_value.CopyFrom(outputs)
    out.fields["secretOutputNames"].list_value.SetInParent()
    out.fields["secretOutputNames"].list_value.extend(sorted(secret_keys_of(outputs)))
    return out
