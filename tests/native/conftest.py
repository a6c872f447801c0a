"""One `nuon` plugin process for the whole session (start-up costs about half a second), a stand-in for the engine's
`Log` service, and the shared simulated org served on loopback, the plugin configured for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import CANARY_TOKEN, ORG_ID, Org, new_org
from tests.native.plugin import FakeEngine, Plugin, Secret, plugin_env


@pytest.fixture(scope="session")
def engine() -> Iterator[FakeEngine]:
    fake = FakeEngine()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def plugin(engine: FakeEngine) -> Iterator[Plugin]:
    started = Plugin(engine, plugin_env())
    yield started
    started.close()


@pytest.fixture
def org(plugin: Plugin) -> Iterator[Org]:
    """A fresh simulated org, served, with the plugin configured for it (the token is the canary)."""
    for served in new_org().served():
        plugin.configure({"apiUrl": served.url, "orgId": ORG_ID, "apiToken": Secret(CANARY_TOKEN)})
        yield served
