"""The deploy status table of docs/nuon-api.md, value by value, against GATE_RULES and classify."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_nuon.core.status import STATUSES, DeployPhase, classify
from pulumi_nuon.gate.inputs import WaitOptions
from pulumi_nuon.gate.rules import GATE_RULES, GateRule, Seen, Verdict, assess
from tests.conftest import BLD1, BLD2

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


def test_the_documented_table_and_the_status_vocabulary_list_the_same_statuses() -> None:
    """docs/nuon-api.md (the API's facts) and STATUSES (what the code reads) cannot drift apart."""
    documented = _documented()
    assert len(documented) == 16
    assert {(s.value, s.phase, s.skipped) for s in STATUSES} == set(documented)


def test_each_known_status_has_exactly_one_gate_rule() -> None:
    ruled = [s for rule in GATE_RULES for s in rule.statuses]
    assert sorted(ruled) == sorted(s.value for s in STATUSES)


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


def test_the_simulator_speaks_the_core_vocabulary() -> None:
    """The simulator's runner-job statuses cover exactly the vocabulary, and its built-in deploy lives report only
    statuses the vocabulary knows (a timeline may still script any other value on purpose)."""
    from pulumi_nuon.testing.simulator import payloads
    from pulumi_nuon.testing.simulator.timeline import Timeline

    known = {s.value for s in STATUSES}
    assert set(payloads._RUNNER_STATUS) == known
    lives = [
        Timeline.apply_success(),
        Timeline.failure(),
        Timeline.approval_denied(),
        Timeline.pending_approval(),
        Timeline.auto_skipped(),
        Timeline.discarded(),
        Timeline.retried(),
    ]
    reported = set()
    for life in lives:
        while life is not None:
            reported |= {step.status for step in life.steps}
            life = life.then  # type: ignore[assignment]
    assert reported <= known


def test_phase_docs_list_no_status_values() -> None:
    """Each phase's statuses are listed once, in STATUSES; the phases' docstrings do not repeat them."""
    import inspect

    source = inspect.getsource(DeployPhase)
    assert not [s.value for s in STATUSES if f"``{s.value}``" in source]


_VERBS = {"waits": Verdict.WAIT, "follows": Verdict.WAIT, "passes": Verdict.PASS, "fails": Verdict.FAIL}


def _examples(rule: GateRule) -> list[Seen]:
    """Polls each rule is about: one per status it lists, or the situation its words name."""
    if rule.statuses:
        return [Seen("dpl1", status, BLD1) for status in rule.statuses]
    return {
        GATE_RULES[0]: [Seen(None)],
        GATE_RULES[1]: [Seen("dpl1", "active", BLD2)],
        GATE_RULES[2]: [Seen("dpl1", "active", BLD1, passed_before=True)],
    }.get(rule, [Seen("dpl1", "hibernating", BLD1), Seen("dpl1", "", BLD1)])


@pytest.mark.parametrize("rule", [r for r in GATE_RULES if r.condition is not None], ids=lambda r: r.when)
def test_each_rule_is_the_one_applied_to_its_case_and_does_what_its_words_say(rule: GateRule) -> None:
    options = WaitOptions(build_id=BLD1)
    for seen in _examples(rule):
        applied = next(r for r in GATE_RULES if r.decide(seen, options) is not None)
        assert applied is rule
        assert assess(seen, options).verdict is _VERBS[rule.action.split(maxsplit=1)[0].rstrip(",;")]


def test_the_limits_the_rules_words_name_turn_a_wait_or_a_pass_into_a_failure() -> None:
    assert assess(Seen(None, missing_for=301), WaitOptions()).verdict is Verdict.FAIL  # not_found_grace_seconds
    seen = Seen("dpl1", "pending-approval", approval_for=10)
    assert assess(seen, WaitOptions(approval_timeout_seconds=10)).verdict is Verdict.FAIL
    assert assess(seen, WaitOptions(fail_on_pending_approval=True, poll_interval_seconds=10)).verdict is Verdict.FAIL
    skipped = Seen("dpl1", "auto-skipped")
    assert assess(skipped, WaitOptions(accept_auto_skipped=False)).verdict is Verdict.FAIL
