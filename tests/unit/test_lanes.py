"""The async client's connections: one keep-alive connection per lane, at most ``MAX_CONCURRENCY`` lanes.

A real server on 127.0.0.1 (asyncio, HTTP/1.1 keep-alive) counts the connections the client opens and answers every
read with Nuon's JSON 404 ("no deploy yet") after a short delay, so requests overlap.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pulumi_nuon import AsyncNuonClient
from pulumi_nuon.core import constants as C
from tests.conftest import CANARY_TOKEN, CMP1, ORG_ID, nuon_id

_BODY = json.dumps({"error": "not found", "description": "no deploy"}).encode()
_ANSWER = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(_BODY) + _BODY


class _Server:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.connections = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.requests += 1
                await asyncio.sleep(self.delay)
                writer.write(_ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def _served(delay: float) -> AsyncIterator[tuple[_Server, AsyncNuonClient]]:
    server = _Server(delay)
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        async with AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=f"http://127.0.0.1:{port}") as c:
            yield server, c
    finally:
        listening.close()
        await listening.wait_closed()


async def _reads(client: AsyncNuonClient, count: int) -> list[object]:
    installs = [nuon_id("inl", i) for i in range(count)]
    return list(await asyncio.gather(*(client.get_latest_deploy(i, CMP1) for i in installs)))


def test_concurrent_reads_share_at_most_max_concurrency_connections_and_keep_them() -> None:
    async def scenario() -> tuple[int, int, int]:
        async with _served(0.02) as (server, client):
            first = await _reads(client, 2 * C.MAX_CONCURRENCY)
            opened = server.connections
            second = await _reads(client, 2 * C.MAX_CONCURRENCY)
            assert first == second == [None] * (2 * C.MAX_CONCURRENCY)
            return opened, server.connections, server.requests

    opened, after_second, requests = asyncio.run(scenario())
    assert (opened, after_second, requests) == (C.MAX_CONCURRENCY, C.MAX_CONCURRENCY, 4 * C.MAX_CONCURRENCY)


def test_a_read_cancelled_while_waiting_for_a_connection_leaves_none_taken() -> None:
    async def scenario() -> tuple[int, int]:
        async with _served(0.2) as (server, client):
            busy = asyncio.ensure_future(_reads(client, C.MAX_CONCURRENCY))
            await asyncio.sleep(0.05)  # every lane is in use now
            queued = asyncio.ensure_future(client.get_latest_deploy(nuon_id("inl", 999), CMP1))
            await asyncio.sleep(0.01)
            queued.cancel()
            await asyncio.gather(busy, queued, return_exceptions=True)
            assert queued.cancelled()
            assert await _reads(client, C.MAX_CONCURRENCY) == [None] * C.MAX_CONCURRENCY
            lanes = client._http._transport  # type: ignore[attr-defined]
            return server.connections, server.requests, len(lanes._free)

    every = C.MAX_CONCURRENCY
    assert asyncio.run(scenario()) == (every, 2 * every, every)  # every lane free again, none lost to the cancel


def test_a_read_cancelled_mid_request_closes_its_lane_and_the_next_reads_get_fresh_ones() -> None:
    """A deadline that cancels a read mid-request may leave its pool counting the connection as busy; a lane given
    back then would make the next read on it wait for its pool timeout."""

    async def scenario() -> tuple[list[object], int, int, bool]:
        async with _served(0.2) as (server, client):
            lanes = client._http._transport  # type: ignore[attr-defined]
            cut = asyncio.ensure_future(client.get_latest_deploy(nuon_id("inl", 999), CMP1))
            await asyncio.sleep(0.05)  # the request is sent; its answer is 0.15 s away
            (interrupted,) = lanes._lanes
            cut.cancel()
            await asyncio.gather(cut, return_exceptions=True)
            reads = await asyncio.wait_for(_reads(client, C.MAX_CONCURRENCY), 5)
            return reads, server.connections, len(lanes._lanes), interrupted in lanes._lanes

    reads, connections, lanes, reused = asyncio.run(scenario())
    assert reads == [None] * C.MAX_CONCURRENCY
    assert (connections, lanes, reused) == (C.MAX_CONCURRENCY + 1, C.MAX_CONCURRENCY, False)
