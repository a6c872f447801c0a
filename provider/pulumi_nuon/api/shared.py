"""Clients shared between reads, for callers that make many short reads (the data-source functions).

A client costs little to build now that the SSL context is the process's (:func:`~pulumi_nuon.api.client.
ssl_context`), but each new client also opens a new connection: on loopback that is most of a read, over the
internet a TCP and TLS handshake. So:

- :func:`sync_client` lends the process's :class:`~pulumi_nuon.api.client.NuonClient` for those settings (URL,
  org, token, request timeout), one per settings, shared by every thread (an httpx client is thread-safe). At
  most ``MAX_SHARED_CLIENTS`` (:mod:`~pulumi_nuon.core.constants`) are kept: beyond that the least recently used
  is closed, once no read is using it. All are closed at exit.
- :func:`async_client` lends the running event loop's :class:`~pulumi_nuon.api.client.AsyncNuonClient` for those
  settings to the reads in flight on that loop (the ``_output`` forms run concurrently); the last of them to
  finish closes it, so no connection outlives the reads, nor the loop.

Every read keeps its own time limit, retries, redaction and error mapping: a shared client shares only its
connection pool and its (immutable) settings.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pulumi_nuon.api.client import AsyncNuonClient, NuonClient
from pulumi_nuon.core import constants as C
from pulumi_nuon.core.settings import Settings

__all__ = ["async_client", "close_sync_clients", "sync_client"]

Client = TypeVar("Client", NuonClient, AsyncNuonClient)


@dataclass(eq=False)
class _Lease(Generic[Client]):
    """A shared client and how many reads are using it; ``retired`` once it is no longer handed out."""

    client: Client
    users: int = 0
    retired: bool = False


_lock = threading.Lock()
_kept: OrderedDict[Settings, _Lease[NuonClient]] = OrderedDict()  # least recently used first
# The running loop → the clients its reads are using, by settings.
_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Settings, _Lease[AsyncNuonClient]]] = (
    weakref.WeakKeyDictionary()
)


def _arguments(settings: Settings) -> dict[str, Any]:
    # config={}: the settings are resolved already; the explicit values win over the environment.
    return {
        "api_token": settings.api_token,
        "org_id": settings.org_id,
        "api_url": settings.api_url,
        "request_timeout": settings.request_timeout,
        "config": {},
    }


@contextmanager
def sync_client(settings: Settings) -> Iterator[NuonClient]:
    """Lend the shared sync client for ``settings`` to one read (``with sync_client(s) as client: ...``)."""
    unused: list[_Lease[NuonClient]] = []
    with _lock:
        lease = _kept.get(settings)
        if lease is None:
            lease = _kept[settings] = _Lease(NuonClient(**_arguments(settings)))
        _kept.move_to_end(settings)
        lease.users += 1
        while len(_kept) > C.MAX_SHARED_CLIENTS:
            _, old = _kept.popitem(last=False)
            old.retired = True
            if not old.users:
                unused.append(old)
    for old in unused:
        old.client.close()
    try:
        yield lease.client
    finally:
        with _lock:
            lease.users -= 1
            done = lease.retired and not lease.users
        if done:
            lease.client.close()


def close_sync_clients() -> None:
    """Close every shared sync client (at exit; tests call it too). One in use is closed when its read ends."""
    with _lock:
        leases = list(_kept.values())
        _kept.clear()
        for lease in leases:
            lease.retired = True
    for lease in leases:
        if not lease.users:
            lease.client.close()


atexit.register(close_sync_clients)


@asynccontextmanager
async def async_client(settings: Settings) -> AsyncIterator[AsyncNuonClient]:
    """Lend the running loop's async client for ``settings`` to one read; the last read using it closes it."""
    loop = asyncio.get_running_loop()
    with _lock:  # the map is every thread's; a loop's own entry is touched only from that loop
        clients = _by_loop.setdefault(loop, {})
    lease = clients.get(settings)
    if lease is None:
        lease = clients[settings] = _Lease(AsyncNuonClient(**_arguments(settings)))
    lease.users += 1
    try:
        yield lease.client
    finally:
        lease.users -= 1
        if not lease.users:
            if clients.get(settings) is lease:
                del clients[settings]
            await lease.client.aclose()
