"""Shared fixtures: a strict mock transport and credentials that tests can recognise anywhere (a canary)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.strict_mock import Expect, StrictTransport

DATA = Path(__file__).parent / "data"
CANARY_TOKEN = "canary-token-3f9c1e7a-never-print-me"
ORG_ID = "orgtest000000000000000000"


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
