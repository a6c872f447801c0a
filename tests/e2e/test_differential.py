"""The differential table (tests/e2e/differential.py): every scenario through the real Pulumi CLI and LocalEngine.

A difference between the two that is not a row of `NOT_MODELED` fails its scenario, and so does a row that no
longer differs. Each scenario runs `NUON_DIFFERENTIAL_PAIRS` pairs (default 1), the engines interleaved in a
shuffled order (tests/bench/harness.py), and every run of one engine must give the same facts. The wall times go
to the run's results file (`make differential` writes docs/differential.json, from which docs/engine.md's table is
generated).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.bench.harness import interleave
from tests.e2e.conftest import record_differential
from tests.e2e.differential import (
    SCENARIOS,
    Run,
    Scenario,
    differences,
    explained,
    run_local,
    run_real,
    secrets_shown,
    stale_rows,
)


def _pairs() -> int:
    return int(os.environ.get("NUON_DIFFERENTIAL_PAIRS") or 1)


def _same_facts(runs: list[Run]) -> list[str]:
    """The facts on which runs of one engine disagree (a fact that changes from run to run cannot be compared)."""
    first = runs[0].facts
    return sorted(
        {key for run in runs[1:] for key in set(first) | set(run.facts) if first.get(key) != run.facts.get(key)}
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_both_engines_agree_but_for_the_not_modeled_table(scenario: Scenario, cli_bin: Path) -> None:
    seed = [s.name for s in SCENARIOS].index(scenario.name)
    local, real = interleave(
        lambda: run_local(scenario), lambda: run_real(scenario, cli_bin), pairs=_pairs(), warmup=0, seed=seed
    )
    for runs in (local, real):
        assert not _same_facts(runs), f"{runs[0].engine} gave different facts in two runs: {_same_facts(runs)}"
        for run in runs:
            assert not secrets_shown(run.printed), f"{run.engine} printed {secrets_shown(run.printed)}"
    found = differences(scenario, real[0].facts, local[0].facts)
    record_differential(scenario, real, local, found)
    unexplained = [d for d in found if explained(d) is None]
    assert not unexplained, "differences not in NOT_MODELED (fix LocalEngine, or add a row saying why):\n" + "\n".join(
        f"  {d.op} / {d.field}: real {d.real!r}, LocalEngine {d.stand_in!r}" for d in unexplained
    )
    stale = stale_rows(scenario, found)
    assert not stale, "NOT_MODELED rows that no longer differ (remove them):\n" + "\n".join(
        f"  {row.op} / {row.field}: real {row.real!r}, LocalEngine {row.stand_in!r}" for row in stale
    )
    assert real[0].facts, "the real run recorded nothing"
