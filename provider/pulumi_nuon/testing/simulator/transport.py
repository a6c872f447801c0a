"""The in-process way to serve the simulator: an httpx transport for both `httpx.Client` and
`httpx.AsyncClient`.

No socket is opened. Faults that need a socket are emulated as httpx would report them: a reset raises
`httpx.RemoteProtocolError`, latency sleeps (asyncio-friendly in the async path), a trickle yields the body in
chunks with pauses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx

from .wire import Handler, Outcome, Request

__all__ = ["SimTransport"]


def _request(request: httpx.Request) -> Request:
    return Request(
        method=request.method,
        path=request.url.path,
        query=request.url.query.decode("ascii", "replace"),
        headers={k.lower(): v for k, v in request.headers.items()},
    )


class _TrickleStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, body: bytes, chunk_size: int, pause: float) -> None:
        self._chunks = [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]
        self._pause = pause

    def __iter__(self) -> Iterator[bytes]:
        for i, chunk in enumerate(self._chunks):
            if i:
                time.sleep(self._pause)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self._chunks):
            if i:
                await asyncio.sleep(self._pause)
            yield chunk


def _response(outcome: Outcome, request: httpx.Request) -> httpx.Response:
    fault = outcome.fault
    if fault is not None and fault.kind == "reset":
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    headers = {**outcome.headers, "Content-Length": str(len(outcome.body))}
    if fault is not None and fault.kind == "trickle":
        stream = _TrickleStream(outcome.body, fault.chunk_size, fault.seconds)
        return httpx.Response(outcome.status, headers=headers, stream=stream, request=request)
    return httpx.Response(outcome.status, headers=headers, content=outcome.body, request=request)


class SimTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request from the simulator, whatever the host in the URL."""

    def __init__(self, simulator: Handler) -> None:
        self._simulator = simulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        outcome = self._simulator.handle(_request(request))
        if outcome.fault is not None and outcome.fault.kind == "latency":
            time.sleep(outcome.fault.seconds)
        return _response(outcome, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        outcome = self._simulator.handle(_request(request))
        if outcome.fault is not None and outcome.fault.kind == "latency":
            await asyncio.sleep(outcome.fault.seconds)
        return _response(outcome, request)
