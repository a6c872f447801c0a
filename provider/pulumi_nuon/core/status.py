"""Nuon's deploy status vocabulary, as data: every status value it reports, its phase and what it means
(:data:`STATUSES`), and :func:`classify`.

Nuon's ``status`` is a plain string whose set of values grows over time, so nothing here may fail on a value it
has never seen: anything unrecognised is ``DeployPhase.UNKNOWN`` and callers keep waiting. A status is normalised
once (:func:`normalise_status`: case and surrounding whitespace) before anything reads it, so ``Auto-Skipped `` is
``auto-skipped``; a value that only looks like a known one stays unknown.

What a waiter does with each status is the gate's rules (:data:`pulumi_nuon.gate.rules.GATE_RULES`), built from this
table; so are the status sets, the README's behaviour table, the CLI's help, the native schema's docs and the
simulator's statuses (``docs/nuon-api.md`` has the API facts behind them; a test keeps the two equal).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

__all__ = [
    "FAILED_STATUSES",
    "IN_PROGRESS_STATUSES",
    "SKIPPED_STATUSES",
    "STATUSES",
    "SUCCEEDED_STATUSES",
    "SUPERSEDED_STATUSES",
    "WAITING_FOR_APPROVAL_STATUSES",
    "DeployPhase",
    "Status",
    "classify",
    "normalise_status",
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
