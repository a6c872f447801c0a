"""The values passed between the simulator's core and the two ways of serving it.

The core turns a `Request` into an `Outcome` (status, headers, body and the fault to act out). The
in-process httpx transport and the socket server each deliver an `Outcome` in their own way, so Nuon's
semantics live in one place.
"""

from __future__ import annotations

import json
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

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Outcome:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": _JSON, **(headers or {})})


class Handler(Protocol):
    def handle(self, request: Request) -> Outcome: ...
