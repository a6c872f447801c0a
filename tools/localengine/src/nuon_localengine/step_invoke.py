"""`Invoke`: the engine's builtins (`getResource`, `readStackOutputs`), the provider that owns the token's package,
or the `invoke=` handler given to `LocalEngine`."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import struct_pb2

from .errors import InvokeError, ProviderUnavailable
from .operation import OperationState
from .provider_access import lookup_provider
from .providers import package_of
from .step_read import stack_reference_outputs
from .values import from_plain, to_plain

__all__ = ["invoke"]

_GET_RESOURCE = "pulumi:pulumi:getResource"
_READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"


def invoke(
    op: OperationState, token: str, args: struct_pb2.Struct, reference: str
) -> tuple[struct_pb2.Struct, list[Any]]:
    """One Invoke: the return value and the provider's check failures; `InvokeError` goes back to the program."""
    from pulumi.runtime.proto import provider_pb2

    if token == _GET_RESOURCE:
        urn = str(to_plain(args).get("urn", ""))
        with op.lock:
            res = op.new.get(urn) or op.reads.get(urn)
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
        outputs = op.stack_source(name) if op.stack_source is not None else None
        if outputs is None:
            raise InvokeError(f"unknown stack {name!r}: LocalEngine serves the stacks given as stack_references=")
        return stack_reference_outputs(name, outputs), []
    try:
        provider = lookup_provider(op, token, reference)
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
    if op.invoke_handler is None:
        raise InvokeError(
            f"LocalEngine has no provider for the invoke {token!r}: pass plugins={{{package_of(token)!r}: [...]}}"
            " or invoke=... to LocalEngine"
        )
    plain = to_plain(args)
    return from_plain(dict(op.invoke_handler(token, plain))), []
