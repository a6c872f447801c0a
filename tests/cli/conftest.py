"""Fixtures for the CLI tests: a small simulated org served on 127.0.0.1, its settings in the environment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pulumi_nuon.testing.simulator import Component, Install, SimServer, Simulator
from tests.conftest import CANARY_TOKEN, ORG_ID


@dataclass
class Org:
    sim: Simulator
    server: SimServer
    app: Component
    prod: Install
    staging: Install

    @property
    def env(self) -> dict[str, str]:
        return self.server.env


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    """One component with two releases on two installs (time stands still unless a test advances it); the
    simulator's URL, org id and token are in NUON_API_URL, NUON_ORG_ID and NUON_API_TOKEN."""
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=11)
    app = sim.add_component("web-app")
    prod = sim.add_install("acme-prod", components=[app])
    staging = sim.add_install("globex-staging", components=[app])
    sim.add_releases(app, 2)
    with sim.serve() as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        yield Org(sim, server, app, prod, staging)
