"""The request log: what reached the simulator and how it answered, for tests to assert on.

Records keep the method, path, query, route, whether an `Authorization` header was present and valid (never
the token itself), the org header, a few harmless headers, the status (None when the connection was reset),
the fault acted out, and the simulated time. The log is thread-safe: the socket server answers from many
threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs

from .faults import FaultKind, Route

__all__ = ["AuthState", "RequestLog", "RequestRecord"]

AuthState = Literal["missing", "invalid", "valid"]
# Headers worth asserting on. Authorization is deliberately absent: only its state is kept.
_LOGGED_HEADERS = ("accept", "accept-encoding", "content-type", "user-agent", "x-nuon-org-id")


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str
    route: Route
    auth: AuthState
    org_id: str | None
    status: int | None
    fault: FaultKind | None
    sim_time: float
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, str]:
        """The query as a dict (first value of each name)."""
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}


class RequestLog:
    """An append-only, clearable, thread-safe list of `RequestRecord`s."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        """A snapshot copy of every record, oldest first."""
        with self._lock:
            return list(self._records)

    def for_route(self, route: Route) -> list[RequestRecord]:
        return [r for r in self.records if r.route == route]

    def count(self, route: Route | None = None) -> int:
        return len(self.records if route is None else self.for_route(route))

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records)

    def __getitem__(self, index: int) -> RequestRecord:
        return self.records[index]


def logged_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: headers[k] for k in _LOGGED_HEADERS if k in headers}
