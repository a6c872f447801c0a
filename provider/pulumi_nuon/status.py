"""Deploy status classification: Nuon's free-form status strings mapped to a small, closed set of phases.

Nuon's ``status`` is a plain string whose set of values grows over time, so nothing here may fail on a value it
has never seen: anything unrecognised is ``DeployPhase.UNKNOWN`` and callers keep waiting. The table is the one in
NUON-API.md.
"""

from __future__ import annotations

import enum

__all__ = [
    "FAILED_STATUSES",
    "IN_PROGRESS_STATUSES",
    "SKIPPED_STATUSES",
    "SUCCEEDED_STATUSES",
    "SUPERSEDED_STATUSES",
    "WAITING_FOR_APPROVAL_STATUSES",
    "DeployPhase",
    "classify",
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


IN_PROGRESS_STATUSES = frozenset({"queued", "pending", "planning", "syncing", "executing"})
WAITING_FOR_APPROVAL_STATUSES = frozenset({"pending-approval"})
SUCCEEDED_STATUSES = frozenset({"active", "inactive", "auto-skipped"})
SKIPPED_STATUSES = frozenset({"auto-skipped"})
# Nuon's own "unknown" status is a failure state of the deploy, unlike our UNKNOWN phase for unseen values.
FAILED_STATUSES = frozenset({"error", "cancelled", "approval-denied", "noop", "unknown"})
SUPERSEDED_STATUSES = frozenset({"discarded", "retried"})

_PHASES: dict[str, DeployPhase] = {
    **dict.fromkeys(IN_PROGRESS_STATUSES, DeployPhase.IN_PROGRESS),
    **dict.fromkeys(WAITING_FOR_APPROVAL_STATUSES, DeployPhase.AWAITING_APPROVAL),
    **dict.fromkeys(SUCCEEDED_STATUSES, DeployPhase.SUCCEEDED),
    **dict.fromkeys(FAILED_STATUSES, DeployPhase.FAILED),
    **dict.fromkeys(SUPERSEDED_STATUSES, DeployPhase.SUPERSEDED),
}


def classify(status: str | None) -> DeployPhase:
    """Map a deploy's ``status`` string to a :class:`DeployPhase`; never raises.

    ``None`` and the empty string mean the deploy carries no status (``UNKNOWN``), not that it is missing: a
    missing deploy is a 404, which callers map to ``DeployPhase.MISSING`` themselves.
    """
    if not status:
        return DeployPhase.UNKNOWN
    return _PHASES.get(status.strip().lower(), DeployPhase.UNKNOWN)
