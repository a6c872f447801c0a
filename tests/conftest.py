"""Shared fixtures: a strict mock transport, credentials that tests can recognise anywhere (a canary), the one
simulated org every test folder builds its fixtures from (`new_org`), and the case counts the reliability tables
print at the end of a run (`tally`)."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import hypothesis  # noqa: F401  (see below)
import pytest

from pulumi_nuon.testing.simulator import Clock, Component, Install, Release, SimServer, Simulator, Timeline
from tests.strict_mock import Expect, StrictTransport

DATA = Path(__file__).parent / "data"
CANARY_TOKEN = "canary-token-3f9c1e7a-never-print-me"
ORG_ID = "orgtest000000000000000000"


def nuon_id(prefix: str, n: int = 1) -> str:
    """A Nuon-shaped id for tests that need no simulator: `nuon_id("inl", 2)` is `inl` + 23 digits ending in 2."""
    return f"{prefix}{n:023d}"


def token_shown(text: str, token: str = CANARY_TOKEN) -> bool:
    """Whether a reader could recover ``token`` (or either half of it) from ``text``: as it is, or after undoing
    HTML, percent and backslash escapes, dropping whitespace, NULs and invisible characters, and reading ``+`` and
    Unicode dashes as ``-``. Written apart from the package's redactor, so the canary does not grade its own
    homework; base64 and the other echoed forms are checked as the simulator writes them."""
    import html
    import re
    import urllib.parse

    plain = html.unescape(urllib.parse.unquote(html.unescape(text)))
    plain = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), plain)
    plain = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), plain)
    plain = re.sub(r"\\[rnt0]", "", plain)
    plain = re.sub(r"[\s\x00\u00ad\u200b-\u200f\u2060\ufeff]", "", plain)
    plain = re.sub(r"[+\u2010-\u2014\u2212]", "-", plain)
    half = len(token) // 2
    return any(part in plain for part in (token, token[:half], token[half:]))


CMP1, CMP2 = nuon_id("cmp", 1), nuon_id("cmp", 2)
INL1, INL2 = nuon_id("inl", 1), nuon_id("inl", 2)
BLD1, BLD2 = nuon_id("bld", 1), nuon_id("bld", 2)


_O = TypeVar("_O", bound="Org")


@dataclass
class Org:
    """A simulated Nuon org: component `web-app` on installs `acme-prod` and `globex-staging`, the canary token.

    `server` is set while the org is served on 127.0.0.1 (`with org.served(): ...`, or a fixture that serves it).
    """

    sim: Simulator
    app: Component
    prod: Install
    staging: Install
    server: SimServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "the org is not being served"
        return self.server.url

    @property
    def env(self) -> dict[str, str]:
        """NUON_API_URL, NUON_ORG_ID and NUON_API_TOKEN for the served org."""
        assert self.server is not None, "the org is not being served"
        return self.server.env

    def nuon_config(self) -> dict[str, Any]:
        """Stack config pointing a program at the served org (the token as a secret, as `--secret` sets it), as
        LocalEngine takes it (imported here: the floor venv has no LocalEngine and runs no test that calls this)."""
        from nuon_localengine import Secret

        return {"nuon:apiUrl": self.url, "nuon:orgId": ORG_ID, "nuon:apiToken": Secret(CANARY_TOKEN)}

    def release(self, *installs: Install, timeline: Timeline | None = None) -> Release:
        """A new release of web-app to `installs`, its deploys running `timeline` (default: a successful apply)."""
        return self.sim.add_release(
            self.app, installs=list(installs), timeline=timeline or Timeline.apply_success(step_seconds=5)
        )

    def served(self: _O) -> Iterator[_O]:
        """Serve the org on 127.0.0.1 for the duration (a generator for fixtures: `yield from org.served()`)."""
        with self.sim.serve() as server:
            self.server = server
            try:
                yield self
            finally:
                self.server = None


def new_org(*, seed: int = 7, releases: int = 0, clock: Clock | None = None) -> Org:
    """The shared simulated org (`releases` past releases of web-app, on no install)."""
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID, seed=seed, clock=clock)
    app = sim.add_component("web-app")
    prod = sim.add_install("acme-prod", components=[app])
    staging = sim.add_install("globex-staging", components=[app])
    if releases:
        sim.add_releases(app, releases)
    return Org(sim, app, prod, staging)


# hypothesis is imported here, at collection, in the main thread. Otherwise its pytest plugin imports it lazily in the
# terminal summary, and pytest's assertion rewriting then compiles its modules after tests that compiled ASTs in
# worker threads; CPython 3.11 before 3.11.8 keeps one process-wide AST recursion counter, which those threads can
# leave unbalanced, and the late compile fails with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905), failing an otherwise green run.


# LocalEngine forks the Python processes it starts (dynamic-provider hosts, program processes) from a server that
# has imported the Pulumi SDK (nuon_localengine.forkserver); it also imports what our resources' host and programs
# load on top of it, once per server instead of once per process (measured: tests/resources/test_gate.py 15.5 ->
# 7.7 s of CPU; docs/performance.md, "How long make test takes"). Not `pulumi_nuon.dynamic`: importing its
# providers patches the host process they are imported in (pulumi_nuon.dynamic.host), which the server is not.
# tests/engine/test_forkserver.py checks each name imports, and none of them brings `pulumi_nuon.dynamic` in.
HOST_IMPORTS = (
    "pulumi_nuon.api.client",
    "pulumi_nuon.api.models",
    "pulumi_nuon.gate.wait",
    "httpx",
    "httpcore",
    "anyio",
    "h11",
    "certifi",
)
# nuon_localengine.forkserver.PRELOAD_ENV (not imported: that would load the SDK into every pytest process; the
# test checks the name). The floor venv has no LocalEngine: the variable then does nothing.
PRELOAD_ENV = "NUON_LOCALENGINE_PRELOAD"
os.environ.setdefault(PRELOAD_ENV, ",".join(HOST_IMPORTS))

# The Ctrl-C tests send SIGINT to the processes they start, as a shell's foreground would. A suite started with
# SIGINT ignored (a shell's background job: `make test &`, nohup) would hand that on to every child, which would
# then outlive its Ctrl-C: the processes start as from a foreground shell, whoever started the suite.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def require_node(project: Path) -> None:
    """Skip (visibly) when Node.js is missing; fail with the fix when it is there but `project`'s modules are not."""
    if shutil.which("node") is None:
        pytest.skip(f"node is not installed: {project.name} cannot run (install Node.js 20+ to run it)")
    if not (project / "node_modules" / "@pulumi" / "pulumi" / "cmd" / "run").exists():
        pytest.fail(f"{project}/node_modules is missing: run `make test` (or `npm ci` in {project})")


# The reliability tables' case counts. A test adds to them with `tally`; the counts travel on that test's report
# (`user_properties`), so the summary adds up the same whether the tests ran in this process or in pytest-xdist
# workers (`make test` runs them in workers; only the controller prints the summary).
_TALLY_PROPERTY = "reliability-tally"
_PENDING: Counter[tuple[str, str]] = Counter()
_PENDING_LOCK = threading.Lock()
_TOTALS: Counter[tuple[str, str]] = Counter()


def tally(table: str, cases: int, wrong: int = 0) -> None:
    """Count `cases` cases of a reliability table (`wrong` of them went wrong) for the summary at the end of the run."""
    with _PENDING_LOCK:
        _PENDING[table, "cases"] += cases
        _PENDING[table, "wrong"] += wrong


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "teardown":
        with _PENDING_LOCK:
            counted = [[table, kind, count] for (table, kind), count in _PENDING.items()]
            _PENDING.clear()
        if counted:
            report.user_properties.append((_TALLY_PROPERTY, counted))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, counted in report.user_properties:
        if name == _TALLY_PROPERTY:
            for table, kind, count in counted:
                _TOTALS[table, kind] += count


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tables = sorted({table for table, _ in _TOTALS})
    if tables:
        terminalreporter.section("reliability")
        for table in tables:
            terminalreporter.write_line(f"{table}: {_TOTALS[table, 'cases']} cases, {_TOTALS[table, 'wrong']} wrong")


def pytest_configure(config: pytest.Config) -> None:
    # The SDK's MockMonitor runs each registration in a worker thread whose _sync_await makes an event loop it
    # never closes; its self-pipe (an AF_UNIX socketpair, which nothing in this package creates) is reported when
    # collected. Ignore exactly that report, so every other unclosed socket still fails the run.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:Exception ignored in. <socket.socket fd=[0-9]+, family=(1|AddressFamily.AF_UNIX), "
        r"type=(1|SocketKind.SOCK_STREAM)"
        ":pytest.PytestUnraisableExceptionWarning",
    )
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:Exception ignored in. <function BaseEventLoop.__del__:pytest.PytestUnraisableExceptionWarning",
    )


@pytest.fixture(autouse=True)
def _no_nuon_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit a developer's real Nuon credentials."""
    for name in ("NUON_API_TOKEN", "NUON_ORG_ID", "NUON_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def strict() -> Iterator[list[StrictTransport]]:
    """Yields a list to append StrictTransports to; each must have used all its expectations."""
    made: list[StrictTransport] = []
    yield made
    for transport in made:
        transport.assert_all_used()


def make_strict(made: list[StrictTransport], *expectations: Expect) -> StrictTransport:
    transport = StrictTransport(list(expectations))
    made.append(transport)
    return transport
