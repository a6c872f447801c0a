"""The in-process way to serve the simulator: an httpx transport for both `httpx.Client` and
`httpx.AsyncClient`.

No socket is opened. Faults that need a socket are emulated as httpx would report them: a reset raises
`httpx.RemoteProtocolError`, latency sleeps (asyncio-friendly in the async path), a trickle yields the body in
chunks with pauses, an answer that never comes waits for the request's read timeout and raises
`httpx.ReadTimeout`, a cut sends half the body and raises `httpx.RemoteProtocolError`, a huge body is streamed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpx

from .faults import Fault
from .wire import Handler, Outcome, Request

__all__ = ["SimTransport"]


def _request(request: httpx.Request) -> Request:
    return Request(
        method=request.method,
        path=request.url.path,
        query=request.url.query.decode("ascii", "replace"),
        headers={k.lower(): v for k, v in request.headers.items()},
    )


class _Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent in chunks with a pause between them, optionally broken off after `cut_after` bytes."""

    def __init__(
        self, chunks: Iterable[bytes], pause: float = 0.0, cut_after: int | None = None, request: Any = None
    ) -> None:
        self._chunks = chunks
        self._pause = pause
        self._cut_after = cut_after
        self._request = request

    def _pieces(self) -> Iterator[bytes]:
        sent = 0
        for chunk in self._chunks:
            if self._cut_after is not None and sent + len(chunk) >= self._cut_after:
                yield chunk[: self._cut_after - sent]
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body", request=self._request
                )
            sent += len(chunk)
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self._pieces()):
            if i and self._pause:
                time.sleep(self._pause)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self._pieces()):
            if i and self._pause:
                await asyncio.sleep(self._pause)
            yield chunk


def _read_timeout(request: httpx.Request) -> float:
    timeouts = request.extensions.get("timeout") or {}
    value = timeouts.get("read")
    return float(value) if value is not None else 5.0


def _stall(fault: Fault) -> float:
    """How long a request meeting a hang or a header trickle waits for its answer (a trickle's headers take about a
    thousand pauses)."""
    return fault.seconds if fault.kind == "hang" else fault.seconds * 1000


def _response(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    fault = outcome.fault
    if fault is not None and fault.kind == "reset":
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    headers = dict(outcome.headers)
    if outcome.send_length():
        headers["Content-Length"] = str(outcome.length())
    if fault is not None and fault.kind == "trickle":
        chunks = [outcome.body[i : i + fault.chunk_size] for i in range(0, len(outcome.body), fault.chunk_size)]
        stream = _Stream(chunks, fault.seconds)
        return httpx.Response(outcome.status, headers=headers, stream=stream, request=request)
    if fault is not None and fault.kind == "cut":
        stream = _Stream([outcome.body], cut_after=len(outcome.body) // 2, request=request)
        return httpx.Response(outcome.status, headers=headers, stream=stream, request=request)
    if outcome.huge:
        return httpx.Response(outcome.status, headers=headers, stream=_Stream(outcome.chunks()), request=request)
    extensions = {"reason_phrase": outcome.reason.encode("latin-1")} if outcome.reason else None
    return httpx.Response(outcome.status, headers=headers, content=outcome.body, request=request, extensions=extensions)


class SimTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request from the simulator, whatever the host in the URL."""

    def __init__(self, simulator: Handler) -> None:
        self._simulator = simulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        outcome = self._simulator.handle(_request(request))
        if outcome.fault is not None and outcome.fault.kind == "latency":
            time.sleep(outcome.fault.seconds)
        if outcome.fault is not None and outcome.fault.kind in ("hang", "header_trickle"):
            time.sleep(min(_stall(outcome.fault), _read_timeout(request)))
            raise httpx.ReadTimeout("timed out waiting for the response", request=request)
        return _response(outcome, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        outcome = self._simulator.handle(_request(request))
        if outcome.fault is not None and outcome.fault.kind == "latency":
            await asyncio.sleep(outcome.fault.seconds)
        if outcome.fault is not None and outcome.fault.kind in ("hang", "header_trickle"):
            await asyncio.sleep(min(_stall(outcome.fault), _read_timeout(request)))
            raise httpx.ReadTimeout("timed out waiting for the response", request=request)
        return _response(outcome, request)
