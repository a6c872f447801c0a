"""The values passed between the simulator's core and the two ways of serving it.

The core turns a `_Request` into an `_Outcome` (status, headers, body and the fault to act out). The
in-process httpx transport and the socket server each deliver an `_Outcome` in their own way, so Nuon's
semantics live in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._faults import Fault

__all__: list[str] = []

_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names


@dataclass
class _Outcome:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> _Outcome:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": _JSON, **(headers or {})})


class _Handler(Protocol):
    def _handle(self, request: _Request) -> _Outcome: ...
