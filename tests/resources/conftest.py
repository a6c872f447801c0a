"""The shared org over loopback and a LocalEngine whose stack config points at it (the token is the canary)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from nuon_localengine import LocalEngine
from tests.conftest import Org, new_org


@dataclass
class Env(Org):
    """The shared org, served, with LocalEngines for inline programs; `config` is the stack config they get."""

    config: dict[str, Any] = field(default_factory=dict)

    def engine(self, program: Callable[[], Any], **config: Any) -> LocalEngine:
        merged = {**self.config, **{f"test:{k}": v for k, v in config.items()}}
        return LocalEngine(program, project="test", stack="dev", config=merged)


@pytest.fixture
def env() -> Iterator[Env]:
    org = new_org()
    for served in Env(org.sim, org.app, org.prod, org.staging).served():
        served.config.update(served.nuon_config())
        yield served
