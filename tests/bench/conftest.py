"""The session's table of figures: each benchmark records its rows; at the end the table is printed and written.

Environment:
- ``NUON_BENCH_RESULTS``: where the JSON goes (default ``bench-results.json`` at the repository root, git-ignored);
- ``NUON_BENCH_PAIRS``: pairs per benchmark instead of each benchmark's default (e.g. 2 for a quick smoke run);
- ``NUON_BENCH_STRICT=1``: a figure that misses its target fails its benchmark (by default the table says so);
- ``NUON_BENCH_SUITE=0``: skip timing ``make test`` (its row then reads "not measured").
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bench.harness import Row, Table

ROOT = Path(__file__).resolve().parents[2]


def pairs(default: int) -> int:
    """Pairs to measure: ``NUON_BENCH_PAIRS`` when set, else the benchmark's default."""
    return int(os.environ.get("NUON_BENCH_PAIRS") or default)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _meta() -> dict[str, Any]:
    return {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": list(os.getloadavg()),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


@pytest.fixture(scope="session")
def bench_table() -> Iterator[Table]:
    table = Table()
    meta = _meta()
    yield table
    meta["loadavg_at_end"] = list(os.getloadavg())
    path = Path(os.environ.get("NUON_BENCH_RESULTS") or ROOT / "bench-results.json")
    table.write(path, meta)
    print(
        f"\n\n[bench] commit {meta['commit'][:12]}{' (dirty)' if meta['dirty'] else ''}, {meta['cpus']} CPUs, "
        f"load {meta['loadavg_at_start'][0]:.2f} → {meta['loadavg_at_end'][0]:.2f}"
    )
    print(table.render())
    print(f"[bench] figures written to {path}")


@pytest.fixture
def record(bench_table: Table) -> Callable[[Row], Row]:
    """Add a row to the table and print it; under ``NUON_BENCH_STRICT=1`` a missed target fails the benchmark."""

    def add(row: Row) -> Row:
        bench_table.add(row)
        print(f"\n[bench] {' | '.join(row.cells())}")
        if os.environ.get("NUON_BENCH_STRICT") == "1" and row.verdict == "fail":
            pytest.fail(f"{row.figure}: {row.cells()[3]} misses its target {row.cells()[4]}")
        return row

    return add
