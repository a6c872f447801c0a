"""The reliability suite's lab: one simulated org on one loopback server for the whole session, the canary token,
and a fresh component and install per case, so cases run concurrently without seeing each other's faults (each
fault is injected for the paths of its own case only).

The session ends with a summary line per table (fault matrix, hostile input, spec fuzzing, canary): how many cases
ran and how many went wrong.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pulumi_nuon.testing.simulator import Component, Install, SimServer, Simulator, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID

# What every table adds up to; printed at the end of the session.
TALLY: Counter[str] = Counter()
_TALLY_LOCK = threading.Lock()


def tally(table: str, cases: int, wrong: int = 0) -> None:
    with _TALLY_LOCK:
        TALLY[f"{table}:cases"] += cases
        TALLY[f"{table}:wrong"] += wrong


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tables = sorted({key.partition(":")[0] for key in TALLY})
    if not tables:
        return
    terminalreporter.section("reliability")
    for table in tables:
        terminalreporter.write_line(f"{table}: {TALLY[f'{table}:cases']} cases, {TALLY[f'{table}:wrong']} wrong")


@dataclass(frozen=True)
class Ids:
    """One case's own corner of the org: a component with three releases, an install with an active deploy."""

    component: str
    install: str
    deploy: str


class Lab:
    """The shared org, served. ``case()`` makes a fresh component and install for one case."""

    def __init__(self, sim: Simulator, server: SimServer) -> None:
        self.sim = sim
        self.server = server
        self._lock = threading.Lock()
        self._count = itertools.count()

    @property
    def url(self) -> str:
        return self.server.url

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


def closed_port_url() -> str:
    """An http://127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=12)
    with sim.serve() as server:
        yield Lab(sim, server)
