"""Fixtures for the simulator's tests: the shared org on a ManualClock, an in-process client, a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_nuon.testing.simulator import ManualClock, SimServer
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, new_org


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def org(clock: ManualClock) -> Org:
    """web-app on two installs, no releases or deploys yet, time standing still at 0."""
    return new_org(clock=clock)


def auth_headers(token: str = CANARY_TOKEN, org_id: str = ORG_ID) -> dict[str, str]:
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
