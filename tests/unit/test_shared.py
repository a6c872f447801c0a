"""The process's SSL context and the clients the data-source functions share (pulumi_nuon.api.shared)."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import pulumi_nuon as nuon
from pulumi_nuon.api import client as core_client
from pulumi_nuon.api import shared
from pulumi_nuon.api.client import AsyncNuonClient, NuonClient, ssl_context
from pulumi_nuon.core.settings import Settings
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, new_org


def settings(n: int = 0) -> Settings:
    return Settings(api_url=f"http://127.0.0.{n + 1}:9", org_id=ORG_ID, api_token=CANARY_TOKEN)


@pytest.fixture(autouse=True)
def _fresh_shared_clients() -> Iterator[None]:
    shared.close_sync_clients()
    yield
    shared.close_sync_clients()


def closed(client: NuonClient | AsyncNuonClient) -> bool:
    return client._http.is_closed


def test_one_ssl_context_per_process_built_once_whatever_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core_client, "_SSL_CONTEXTS", {})
    with ThreadPoolExecutor(8) as pool:
        contexts = list(pool.map(lambda _: ssl_context(), range(32)))
    assert all(c is contexts[0] for c in contexts) and contexts[0].verify_mode is ssl.CERT_REQUIRED
    plain = ssl_context(verify=False)
    assert plain is ssl_context(verify=False) and plain.verify_mode is ssl.CERT_NONE and plain is not contexts[0]


def test_https_clients_share_the_process_context() -> None:
    def https() -> NuonClient:
        return NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url="https://api.nuon.co")

    with https() as a, https() as b:
        pools = [c._http._transport._pool for c in (a, b)]  # type: ignore[attr-defined]
        assert pools[0]._ssl_context is pools[1]._ssl_context is ssl_context()


def test_reads_with_the_same_settings_share_one_sync_client() -> None:
    with shared.sync_client(settings()) as a, shared.sync_client(settings()) as b:
        assert a is b
    with shared.sync_client(settings()) as c, shared.sync_client(settings(1)) as d:
        assert c is a and d is not a and d.api_url == "http://127.0.0.2:9"
    assert not closed(a) and not closed(d)


def test_beyond_the_limit_the_least_recently_used_idle_client_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared.C, "MAX_SHARED_CLIENTS", 2)
    clients = []
    for n in (0, 1, 0, 2):  # 1 is now the least recently used
        with shared.sync_client(settings(n)) as client:
            clients.append(client)
    assert [closed(c) for c in clients] == [False, True, False, False]


def test_a_client_retired_while_a_read_uses_it_is_closed_when_that_read_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared.C, "MAX_SHARED_CLIENTS", 1)
    with shared.sync_client(settings(0)) as busy:
        with shared.sync_client(settings(1)):
            pass
        assert not closed(busy)  # retired, but a read is still using it
        shared.close_sync_clients()
        assert not closed(busy)
    assert closed(busy)


def test_the_plain_functions_reuse_one_client_and_its_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[NuonClient] = []

    class Counted(NuonClient):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(shared, "NuonClient", Counted)
    for org in new_org(releases=2).served():
        _env(org, monkeypatch)
        org.sim.trigger_deploy(org.prod, org.app)
        for _ in range(3):
            assert nuon.get_latest_deploy(org.prod.id, org.app.id).found
        assert len(nuon.get_component_releases(org.app.id).releases) == 2
        assert len(made) == 1 and len(org.sim.log) == 4
        monkeypatch.setenv("NUON_REQUEST_TIMEOUT", "7")  # other settings: another client
        assert nuon.get_latest_deploy(org.prod.id, org.app.id).found and len(made) == 2
        assert made[1].request_timeout == 7


def test_concurrent_output_reads_share_the_loops_client_and_the_last_one_closes_it() -> None:
    async def reads() -> tuple[AsyncNuonClient, AsyncNuonClient, AsyncNuonClient]:
        async with shared.async_client(settings()) as a:
            async with shared.async_client(settings()) as b:
                assert a is b
            assert not closed(a)
        assert closed(a)
        async with shared.async_client(settings()) as c:
            pass
        return a, b, c

    a, _, c = asyncio.run(reads())
    assert c is not a and closed(c)


def test_each_event_loop_has_its_own_async_client() -> None:
    both_lent = threading.Barrier(2)

    async def lend() -> AsyncNuonClient:
        async with shared.async_client(settings()) as client:
            await asyncio.to_thread(both_lent.wait, 5)  # both loops hold a client at once
            return client

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: asyncio.run(lend()), range(2))
    assert first is not second and closed(first) and closed(second)


def _env(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in org.env.items():
        monkeypatch.setenv(name, value)
