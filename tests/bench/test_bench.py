"""Benchmarks (``make bench``; excluded from ``make test``). Each prints a ratio against a baseline measured in the
same run, because absolute times on shared machines are noise.

- parse: typed models from a multi-megabyte releases page vs ``json.loads`` of the same bytes;
- list: ``NuonClient.list_component_releases`` over loopback vs a bare httpx loop making the same requests;
- fleet: ``wait_for_deploys`` confirming 32 finished deploys at 50 ms per request, 8 requests in flight vs 1.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable

import httpx
import pytest

from pulumi_nuon import AsyncNuonClient, NuonClient
from pulumi_nuon.core.models import parse_releases
from pulumi_nuon.core.wait import WaitOptions, wait_for_deploys
from pulumi_nuon.testing.simulator import Fault, Simulator, Timeline

pytestmark = pytest.mark.benchmark


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, ours: float, baseline: float, what: str) -> float:
    ratio = ours / baseline
    print(f"\n[bench] {name}: ours {ours * 1000:.1f} ms, baseline {baseline * 1000:.1f} ms, ratio {ratio:.2f}x")
    print(f"[bench]   ({what})")
    return ratio


def test_bench_parse_a_large_releases_page() -> None:
    sim = Simulator()
    app = sim.add_component("api")
    installs = [sim.add_install(f"customer-{i}", components=[app]) for i in range(10)]
    sim.add_releases(app, 100, installs=installs)
    body = json.dumps(sim.releases(app)).encode()
    assert len(body) > 1_000_000, len(body)
    ours = best_of(7, lambda: parse_releases(body))
    baseline = best_of(7, lambda: json.loads(body))
    ratio = report("parse", ours, baseline, f"{len(body) / 1e6:.1f} MB page, typed models vs json.loads")
    assert ratio < 20


def test_bench_list_releases_over_loopback() -> None:
    sim = Simulator(token="bench")
    app = sim.add_component("api")
    sim.add_releases(app, 1000, installs=[])
    with sim.serve() as server:
        headers = {"Authorization": "Bearer bench", "X-Nuon-Org-ID": server.org_id}

        def bare() -> None:
            with httpx.Client(base_url=server.url, headers=headers) as http:
                for offset in range(0, 1000, 100):
                    http.get(f"/v1/components/{app.id}/releases", params={"offset": offset, "limit": 100}).json()

        def ours() -> None:
            with NuonClient(api_token="bench", org_id=server.org_id, api_url=server.url) as client:
                assert sum(1 for _ in client.list_component_releases(app.id)) == 1000

        ratio = report("list", best_of(5, ours), best_of(5, bare), "1,000 releases in 10 pages vs bare httpx + json")
    assert ratio < 5


def test_bench_fleet_wait_concurrency() -> None:
    def run(concurrency: int) -> float:
        sim = Simulator(token="bench")
        app = sim.add_component("api")
        fleet = [sim.add_install(f"customer-{i}", components=[app]) for i in range(32)]
        for install in fleet:
            sim.trigger_deploy(install, app, timeline=Timeline.constant("active"))
        sim.inject(Fault.latency(0.05), route="latest_deploy")
        with sim.serve() as server:

            async def wait() -> None:
                async with AsyncNuonClient(api_token="bench", org_id=server.org_id, api_url=server.url) as client:
                    options = WaitOptions(poll_interval_seconds=0.01, timeout_seconds=120, max_concurrency=concurrency)
                    await wait_for_deploys(app.id, [i.id for i in fleet], options=options, client=client)

            started = time.perf_counter()
            asyncio.run(wait())
            return time.perf_counter() - started

    ratio = report("fleet", run(8), run(1), "32 finished deploys, 50 ms per request: 8 requests in flight vs 1")
    assert ratio < 0.4
