"""Fixtures for the simulator's tests: a small org on a ManualClock, an in-process client, a real server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from pulumi_nuon.testing.simulator import Component, Install, ManualClock, SimServer, Simulator

CANARY = "canary-sim-token-5d1f0b9e-do-not-log"
ORG = "org-sim-tests"


@dataclass
class Org:
    sim: Simulator
    clock: ManualClock
    app: Component
    prod: Install
    staging: Install


@pytest.fixture
def org() -> Org:
    """One component on two installs, no releases or deploys yet, time standing still at 0."""
    clock = ManualClock()
    sim = Simulator(token=CANARY, org_id=ORG, seed=7, clock=clock)
    app = sim.add_component("web-app")
    prod = sim.add_install("acme-prod", components=[app])
    staging = sim.add_install("globex-staging", components=[app])
    return Org(sim, clock, app, prod, staging)


def auth_headers(token: str = CANARY, org_id: str = ORG) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Nuon-Org-ID": org_id}


@pytest.fixture
def client(org: Org) -> Iterator[httpx.Client]:
    """A plain httpx client wired to the simulator in process, with valid credentials."""
    with httpx.Client(transport=org.sim.transport(), base_url="http://nuon.sim", headers=auth_headers()) as c:
        yield c


@pytest.fixture
def server(org: Org) -> Iterator[SimServer]:
    with org.sim.serve() as running:
        yield running


@pytest.fixture
def http(server: SimServer) -> Iterator[httpx.Client]:
    """A plain httpx client over real loopback sockets to `server`, with valid credentials."""
    # plain http on loopback: verify=False only skips loading CA certificates (~0.1 s per client)
    with httpx.Client(base_url=server.url, headers=auth_headers(), timeout=5.0, verify=False) as c:
        yield c


def releases_path(component_id: str) -> str:
    return f"/v1/components/{component_id}/releases"


def latest_path(install_id: str, component_id: str) -> str:
    return f"/v1/installs/{install_id}/components/{component_id}/deploys/latest"
