"""The deploy status table of docs/nuon-api.md, value by value, against GATE_RULES and classify."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_nuon.core.status import GATE_RULES, DeployPhase, classify

DOCS = Path(__file__).resolve().parents[2] / "docs/nuon-api.md"
# The class column of the status table in docs/nuon-api.md, in DeployPhase terms.
CLASSES = {
    "in progress": DeployPhase.IN_PROGRESS,
    "waiting for a person": DeployPhase.AWAITING_APPROVAL,
    "succeeded": DeployPhase.SUCCEEDED,
    "succeeded, nothing applied": DeployPhase.SUCCEEDED,
    "failed": DeployPhase.FAILED,
    "superseded": DeployPhase.SUPERSEDED,
}


def _documented() -> list[tuple[str, DeployPhase, bool]]:
    """(status, phase, nothing applied) for every value in the documented status table."""
    text = DOCS.read_text()
    table = text[text.index("| class | values | meaning |") :].split("\n\n")[0]
    rows = []
    for line in table.splitlines()[2:]:
        klass, values, _ = (cell.strip() for cell in line.strip("|").split("|"))
        if klass in CLASSES:
            rows += [(v, CLASSES[klass], "nothing applied" in klass) for v in re.findall(r"`([^`]+)`", values)]
    return rows


TABLE = [(status, phase) for status, phase, _ in _documented()]


def test_the_documented_table_and_gate_rules_list_the_same_statuses() -> None:
    """docs/nuon-api.md (the API's facts) and GATE_RULES (what the code does) cannot drift apart."""
    documented = _documented()
    assert len(documented) == 16
    ruled = {(s, rule.phase, rule.skipped) for rule in GATE_RULES for s in rule.statuses}
    assert ruled == set(documented)


@pytest.mark.parametrize(("status", "phase"), TABLE)
def test_classify_follows_the_nuon_status_table(status: str, phase: DeployPhase) -> None:
    assert classify(status) is phase


@pytest.mark.parametrize("status", ["hibernating", "pending_approval", "ACTIVE-ish", "🙂"])
def test_unseen_statuses_are_unknown_not_errors(status: str) -> None:
    assert classify(status) is DeployPhase.UNKNOWN


@pytest.mark.parametrize("status", [None, ""])
def test_no_status_is_unknown(status: str | None) -> None:
    assert classify(status) is DeployPhase.UNKNOWN


def test_classify_tolerates_case_and_whitespace() -> None:
    assert classify(" Active\n") is DeployPhase.SUCCEEDED


def test_phase_is_a_plain_string_for_outputs() -> None:
    assert DeployPhase.AWAITING_APPROVAL == "awaiting_approval"
    assert str(DeployPhase.SUCCEEDED) == "succeeded"
    assert [p for p in DeployPhase if p.is_terminal] == [DeployPhase.SUCCEEDED, DeployPhase.FAILED]
