"""The engine's state and its vocabulary: a resource's record, a step, URNs, `customTimeouts` durations, the way
the CLI words a resource's failure, and the order deletes run in."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from google.protobuf import struct_pb2

from .values import to_json

__all__ = [
    "STACK_REFERENCE_TYPE",
    "STACK_TYPE",
    "ResourceState",
    "Step",
    "delete_order",
    "diagnostic_text",
    "make_urn",
    "parse_duration",
]

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


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

    def to_json(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The JSON-able form `LocalEngine.state` shows (secrets redacted) and `export_stack` gives (with
        `show_secrets`, secrets as plaintext), `deployment.resource_state` reads back."""
        out: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "id": self.id,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "external": self.external,
            "inputs": to_json(self.inputs, show_secrets=show_secrets),
            "outputs": to_json(self.outputs, show_secrets=show_secrets),
        }
        if self.provider:
            out["provider"] = self.provider
        if self.timeouts:
            out["customTimeouts"] = dict(self.timeouts)
        return out


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of an operation, as `EngineResult.step_list` reports it (`StepRecord`)."""

    urn: str
    type: str
    name: str
    op: str
    detail: str = ""


def diagnostic_text(type_: str, name: str, message: str, severity: str = "error") -> str:
    """A diagnostic as the CLI lists it under its resource: `<type> (<name>):` then `    error: <message>`."""
    indented = message.rstrip().replace("\n", "\n    ")
    return f"{type_} ({name}):\n    {severity}: {indented}"


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
