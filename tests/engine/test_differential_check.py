"""The differential table's checker (tests/e2e/differential.py) can fail: a new difference is unexplained, a row that
no longer differs is stale, and only an exact match (scenario, operation, field, both values) explains one. The
engines themselves run in make e2e (tests/e2e/test_differential.py); this needs neither."""

from __future__ import annotations

import pytest

from tests.e2e.differential import NOT_MODELED, SCENARIOS, Difference, differences, explained, normalise, stale_rows

ROW = NOT_MODELED[0]
SCENARIO = next(s for s in SCENARIOS if s.name == ROW.scenarios[0])


def _facts(real_value: str, local_value: str | None) -> tuple[dict[str, str], dict[str, str]]:
    op = "up"
    real = {f"{op} / exit": "failed", f"{op} / {ROW.field}": real_value}
    local = {f"{op} / exit": "failed"}
    if local_value is not None:
        local[f"{op} / {ROW.field}"] = local_value
    return real, local


def test_the_known_difference_is_explained_and_nothing_is_stale() -> None:
    found = differences(SCENARIO, *_facts(ROW.real, None))
    assert [explained(d) for d in found] == [ROW]
    assert stale_rows(SCENARIO, found) == []


def test_a_row_that_no_longer_differs_is_stale() -> None:
    found = differences(SCENARIO, *_facts(ROW.real, ROW.real))
    assert found == []
    assert stale_rows(SCENARIO, found) == [ROW]


@pytest.mark.parametrize(
    "difference",
    [
        Difference(SCENARIO.name, "up", ROW.field, ROW.real, "update"),  # another stand-in value
        Difference(SCENARIO.name, "up", "outputs.phase", '"succeeded"', '"failed"'),  # another field
        Difference("success", "up", ROW.field, ROW.real, ROW.stand_in),  # a scenario the row does not name
    ],
)
def test_any_other_difference_is_unexplained(difference: Difference) -> None:
    assert explained(difference) is None


def test_timestamps_and_elapsed_seconds_are_normalised_and_nothing_else() -> None:
    text = "passed at 2026-12-03T07:37:42.715711Z after 12.5s; watched 4s, limit 0.3s; deploy dpl1s2 is active"
    assert normalise(text) == "passed at <time> after <n>s; watched <n>s, limit <n>s; deploy dpl1s2 is active"
    raced = "statuses seen: executing; last API error: (cut short by the deadline) GET /v1/x answered 200 but\nnext"
    assert normalise(raced) == "statuses seen: executing\nnext"
