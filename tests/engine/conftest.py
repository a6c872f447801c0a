"""Fixtures for the LocalEngine tests: a store directory for the throwaway provider and engines closed after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_nuon.testing.engine import LocalEngine


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Where the throwaway provider keeps its resources (one JSON file per resource id)."""
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
