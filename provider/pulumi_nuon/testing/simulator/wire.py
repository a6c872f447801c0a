"""The values passed between the simulator's core and the two ways of serving it.

The core turns a `Request` into an `Outcome` (status, headers, body and the fault to act out). The
in-process httpx transport and the socket server each deliver an `Outcome` in their own way, so Nuon's
semantics live in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .faults import Fault

__all__: list[str] = []

_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names


@dataclass
class Outcome:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None
    reason: str | None = None
    """The reason phrase, when not the standard one for the status."""

    @property
    def huge(self) -> bool:
        return self.fault is not None and self.fault.kind == "huge"

    def length(self) -> int:
        """The body's length as sent (a huge fault's body is generated while sending)."""
        return self.fault.size if self.fault is not None and self.fault.kind == "huge" else len(self.body)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The body in chunks; a huge fault's filler is generated here rather than held in memory."""
        if self.fault is not None and self.fault.kind == "huge":
            filler = (b'{"filler": "' + b"x" * size)[:size]
            sent = 0
            while sent < self.fault.size:
                chunk = filler[: self.fault.size - sent]
                sent += len(chunk)
                yield chunk
            return
        for i in range(0, len(self.body), size):
            yield self.body[i : i + size]

    def send_length(self) -> bool:
        return not (self.fault is not None and self.fault.kind == "huge" and not self.fault.declared)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Outcome:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": _JSON, **(headers or {})})


class Handler(Protocol):
    def handle(self, request: Request) -> Outcome: ...
