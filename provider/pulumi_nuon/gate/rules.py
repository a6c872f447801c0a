"""The gate's rules, as data: what a waiter (the ``DeployGate``, ``pulumi-nuon wait``) does in each situation
(:data:`GATE_RULES`), over Nuon's status vocabulary (:data:`pulumi_nuon.core.status.STATUSES`).

The rules work the way pulumi-kubernetes' await conditions do: each :class:`GateRule` holds a small pure condition
over a normalised poll (:class:`Seen`) that returns an :class:`Outcome` when the rule applies; :func:`assess` applies
the first that does, and the waiter (:mod:`pulumi_nuon.gate.wait`) only orchestrates (polls, remembers, reports).
The README's behaviour table, the CLI's help and the native schema's docs are rendered from :data:`GATE_RULES`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pulumi_nuon.core.status import DeployPhase, classify, normalise_status, statuses_of

if TYPE_CHECKING:
    from pulumi_nuon.api.models import InstallDeploy
    from pulumi_nuon.gate.inputs import WaitOptions

__all__ = [
    "GATE_RULES",
    "GateRule",
    "Outcome",
    "Seen",
    "Verdict",
    "assess",
    "render_rules_markdown",
    "render_rules_text",
]


# --- one poll, normalised, and what a rule concludes from it ------------------------------------------------------


class Verdict(str, enum.Enum):
    """What one poll of one install concluded."""

    WAIT = "wait"
    PASS = "pass"
    FAIL = "fail"


@dataclass(frozen=True)
class Seen:
    """One poll of one install as every rule reads it: the latest deploy with its status normalised, and how long
    the situations that have a time limit have lasted (the waiter remembers those between polls)."""

    deploy_id: str | None
    """None: Nuon answered 404 (no deploy)."""
    status: str = ""
    """Normalised (:func:`normalise_status`); ``""`` when the deploy carries none."""
    build_id: str | None = None
    description: str | None = None
    """Nuon's human description of the status."""
    missing_for: float = 0.0
    """Seconds Nuon has answered 404 for, counted from the first 404 in a row."""
    approval_for: float = 0.0
    """Seconds this deploy has been awaiting approval, counted from the first poll that saw it there."""
    passed_before: bool = False
    """This is the deploy the gate passed last: it does not count again."""

    @classmethod
    def of(
        cls, deploy: InstallDeploy | None, *, missing_for: float = 0.0, approval_for: float = 0.0, passed_before: bool
    ) -> Seen:
        if deploy is None:
            return cls(None, missing_for=missing_for)
        return cls(
            deploy.id,
            normalise_status(deploy.status),
            deploy.build_id,
            deploy.status_text,
            approval_for=approval_for,
            passed_before=passed_before,
        )

    @property
    def phase(self) -> DeployPhase:
        if self.deploy_id is None:
            return DeployPhase.MISSING
        return classify(self.status)

    @property
    def label(self) -> str:
        return f"deploy {self.deploy_id}"


@dataclass(frozen=True)
class Outcome:
    """What a rule concluded for one poll: the verdict, the reason (a progress line and, at the end, the message),
    and for a failure what to do about it."""

    verdict: Verdict
    reason: str
    hint: str = ""


Condition = Callable[["Seen", "WaitOptions"], "Outcome | None"]
"""A rule's condition: an :class:`Outcome` when the rule applies to this poll, None when it does not."""


def _missing(seen: Seen, options: WaitOptions) -> Outcome | None:
    if seen.deploy_id is not None:
        return None
    grace = options.not_found_grace_seconds
    if grace is not None and seen.missing_for > grace:
        return Outcome(
            Verdict.FAIL,
            f"no deploy of the component appeared within the {grace:g}s grace period (Nuon answered 404: no deploy "
            "yet, or the install has no such component)",
            "Check the install and component ids; if deploys take longer to appear, raise not_found_grace_seconds.",
        )
    return Outcome(Verdict.WAIT, "no deploy yet (404)")


def _other_build(seen: Seen, options: WaitOptions) -> Outcome | None:
    if options.build_id is None or seen.build_id == options.build_id:
        return None
    return Outcome(
        Verdict.WAIT,
        f"waiting for a deploy of build {options.build_id}; latest is {seen.label} of build {seen.build_id} "
        f"({seen.status or 'no status'})",
    )


def _passed_before(seen: Seen, options: WaitOptions) -> Outcome | None:
    if not seen.passed_before:
        return None
    return Outcome(
        Verdict.WAIT,
        f"waiting for a deploy newer than {seen.label} ({seen.status or 'no status'}), which this gate passed last",
    )


def _in_progress(seen: Seen, options: WaitOptions) -> Outcome:
    return Outcome(Verdict.WAIT, f"{seen.label} is {seen.status}")


def _awaiting_approval(seen: Seen, options: WaitOptions) -> Outcome:
    limit = options.effective_approval_timeout
    if limit is not None and seen.approval_for >= limit:
        return Outcome(
            Verdict.FAIL,
            f"{seen.label} has waited for approval for {seen.approval_for:.0f}s (limit {limit:g}s)",
            "Approve or deny the deploy in Nuon, or raise approval_timeout_seconds, then run the update again.",
        )
    return Outcome(Verdict.WAIT, f"{seen.label} is {seen.status}: waiting for approval")


def _applied(seen: Seen, options: WaitOptions) -> Outcome:
    return Outcome(Verdict.PASS, f"{seen.label} is {seen.status}: passed")


def _skipped(seen: Seen, options: WaitOptions) -> Outcome:
    if not options.accept_auto_skipped:
        return Outcome(
            Verdict.FAIL,
            f"{seen.label} was auto-skipped (a no-op plan; nothing was applied) and accept_auto_skipped is False",
            "Deploy a build that changes something, or set accept_auto_skipped to accept no-op deploys.",
        )
    return _applied(seen, options)


def _failed(seen: Seen, options: WaitOptions) -> Outcome:
    said = f": {seen.description}" if seen.description else ""
    return Outcome(
        Verdict.FAIL,
        f"{seen.label} ended in status '{seen.status}'{said}",
        "See the deploy's logs in Nuon, fix the cause and deploy again; the next update waits for it.",
    )


def _superseded(seen: Seen, options: WaitOptions) -> Outcome:
    return Outcome(Verdict.WAIT, f"{seen.label} was {seen.status}; following the newer deploy")


def _unknown(seen: Seen, options: WaitOptions) -> Outcome | None:
    if seen.phase is not DeployPhase.UNKNOWN:
        return None
    return Outcome(Verdict.WAIT, f"{seen.label} reports status '{seen.status}', unknown to pulumi-nuon; still waiting")


@dataclass(frozen=True)
class GateRule:
    """One row of the behaviour table: in this situation, the waiter does this.

    ``condition`` is the behaviour (see :data:`Condition`); with ``statuses``, it is consulted only for a deploy
    reporting one of them. Rows without a condition are the waiter's own (the deadline, API errors): documented
    here, applied by the loop. ``case`` is the situation in words, ``{statuses}`` standing for the statuses.
    """

    case: str
    action: str
    condition: Condition | None = None
    statuses: tuple[str, ...] = ()

    @property
    def when(self) -> str:
        """The situation as the docs show it."""
        return self.case.format(statuses=", ".join(f"`{s}`" for s in self.statuses))

    def decide(self, seen: Seen, options: WaitOptions) -> Outcome | None:
        """This rule's outcome for ``seen``, or None when it does not apply."""
        if self.condition is None or (self.statuses and seen.status not in self.statuses):
            return None
        return self.condition(seen, options)


GATE_RULES: tuple[GateRule, ...] = (
    GateRule(
        "404 (no deploy yet, or no such install component)",
        "waits, and fails after `not_found_grace_seconds`",
        _missing,
    ),
    GateRule("a deploy of another build than `build_id`", "waits for a deploy of the awaited build", _other_build),
    GateRule(
        "the deploy this gate passed last, after a change of `triggers`", "waits for a newer deploy", _passed_before
    ),
    GateRule("{statuses}", "waits", _in_progress, statuses_of(DeployPhase.IN_PROGRESS)),
    GateRule(
        "{statuses}",
        "waits; fails after `approval_timeout_seconds` in it, or after one poll interval with "
        "`fail_on_pending_approval`",
        _awaiting_approval,
        statuses_of(DeployPhase.AWAITING_APPROVAL),
    ),
    GateRule(
        "{statuses} (of the awaited build)", "passes", _applied, statuses_of(DeployPhase.SUCCEEDED, skipped=False)
    ),
    GateRule(
        "{statuses} (a no-op plan, nothing applied)",
        "passes, unless `accept_auto_skipped` is false",
        _skipped,
        statuses_of(DeployPhase.SUCCEEDED, skipped=True),
    ),
    GateRule(
        "{statuses}",
        "fails at once with install, deploy id, status and Nuon's description",
        _failed,
        statuses_of(DeployPhase.FAILED),
    ),
    GateRule("{statuses}", "follows the newer deploy", _superseded, statuses_of(DeployPhase.SUPERSEDED)),
    GateRule(
        "any other value (case and surrounding spaces aside)", "waits; the timeout message says what was seen", _unknown
    ),
    GateRule(
        "the deadline (`timeout_seconds`) passes",
        "fails with each pending install's last status and how long it was watched",
    ),
    GateRule(
        "transient API errors (5xx, 429, 408, timeouts, resets, an unreadable answer)",
        "retried, then polled again until the deadline",
    ),
)


def assess(seen: Seen, options: WaitOptions) -> Outcome:
    """What one poll means: the outcome of the first rule of :data:`GATE_RULES` that applies (one always does)."""
    for rule in GATE_RULES:
        outcome = rule.decide(seen, options)
        if outcome is not None:
            return outcome
    raise AssertionError(f"no gate rule applies to {seen}")  # _unknown applies to whatever the others leave


# --- docs -------------------------------------------------------------------------------------------------------


def render_rules_markdown() -> str:
    """:data:`GATE_RULES` as the Markdown table the README shows (a test keeps the README equal to this)."""
    lines = ["| Nuon reports | the gate |", "|---|---|"]
    lines += [f"| {rule.when} | {rule.action} |" for rule in GATE_RULES]
    return "\n".join(lines)


def render_rules_text(width: int = 116) -> str:
    """:data:`GATE_RULES` as plain text for ``--help`` (backticks dropped, the action indented under its case)."""
    import textwrap

    out = []
    for rule in GATE_RULES:
        out.append("  " + rule.when.replace("`", ""))
        out += textwrap.wrap(
            rule.action.replace("`", ""), width, initial_indent="      → ", subsequent_indent="        "
        )
    return "\n".join(out)
