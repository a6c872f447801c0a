"""`Delete`: a resource that left the program, the old instance of a replaced one, or everything on destroy."""

from __future__ import annotations

from .operation import OperationState
from .provider_access import call, provider_for
from .providers import PROVIDER_TYPE_PREFIX
from .resources import ResourceState

__all__ = ["delete"]


def delete(op: OperationState, res: ResourceState) -> None:
    """Delete through the resource's provider; echoed resources, reads and providers need no call."""
    from pulumi.runtime.proto import provider_pb2

    if not res.custom or res.external or res.type.startswith(PROVIDER_TYPE_PREFIX):
        return
    provider = provider_for(op, res.type, res.provider, name=res.name)
    if provider is None:
        return
    props, _ = provider.outgoing(res.outputs)
    old_inputs, _ = provider.outgoing(res.inputs)
    call(
        op,
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
