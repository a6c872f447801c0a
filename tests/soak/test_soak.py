"""Soak (``make soak``; deselected from ``make test``): long runs that must hold up and leave nothing behind.

- A fleet gate over 200 installs through 30 simulated minutes of deploys (simulated time runs 60× real time) while
  5 % of requests meet a random fault (5xx, 429, resets, cuts, truncated or gzip-lying bodies): it passes.
- Eight gates in one program (twice the dynamic-provider host's four worker threads) all finish.
- Threads, open file descriptors and child processes are counted before and after: none leaked.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest

import pulumi_nuon as nuon
from nuon_localengine import LocalEngine, Secret
from pulumi_nuon.gate.wait import WaitOptions, wait_for_deploys
from pulumi_nuon.testing.simulator import Fault, Simulator, Timeline, WallClock
from tests.conftest import CANARY_TOKEN, ORG_ID

pytestmark = pytest.mark.soak

FLEET = 200
SIMULATED_MINUTES = 30
SPEED = 60.0
FAULT_RATE = 0.05


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == me:
                found.add(int(entry.name))
    return found


def _resources() -> tuple[int, int, set[int]]:
    gc.collect()
    return threading.active_count(), len(os.listdir("/proc/self/fd")), _children()


@pytest.fixture
def no_leaks() -> Iterator[None]:
    threads, fds, children = _resources()
    yield
    deadline = time.monotonic() + 10  # let closed hosts and server threads finish going away
    while time.monotonic() < deadline:
        now = _resources()
        if now[0] <= threads and now[1] <= fds and not (now[2] - children):
            break
        time.sleep(0.2)
    after_threads, after_fds, after_children = _resources()
    print(
        f"\nsoak resources: threads {threads} -> {after_threads}, fds {fds} -> {after_fds}, "
        f"child processes {len(children)} -> {len(after_children)}"
    )
    assert (after_threads - threads, after_fds - fds, sorted(after_children - children)) == (0, 0, [])


def _faults(sim: Simulator) -> None:
    kinds = [
        Fault.http_status(503),
        Fault.http_status(502),
        Fault.rate_limit(1),
        Fault.reset(),
        Fault.cut(),
        Fault.truncated_json(),
        Fault.gzip_lie(),
        Fault.html(200),
    ]
    # The first matching rule wins: each rule's share of the requests that reach it keeps the total at 5 %.
    left = 1.0
    for i, fault in enumerate(kinds):
        share = FAULT_RATE / len(kinds)
        sim.inject(fault, route="latest_deploy", probability=min(1.0, share / (left - i * share)))


@pytest.mark.timeout(300)
def test_a_fleet_gate_over_200_installs_passes_30_simulated_minutes_with_5_percent_faults(no_leaks: None) -> None:
    clock = WallClock(speed=SPEED)
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=5, clock=clock)
    app = sim.add_component("fleet-app")
    rng = random.Random(5)
    installs = []
    for i in range(FLEET):
        install = sim.add_install(f"customer-{i:03d}", components=[app])
        # Apply deploys of 8 steps, the slowest taking the whole 30 simulated minutes.
        step = rng.uniform(20, SIMULATED_MINUTES * 60 / 8)
        sim.trigger_deploy(install, app, timeline=Timeline.apply_success(step_seconds=step))
        installs.append(install.id)
    _faults(sim)
    options = WaitOptions(timeout_seconds=SIMULATED_MINUTES * 60 / SPEED + 30, poll_interval_seconds=1.0)
    lines: list[str] = []

    async def run() -> object:
        async with nuon.AsyncNuonClient(
            api_token=CANARY_TOKEN, org_id=ORG_ID, api_url="http://127.0.0.1", transport=sim.transport()
        ) as client:
            return await wait_for_deploys(app.id, installs, options=options, client=client, on_progress=lines.append)

    started = time.monotonic()
    result = asyncio.run(run())
    elapsed = time.monotonic() - started
    faults = sum(1 for r in sim.log.records if r.fault)
    print(
        f"\nsoak fleet: {FLEET} installs passed in {elapsed:.1f}s real ({elapsed * SPEED / 60:.1f} simulated min), "
        f"{len(sim.log)} requests, {faults} faults ({faults / len(sim.log):.1%})"
    )
    assert result.passed  # type: ignore[attr-defined]
    assert clock.now() >= (SIMULATED_MINUTES - 3) * 60
    assert 0.03 <= faults / len(sim.log) <= 0.07


@pytest.mark.timeout(300)
def test_eight_gates_in_one_program_all_finish(no_leaks: None) -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=8)
    gates = []
    for i in range(8):
        app = sim.add_component(f"app-{i}")
        installs = [sim.add_install(f"gate{i}-install{j}", components=[app]) for j in range(3)]
        for install in installs:
            sim.trigger_deploy(install, app, timeline=Timeline.apply_success(step_seconds=2))
        gates.append((app.id, [install.id for install in installs]))
    sim.auto_advance(1)
    sim.inject(Fault.http_status(503), route="latest_deploy", probability=0.05)

    def program() -> None:
        for i, (component, installs) in enumerate(gates):
            gate = nuon.DeployGate(
                f"gate-{i}",
                component_id=component,
                install_ids=installs,
                poll_interval_seconds=0.05,
                timeout_seconds=120,
            )
            pulumi.export(f"gate-{i}", gate.phase)

    with sim.serve() as server:
        config = {"nuon:apiUrl": server.url, "nuon:orgId": ORG_ID, "nuon:apiToken": Secret(CANARY_TOKEN)}
        with LocalEngine(program, project="eight", stack="soak", config=config) as engine:
            result = engine.up()
    assert result.success, result.error
    assert result.outputs == {f"gate-{i}": "succeeded" for i in range(8)}
