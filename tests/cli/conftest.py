"""Fixtures for the CLI tests: the shared org served on 127.0.0.1, its settings in the environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Org, new_org


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    """web-app with two releases on two installs (time stands still unless a test advances it); the simulator's
    URL, org id and token are in NUON_API_URL, NUON_ORG_ID and NUON_API_TOKEN."""
    for served in new_org(seed=11, releases=2).served():
        for name, value in served.env.items():
            monkeypatch.setenv(name, value)
        yield served
