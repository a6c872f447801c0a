"""A simulator over loopback and a LocalEngine whose stack config points at it (the token is the canary)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pulumi_nuon.testing.engine import LocalEngine, Secret
from pulumi_nuon.testing.simulator import Component, Install, SimServer, Simulator
from tests.conftest import CANARY_TOKEN

ORG = "org-resource-tests"


@dataclass
class Env:
    sim: Simulator
    server: SimServer
    app: Component
    prod: Install
    config: dict[str, Any]

    def engine(self, program: Callable[[], Any], **config: Any) -> LocalEngine:
        merged = {**self.config, **{f"test:{k}": v for k, v in config.items()}}
        return LocalEngine(program, project="test", stack="dev", config=merged)


@pytest.fixture
def env() -> Iterator[Env]:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG)
    app = sim.add_component("api")
    prod = sim.add_install("prod", components=[app])
    with sim.serve() as server:
        config = {"nuon:apiUrl": server.url, "nuon:orgId": ORG, "nuon:apiToken": Secret(CANARY_TOKEN)}
        yield Env(sim, server, app, prod, config)
