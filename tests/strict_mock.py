"""A strict ``httpx.MockTransport`` for unit tests: every request must be expected, every expectation used.

Expectations are consumed in order. Each is (method, path, query subset or None, response or exception).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Expect:
    method: str
    path: str
    reply: httpx.Response | Exception
    query: Mapping[str, str] | None = None


@dataclass
class StrictTransport:
    expectations: list[Expect]
    requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._pending = list(self.expectations)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self._pending, f"unexpected request: {request.method} {request.url}"
        exp = self._pending.pop(0)
        assert (request.method, request.url.path) == (exp.method, exp.path), (
            f"expected {exp.method} {exp.path}, got {request.method} {request.url.path}"
        )
        if exp.query is not None:
            got = dict(request.url.params)
            assert got == dict(exp.query), f"query {got} != expected {dict(exp.query)}"
        if isinstance(exp.reply, Exception):
            raise exp.reply
        return exp.reply

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def sync(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def asynchronous(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.ahandle)

    def assert_all_used(self) -> None:
        assert not self._pending, f"{len(self._pending)} expected request(s) never made: {self._pending}"


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
