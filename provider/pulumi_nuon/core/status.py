"""Deploy status rules, as data: Nuon's status vocabulary (:data:`STATUSES`) and what a waiter (the ``DeployGate``,
``pulumi-nuon wait``) does in each situation (:data:`GATE_RULES`).

Nuon's ``status`` is a plain string whose set of values grows over time, so nothing here may fail on a value it
has never seen: anything unrecognised is ``DeployPhase.UNKNOWN`` and callers keep waiting. A status is normalised
once (:func:`normalise_status`: case and surrounding whitespace) before anything reads it, so ``Auto-Skipped `` is
``auto-skipped``; a value that only looks like a known one stays unknown.

The rules work the way pulumi-kubernetes' await conditions do: each :class:`GateRule` holds a small pure condition
over a normalised poll (:class:`Seen`) that returns an :class:`Outcome` when the rule applies; :func:`assess` applies
the first that does, and the waiter (:mod:`pulumi_nuon.core.wait`) only orchestrates (polls, remembers, reports).
The status sets, :func:`classify`, the README's behaviour table, the CLI's help, the native schema's docs and the
simulator's statuses are all built from these two tables (``docs/nuon-api.md`` has the API facts behind them; a
test keeps the two equal).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulumi_nuon.core.models import InstallDeploy
    from pulumi_nuon.core.wait import WaitOptions

__all__ = [
    "FAILED_STATUSES",
    "GATE_RULES",
    "IN_PROGRESS_STATUSES",
    "SKIPPED_STATUSES",
    "STATUSES",
    "SUCCEEDED_STATUSES",
    "SUPERSEDED_STATUSES",
    "WAITING_FOR_APPROVAL_STATUSES",
    "DeployPhase",
    "GateRule",
    "Outcome",
    "Seen",
    "Status",
    "Verdict",
    "assess",
    "classify",
    "normalise_status",
    "render_rules_markdown",
    "render_rules_text",
    "statuses_of",
]


class DeployPhase(str, enum.Enum):
    """Where a deploy stands, in terms a waiter can act on (the statuses of each phase: :data:`STATUSES`)."""

    IN_PROGRESS = "in_progress"
    """Nuon is working on it: keep waiting."""
    AWAITING_APPROVAL = "awaiting_approval"
    """A person must approve the plan; this can last up to 30 days."""
    SUCCEEDED = "succeeded"
    """Done: applied, or a no-op plan whose apply was skipped."""
    FAILED = "failed"
    """Done, badly."""
    SUPERSEDED = "superseded"
    """A newer deploy follows: fetch the latest again."""
    MISSING = "missing"
    """No deploy exists (Nuon answered 404)."""
    UNKNOWN = "unknown"
    """A status this package does not know yet: keep waiting, and report what was seen."""

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        """True for phases after which the deploy will not change: succeeded or failed."""
        return self in (DeployPhase.SUCCEEDED, DeployPhase.FAILED)


@dataclass(frozen=True)
class Status:
    """One status value Nuon reports for a deploy: its phase, and what it means."""

    value: str
    phase: DeployPhase
    meaning: str
    """What the status means, as Nuon's human description puts it (the simulator reports it)."""
    skipped: bool = False
    """Nothing was applied (``accept_auto_skipped`` decides whether that passes)."""


STATUSES: tuple[Status, ...] = (
    Status("queued", DeployPhase.IN_PROGRESS, "Deploy is queued"),
    Status("pending", DeployPhase.IN_PROGRESS, "Deploy is pending"),
    Status("planning", DeployPhase.IN_PROGRESS, "Creating a plan"),
    Status("syncing", DeployPhase.IN_PROGRESS, "Syncing the image into the install"),
    Status("executing", DeployPhase.IN_PROGRESS, "Applying the plan"),
    Status("pending-approval", DeployPhase.AWAITING_APPROVAL, "Awaiting approval of the plan"),
    Status("active", DeployPhase.SUCCEEDED, "Deploy is active"),
    Status("inactive", DeployPhase.SUCCEEDED, "Component was torn down"),
    Status("auto-skipped", DeployPhase.SUCCEEDED, "No changes in the plan, apply skipped", skipped=True),
    Status("error", DeployPhase.FAILED, "Deploy failed"),
    Status("cancelled", DeployPhase.FAILED, "Deploy was cancelled"),
    Status("approval-denied", DeployPhase.FAILED, "The plan was denied"),
    Status("noop", DeployPhase.FAILED, "Build is not deployable"),
    # Nuon's own "unknown" status is a failure state of the deploy, unlike our UNKNOWN phase for unseen values.
    Status("unknown", DeployPhase.FAILED, "Deploy is in an unknown state"),
    Status("discarded", DeployPhase.SUPERSEDED, "Deploy was discarded, a newer deploy follows"),
    Status("retried", DeployPhase.SUPERSEDED, "Deploy was retried"),
)
_BY_VALUE: dict[str, Status] = {status.value: status for status in STATUSES}


def normalise_status(status: str | None) -> str:
    """``status`` as every rule reads it: without surrounding whitespace, in lower case; ``""`` for none.

    Only case and surrounding whitespace: a value with anything else changed (an inner space, a zero-width
    character, a lookalike letter) is another value, unknown to the rules."""
    return status.strip().lower() if status else ""


def classify(status: str | None) -> DeployPhase:
    """Map a deploy's ``status`` string to a :class:`DeployPhase`; never raises.

    ``None`` and the empty string mean the deploy carries no status (``UNKNOWN``), not that it is missing: a
    missing deploy is a 404, which callers map to ``DeployPhase.MISSING`` themselves.
    """
    known = _BY_VALUE.get(normalise_status(status))
    return known.phase if known else DeployPhase.UNKNOWN


def statuses_of(phase: DeployPhase, *, skipped: bool | None = None) -> tuple[str, ...]:
    """The status values of ``phase`` in :data:`STATUSES` order (``skipped``: only those that are, or are not)."""
    return tuple(s.value for s in STATUSES if s.phase is phase and (skipped is None or s.skipped is skipped))


IN_PROGRESS_STATUSES = frozenset(statuses_of(DeployPhase.IN_PROGRESS))
WAITING_FOR_APPROVAL_STATUSES = frozenset(statuses_of(DeployPhase.AWAITING_APPROVAL))
SUCCEEDED_STATUSES = frozenset(statuses_of(DeployPhase.SUCCEEDED))
SKIPPED_STATUSES = frozenset(s.value for s in STATUSES if s.skipped)
FAILED_STATUSES = frozenset(statuses_of(DeployPhase.FAILED))
SUPERSEDED_STATUSES = frozenset(statuses_of(DeployPhase.SUPERSEDED))


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
        known = _BY_VALUE.get(self.status)
        return known.phase if known else DeployPhase.UNKNOWN

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
