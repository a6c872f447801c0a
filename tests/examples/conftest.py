"""Fixtures for the example tests: the shared org on loopback and LocalEngines for the example directories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nuon_localengine import LocalEngine
from tests.conftest import Org, new_org

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FAST = {"pollIntervalSeconds": "0.05", "timeoutSeconds": "20"}


@pytest.fixture
def org() -> Iterator[Org]:
    """Three past releases of web-app on no install; `org.release(...)` adds one being deployed."""
    org = new_org(seed=5, releases=3)
    # Each poll of the latest deploy moves simulated time on by 10 s: a gate sees every status in a few polls.
    org.sim.auto_advance(10, route="latest_deploy")
    yield from org.served()


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
