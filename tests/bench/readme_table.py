"""Put the table of a ``make bench`` run into docs/performance.md, between its bench-table markers.

    python -m tests.bench.readme_table [bench-results.json]

The page's table is then exactly what a run printed, with the commit, machine and load it was measured on.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

from tests.bench.harness import Table

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs/performance.md"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def section(table: Table, meta: dict[str, Any]) -> str:
    started = datetime.datetime.fromisoformat(meta["started"]).strftime("%Y-%m-%d")
    load = f"load average {meta['loadavg_at_start'][0]:.1f} → {meta['loadavg_at_end'][0]:.1f}"
    dirty = " with uncommitted changes" if meta["dirty"] else ""
    return (
        f"{START}\n"
        f"Measured on {started} at commit `{meta['commit'][:7]}`{dirty}: Python {meta['python']}, "
        f"{meta['cpus']} CPUs shared with other work ({load}).\n\n"
        f"{table.render()}\n"
        f"{END}"
    )


def replace_table(readme: str, new_section: str) -> str:
    before, start, rest = readme.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the page has no {START} ... {END} section")
    return before + new_section + after


def main(argv: list[str]) -> int:
    results = Path(argv[1]) if len(argv) > 1 else ROOT / "bench-results.json"
    table, meta = Table.read(results)
    PAGE.write_text(replace_table(PAGE.read_text(), section(table, meta)))
    print(f"{PAGE.relative_to(ROOT)}: table from {results} (commit {meta['commit'][:7]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
