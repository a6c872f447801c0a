"""What `LocalEngine` takes and gives back: `Secret` config values, and each operation's `EngineResult`."""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import EngineError

__all__ = ["EngineResult", "LogMessage", "Secret", "StepRecord"]


@dataclasses.dataclass(frozen=True)
class Secret:
    """A stack config value that is secret (`pulumi config set --secret`): `config={"nuon:apiToken": Secret("t")}`.

    Listing the key in `LocalEngine(secret_keys=[...])` does the same. A `stack_references` output may be
    wrapped too.
    """

    value: Any

    def __repr__(self) -> str:
        return "Secret([secret])"


@dataclasses.dataclass(frozen=True)
class StepRecord:
    """One step the engine took for one resource.

    `op` is one of `create`, `same`, `update`, `replace`, `delete` and `read` (refresh, `Resource.get` or a
    `StackReference`). `detail` says more where there is more: `create-before-delete` / `delete-before-replace`
    for a replace, `replaced` for the deletion of a replaced resource's old instance (create-before-delete, at the
    end of the update), `changed` / `unchanged` for a refresh read.
    """

    urn: str
    type: str
    name: str
    op: str
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class LogMessage:
    """One message sent to the engine's `Log` RPC, by the program or by a provider plugin.

    `severity` is `info`, `warning` or `error` (debug messages are dropped, as the CLI drops them without
    `--debug`: the SDKs' debug messages carry whole RPC payloads, secrets included). `ephemeral` messages are
    status lines the CLI shows on the resource's row while it is being worked on and then drops; the others are
    diagnostics, listed under the resource (or the stack, for `urn == ""`) after the operation. `name` is the
    resource's name from `urn`.
    """

    severity: str
    message: str
    urn: str = ""
    ephemeral: bool = False

    @property
    def name(self) -> str:
        """The resource's name (the last part of the URN), or "" for a message about the whole stack."""
        return self.urn.rsplit("::", 1)[-1] if self.urn else ""


@dataclasses.dataclass(frozen=True)
class EngineResult:
    """What one `preview`/`up`/`refresh`/`destroy` did.

    - `outputs`: the stack outputs as plain Python values (secrets unwrapped — see `secret_outputs` —, values
      not known during a preview as `UNKNOWN`, whole numbers as `int`);
    - `secret_outputs`: names of outputs that are, or contain, secrets;
    - `step_list`: every step in the order it completed; `steps`: the op by resource name (the stack resource
      included, under its name `<project>-<stack>`); `steps_by_urn`: the op by URN;
    - `state`: the engine's state after the operation as JSON-able data (`json.dumps` works); secrets appear
      as `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"}`
      with no plaintext, as in a checkpoint; a dynamic provider's pickle (`__provider`) is kept, as Pulumi keeps it;
    - `success` and `error`: the message `pulumi up` would print for the failure (a failed step as
      `<type> (<name>):\\n    error: <the provider's message>`, a program error as the program reported it);
    - `log`: every message sent to the engine's `Log` RPC, in order; `diagnostics` and `status_lines(name)`
      split them the way the CLI shows them;
    - `host_stderr` / `host_stdout`: what the provider plugins (the dynamic-provider host included) wrote during
      this operation; `program_stdout` / `program_stderr`: what a program run as its own process wrote (empty
      for a callable, which runs in this process);
    - `exit_code`: the program process's exit status (`None` for a callable program, or when none ran).
    """

    operation: str
    success: bool
    error: str | None
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    step_list: list[StepRecord]
    state: dict[str, Any]
    host_stderr: str
    host_stdout: str
    duration_seconds: float
    log: list[LogMessage] = dataclasses.field(default_factory=list)
    program_stdout: str = ""
    program_stderr: str = ""
    exit_code: int | None = None

    @property
    def steps(self) -> dict[str, str]:
        """The op for each resource by name (the last step wins if two resources share a name; the deletion
        of a replaced resource's old instance is in `step_list` only)."""
        return {step.name: step.op for step in self.step_list if step.detail != "replaced"}

    @property
    def steps_by_urn(self) -> dict[str, str]:
        """The op for each resource by URN (as `steps`, keyed by URN)."""
        return {step.urn: step.op for step in self.step_list if step.detail != "replaced"}

    @property
    def diagnostics(self) -> list[LogMessage]:
        """The messages the CLI lists after the operation (everything but ephemeral status lines)."""
        return [m for m in self.log if not m.ephemeral]

    def status_lines(self, name: str) -> list[str]:
        """The ephemeral status messages shown on resource `name`'s row while it was worked on, in order."""
        return [m.message for m in self.log if m.ephemeral and m.name == name]

    def diagnostics_for(self, name: str) -> list[LogMessage]:
        """The diagnostics listed under resource `name` ("" for the stack's own)."""
        return [m for m in self.diagnostics if m.name == name]

    def raise_for_error(self) -> EngineResult:
        """Raise `EngineError` if the operation failed; return self otherwise."""
        if not self.success:
            raise EngineError(self)
        return self
