"""The deploy status table of docs/nuon-api.md, value by value."""

from __future__ import annotations

import pytest

from pulumi_nuon.core.status import DeployPhase, classify

TABLE = [
    ("queued", DeployPhase.IN_PROGRESS),
    ("pending", DeployPhase.IN_PROGRESS),
    ("planning", DeployPhase.IN_PROGRESS),
    ("syncing", DeployPhase.IN_PROGRESS),
    ("executing", DeployPhase.IN_PROGRESS),
    ("pending-approval", DeployPhase.AWAITING_APPROVAL),
    ("active", DeployPhase.SUCCEEDED),
    ("inactive", DeployPhase.SUCCEEDED),
    ("auto-skipped", DeployPhase.SUCCEEDED),
    ("error", DeployPhase.FAILED),
    ("cancelled", DeployPhase.FAILED),
    ("approval-denied", DeployPhase.FAILED),
    ("noop", DeployPhase.FAILED),
    ("unknown", DeployPhase.FAILED),
    ("discarded", DeployPhase.SUPERSEDED),
    ("retried", DeployPhase.SUPERSEDED),
]


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
