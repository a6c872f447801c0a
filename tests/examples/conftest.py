"""Fixtures for the example tests: a simulated org on loopback and LocalEngines for the example directories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_nuon.testing.engine import LocalEngine, Secret
from pulumi_nuon.testing.simulator import Component, Install, Release, SimServer, Simulator, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FAST = {"pollIntervalSeconds": "0.05", "timeoutSeconds": "20"}


@dataclass
class Org:
    """Three past releases of web-app on two installs; a fourth release (`rollout`) not yet deployed anywhere."""

    sim: Simulator
    server: SimServer
    app: Component
    prod: Install
    staging: Install

    def release(self, *installs: Install, timeline: Timeline | None = None) -> Release:
        """A new release to `installs`, its deploys running `timeline` (default: a successful apply)."""
        return self.sim.add_release(
            self.app, installs=list(installs), timeline=timeline or Timeline.apply_success(step_seconds=5)
        )

    def nuon_config(self) -> dict[str, Any]:
        return {
            "nuon:apiUrl": self.server.url,
            "nuon:orgId": self.server.org_id,
            "nuon:apiToken": Secret(self.server.token),
        }


@pytest.fixture
def org() -> Iterator[Org]:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=5)
    app = sim.add_component("web-app")
    prod = sim.add_install("acme-prod", components=[app])
    staging = sim.add_install("globex-staging", components=[app])
    sim.add_releases(app, 3)
    # Each poll of the latest deploy moves simulated time on by 10 s: a gate sees every status in a few polls.
    sim.auto_advance(10, route="latest_deploy")
    with sim.serve() as server:
        yield Org(sim, server, app, prod, staging)


@pytest.fixture
def example() -> Iterator[Callable[..., LocalEngine]]:
    """`example("gated-rollout", config={...})`: a LocalEngine for that directory (project named after it,
    stack "test"), closed when the test ends."""
    engines: list[LocalEngine] = []

    def make(name: str, *, config: dict[str, Any], stack: str = "test", **options: Any) -> LocalEngine:
        engine = LocalEngine(EXAMPLES / name, project=name, stack=stack, config=config, **options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
