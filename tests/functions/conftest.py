"""The functions' world: the shared org, served, with three releases deployed to acme-prod (now `executing`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, new_org


@dataclass
class World(Org):
    """The shared org, served: three releases deployed to acme-prod (now `executing`), nothing on globex-staging;
    `config` is the stack config (the token in plain text, as `set_all_config` takes it)."""

    config: dict[str, str] = field(default_factory=dict)

    @property
    def component(self) -> str:
        return self.app.id

    @property
    def install(self) -> str:
        return self.prod.id

    @property
    def empty_install(self) -> str:
        return self.staging.id


@pytest.fixture
def world() -> Iterator[World]:
    org = new_org()
    org.sim.add_releases(org.app, 3, installs=[org.prod])
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    for served in World(org.sim, org.app, org.prod, org.staging).served():
        served.config.update({"nuon:apiUrl": served.url, "nuon:apiToken": CANARY_TOKEN, "nuon:orgId": ORG_ID})
        yield served
