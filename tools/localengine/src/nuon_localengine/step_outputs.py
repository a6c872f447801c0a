"""`RegisterResourceOutputs`: the stack's exports, or a component's outputs."""

from __future__ import annotations

from google.protobuf import struct_pb2

from .operation import OperationState
from .resources import STACK_TYPE
from .values import copy_struct

__all__ = ["register_outputs"]


def register_outputs(op: OperationState, urn: str, outputs: struct_pb2.Struct) -> None:
    """RegisterResourceOutputs: the stack's exports, or a component's outputs."""
    with op.lock:
        res = op.new.get(urn)
        if res is not None:
            res.outputs = copy_struct(outputs)
        if res is not None and res.type == STACK_TYPE:
            op.stack_outputs = copy_struct(outputs)
