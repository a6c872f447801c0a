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

from typing import Any

from google.protobuf import struct_pb2

from .operation import OperationState
from .resources import ResourceState
from .step_delete import delete
from .step_invoke import invoke
from .step_outputs import register_outputs
from .step_read import read, read_resource
from .step_register import register

__all__ = ["Operation"]


class Operation(OperationState):
    """One preview/up (and the provider calls refresh and destroy share): an entry point per RPC.

    A monitor call (`register`, `read_resource`, `invoke`) is a step in flight: refused with `MonitorShutDown` once
    the operation stopped, counted until it is done (`wait_for_steps`). The logic of each is in its own unit."""

    def register(self, request: Any) -> tuple[str, str, struct_pb2.Struct]:
        """Handle one RegisterResource: returns the URN, the id and the outputs the program sees."""
        with self.step():
            return register(self, request)

    def read_resource(self, request: Any) -> tuple[str, str, struct_pb2.Struct]:
        """Handle ReadResource (`Resource.get`, `StackReference`): the URN, the id and the resource's outputs."""
        with self.step():
            return read_resource(self, request)

    def invoke(self, token: str, args: struct_pb2.Struct, reference: str) -> tuple[struct_pb2.Struct, list[Any]]:
        """Handle one Invoke: the return value and the provider's check failures."""
        with self.step():
            return invoke(self, token, args, reference)

    def register_outputs(self, urn: str, outputs: struct_pb2.Struct) -> None:
        """RegisterResourceOutputs: the stack's exports, or a component's outputs."""
        register_outputs(self, urn, outputs)

    def delete(self, res: ResourceState) -> None:
        """Delete through the resource's provider (`StepFailed` when it fails); echoed resources, reads and
        providers need no call."""
        delete(self, res)

    def read(
        self, res: ResourceState, *, use_inputs: bool = True
    ) -> tuple[str, struct_pb2.Struct, struct_pb2.Struct] | None:
        """Read on refresh: the id ("" when gone), the outputs and the inputs to keep; None when no provider
        serves the resource (it stays as it is)."""
        return read(self, res, use_inputs=use_inputs)
