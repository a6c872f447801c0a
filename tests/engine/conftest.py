"""Fixtures for the LocalEngine tests: stores for the test providers, the `testprov` plugin, engines closed after."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nuon_localengine import LocalEngine
from tests.conftest import require_node

HERE = Path(__file__).parent
PROGRAMS = HERE / "programs"
TS_EXAMPLE = HERE.parents[1] / "examples" / "typescript"
THING_PLUGIN = [sys.executable, str(HERE / "thing_plugin.py")]
"""The `testprov` provider plugin, as LocalEngine(plugins=...) takes it."""

PROJECTS = {"python": PROGRAMS / "things", "typescript": TS_EXAMPLE}
"""The same program in both languages, on the `testprov` plugin."""


@pytest.fixture(params=sorted(PROJECTS))
def project(request: pytest.FixtureRequest) -> Path:
    """The Python twin and the TypeScript example, one test run each."""
    if request.param == "typescript":
        require_node(TS_EXAMPLE)
    return PROJECTS[str(request.param)]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Where the test providers keep their resources (one JSON file per resource id)."""
    path = tmp_path / "store"
    path.mkdir()
    return path


@pytest.fixture
def make_engine() -> Iterator[Callable[..., LocalEngine]]:
    """Build LocalEngines (project "p", stack "dev") that are closed when the test ends."""
    engines: list[LocalEngine] = []

    def make(program: Any = None, **kwargs: Any) -> LocalEngine:
        kwargs.setdefault("project", "p")
        kwargs.setdefault("stack", "dev")
        engine = LocalEngine(program, **kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
