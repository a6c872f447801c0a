"""Deploy status rules: Nuon's free-form status strings mapped to a small, closed set of phases, and what a
waiter (the ``DeployGate``, ``pulumi-nuon wait``) does in each situation — declared once, in :data:`GATE_RULES`.

Nuon's ``status`` is a plain string whose set of values grows over time, so nothing here may fail on a value it
has never seen: anything unrecognised is ``DeployPhase.UNKNOWN`` and callers keep waiting. The status sets,
:func:`classify`, the README's behaviour table and the CLI's help are all built from :data:`GATE_RULES`
(``docs/nuon-api.md`` has the API facts behind it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "FAILED_STATUSES",
    "GATE_RULES",
    "IN_PROGRESS_STATUSES",
    "SKIPPED_STATUSES",
    "SUCCEEDED_STATUSES",
    "SUPERSEDED_STATUSES",
    "WAITING_FOR_APPROVAL_STATUSES",
    "DeployPhase",
    "GateRule",
    "classify",
    "render_rules_markdown",
    "render_rules_text",
]


class DeployPhase(str, enum.Enum):
    """Where a deploy stands, in terms a waiter can act on."""

    IN_PROGRESS = "in_progress"
    """Nuon is working on it: keep waiting."""
    AWAITING_APPROVAL = "awaiting_approval"
    """A person must approve the plan (``pending-approval``); this can last up to 30 days."""
    SUCCEEDED = "succeeded"
    """Done and applied (``active``, ``inactive``), or a no-op plan whose apply was skipped (``auto-skipped``)."""
    FAILED = "failed"
    """Done, badly: ``error``, ``cancelled``, ``approval-denied``, ``noop``, ``unknown``."""
    SUPERSEDED = "superseded"
    """A newer deploy follows (``discarded``, ``retried``): fetch the latest again."""
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
class GateRule:
    """One row of the behaviour table: in this situation (or for these statuses), the waiter does this.

    ``statuses`` is empty for situations that are not a status value (a 404, the deadline, API errors); ``phase``
    is the :class:`DeployPhase` those statuses classify as, or the phase the situation reports.
    """

    when: str
    action: str
    phase: DeployPhase | None = None
    statuses: tuple[str, ...] = ()
    skipped: bool = False
    """The statuses mean "nothing was applied" (``accept_auto_skipped`` decides whether that passes)."""


GATE_RULES: tuple[GateRule, ...] = (
    GateRule(
        "404 (no deploy yet, or no such install component)",
        "waits, and fails after `not_found_grace_seconds`",
        DeployPhase.MISSING,
    ),
    GateRule("a deploy of another build than `build_id`", "waits for a deploy of the awaited build"),
    GateRule(
        "`queued`, `pending`, `planning`, `syncing`, `executing`",
        "waits",
        DeployPhase.IN_PROGRESS,
        ("queued", "pending", "planning", "syncing", "executing"),
    ),
    GateRule(
        "`pending-approval`",
        "waits; fails after `approval_timeout_seconds` in it, or after one poll interval with "
        "`fail_on_pending_approval`",
        DeployPhase.AWAITING_APPROVAL,
        ("pending-approval",),
    ),
    GateRule("`active`, `inactive` (of the awaited build)", "passes", DeployPhase.SUCCEEDED, ("active", "inactive")),
    GateRule(
        "`auto-skipped` (a no-op plan, nothing applied)",
        "passes, unless `accept_auto_skipped` is false",
        DeployPhase.SUCCEEDED,
        ("auto-skipped",),
        skipped=True,
    ),
    GateRule(
        # Nuon's own "unknown" status is a failure state of the deploy, unlike our UNKNOWN phase for unseen values.
        "`error`, `cancelled`, `approval-denied`, `noop`, `unknown`",
        "fails at once with install, deploy id, status and Nuon's description",
        DeployPhase.FAILED,
        ("error", "cancelled", "approval-denied", "noop", "unknown"),
    ),
    GateRule("`discarded`, `retried`", "follows the newer deploy", DeployPhase.SUPERSEDED, ("discarded", "retried")),
    GateRule("any other value", "waits; the timeout message says what was seen", DeployPhase.UNKNOWN),
    GateRule(
        "the deadline (`timeout_seconds`) passes",
        "fails with each pending install's last status and how long it was watched",
    ),
    GateRule("transient API errors (5xx, 429, timeouts, resets)", "retried, then polled again until the deadline"),
)

_PHASES: dict[str, DeployPhase] = {
    status: rule.phase for rule in GATE_RULES if rule.phase is not None for status in rule.statuses
}


def _statuses(phase: DeployPhase) -> frozenset[str]:
    return frozenset(status for status, p in _PHASES.items() if p is phase)


IN_PROGRESS_STATUSES = _statuses(DeployPhase.IN_PROGRESS)
WAITING_FOR_APPROVAL_STATUSES = _statuses(DeployPhase.AWAITING_APPROVAL)
SUCCEEDED_STATUSES = _statuses(DeployPhase.SUCCEEDED)
SKIPPED_STATUSES = frozenset(status for rule in GATE_RULES if rule.skipped for status in rule.statuses)
FAILED_STATUSES = _statuses(DeployPhase.FAILED)
SUPERSEDED_STATUSES = _statuses(DeployPhase.SUPERSEDED)


def classify(status: str | None) -> DeployPhase:
    """Map a deploy's ``status`` string to a :class:`DeployPhase`; never raises.

    ``None`` and the empty string mean the deploy carries no status (``UNKNOWN``), not that it is missing: a
    missing deploy is a 404, which callers map to ``DeployPhase.MISSING`` themselves.
    """
    if not status:
        return DeployPhase.UNKNOWN
    return _PHASES.get(status.strip().lower(), DeployPhase.UNKNOWN)


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
