"""The fault matrix: both API routes × the sync client, the async client, the functions and the CLI (and a
representative part through LocalEngine in test_engine_faults.py) × every fault in ``matrix.CASES``.

Each surface's cases run concurrently (each case has its own component and install, and its faults fire only for
them), so the table costs about as long as its slowest case. A case is right when it ends in success or in the
expected typed error with a useful message, within its deadline + `matrix.SLACK`, with the token nowhere in what it
showed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_nuon.api.protocol import ReleasePager
from tests.conftest import tally
from tests.reliability.conftest import Lab
from tests.reliability.matrix import CASES, PAGE_BOUND, REQUEST_TIMEOUT, SURFACES, matrix, problems, run_case

WORKERS = 64


@pytest.mark.timeout(180)
def test_every_fault_ends_in_success_or_a_typed_error_in_time(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**lab.env, "NUON_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ReleasePager, "max_pages", PAGE_BOUND)
    runs = matrix(list(SURFACES))
    # Most cases wait (on a server that never answers, between retries): many threads are cheap. The few that
    # burn CPU (64 MiB streamed) run alone afterwards, so they do not slow the timed cases.
    pooled, solo = [r for r in runs if not r[1].solo], [r for r in runs if r[1].solo]
    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(lambda run: run_case(lab, *run), pooled))
    pooled_seconds = time.monotonic() - started
    outcomes += [run_case(lab, *run) for run in solo]
    print(f"fault matrix: {len(pooled)} cases in {pooled_seconds:.1f}s concurrently, {len(solo)} alone after")
    failures = []
    for (surface, case, route), outcome in zip(pooled + solo, outcomes, strict=True):
        wrong = problems(surface, case, route, outcome)
        if wrong:
            failures.append(f"{surface} / {route} / {case.name}: " + "; ".join(wrong))
    tally("fault matrix", len(runs), len(failures))
    assert not failures, f"{len(failures)} of {len(runs)} cases went wrong:\n" + "\n".join(failures)


def test_the_matrix_covers_every_fault_kind_on_both_routes() -> None:
    from typing import get_args

    from pulumi_nuon.testing.simulator.faults import FaultKind

    kinds = {fault.kind for case in CASES for route in case.routes for fault, _ in case.faults_for(route)}
    # A token echoed in headers is about what is shown, not about time: the canary runs it on every surface that
    # shows text (tests/reliability/test_canary.py), and the matrix stays about outcomes and deadlines.
    assert kinds == set(get_args(FaultKind)) - {"echo_header"}
    runs = matrix(list(SURFACES))
    assert len(runs) >= 500, len(runs)
