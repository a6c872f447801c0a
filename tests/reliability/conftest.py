"""The reliability suite's lab: one simulated org on one loopback server for the whole session, the canary token,
and a fresh component and install per case, so cases run concurrently without seeing each other's faults (each
fault is injected for the paths of its own case only).

Each table (fault matrix, hostile input, spec fuzzing, canary) counts its cases with `tests.conftest.tally`; the run
ends with a line per table saying how many cases ran and how many went wrong.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pulumi_nuon.testing.simulator import Component, Install, SimServer, Simulator, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID


@dataclass(frozen=True)
class Ids:
    """One case's own corner of the org: a component with three releases, an install with an active deploy."""

    component: str
    install: str
    deploy: str


class Lab:
    """The shared org, served. ``case()`` makes a fresh component and install for one case."""

    def __init__(self, sim: Simulator, server: SimServer, closed: socket.socket) -> None:
        self.sim = sim
        self.server = server
        self._closed = closed
        self._lock = threading.Lock()
        self._count = itertools.count()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def refused_url(self) -> str:
        """An http://127.0.0.1 URL where nothing listens (connection refused).

        Its port stays bound, never listening, for the session: a port merely found free and let go can be taken by
        a server another test worker starts a moment later, and the "refused" case would then be answered."""
        return f"http://127.0.0.1:{self._closed.getsockname()[1]}"

    @property
    def env(self) -> dict[str, str]:
        return {"NUON_API_URL": self.url, "NUON_API_TOKEN": CANARY_TOKEN, "NUON_ORG_ID": ORG_ID}

    def case(self, *, timeline: Timeline | None = None, releases: int = 2) -> Ids:
        with self._lock:
            n = next(self._count)
            component: Component = self.sim.add_component(f"app-{n}")
            install: Install = self.sim.add_install(f"install-{n}", components=[component])
            if releases:
                self.sim.add_releases(component, releases, installs=[])
            deploy = self.sim.trigger_deploy(install, component, timeline=timeline or Timeline.constant("active"))
            return Ids(component.id, install.id, deploy.id)

    def requests(self, ids: Ids) -> int:
        return sum(1 for r in self.sim.log.records if ids.component in r.path)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=12)
    with sim.serve() as server, socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield Lab(sim, server, closed)
