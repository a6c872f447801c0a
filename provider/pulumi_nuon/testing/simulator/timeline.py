"""Deploy timelines: which status a deploy reports how many simulated seconds after it appeared.

A `Timeline` is data: a list of `(at, status, description)` steps, an optional delay before the deploy
appears at all (the latest-deploy call answers 404 meanwhile), and an optional follow-up timeline for
superseded deploys (`discarded`/`retried`: a new deploy with a new id appears `gap` seconds later and becomes
the latest). The class methods build the standard lives of a Nuon deploy; `Timeline.of(...)` builds any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pulumi_nuon.core.errors import InvalidArgumentError

__all__ = ["APPLY_STATUSES", "Timeline", "TimelineStep"]

# The typical life of an apply deploy, from docs/nuon-api.md.
APPLY_STATUSES: tuple[str, ...] = (
    "queued",
    "planning",
    "syncing",
    "planning",
    "executing",
    "pending-approval",
    "planning",
    "executing",
    "active",
)

_DEFAULT_STEP = 2.0
_DEFAULT_ERROR = (
    "deploy failed: helm upgrade --install: context deadline exceeded: "
    'timed out waiting for the condition: deployment "web" in namespace "app" exceeded its progress deadline'
)


@dataclass(frozen=True)
class TimelineStep:
    """From `at` seconds after the deploy appeared, it reports `status` (and `description`, when not
    empty)."""

    at: float
    status: str
    description: str = ""


@dataclass(frozen=True)
class Timeline:
    """The scripted life of one deploy. Build with the class methods or `Timeline.of`."""

    steps: tuple[TimelineStep, ...]
    appear_after: float = 0.0
    then: Timeline | None = None
    gap: float = _DEFAULT_STEP

    def __post_init__(self) -> None:
        if not self.steps:
            raise InvalidArgumentError("a timeline needs at least one step")
        ats = [s.at for s in self.steps]
        if ats[0] != 0 or ats != sorted(ats):
            raise InvalidArgumentError(f"timeline steps must start at 0 and never go back in time, got {ats}")
        if self.appear_after < 0 or self.gap < 0:
            raise InvalidArgumentError("appear_after and gap must not be negative")

    # -- building --------------------------------------------------------------------------------------------
    @classmethod
    def of(cls, *steps: tuple[float, str] | tuple[float, str, str] | TimelineStep) -> Timeline:
        """Any timeline: `Timeline.of((0, "queued"), (5, "hibernating"), (9, "error", "disk full"))`."""
        return cls(tuple(s if isinstance(s, TimelineStep) else TimelineStep(*s) for s in steps))

    @classmethod
    def sequence(
        cls, statuses: Iterable[str], *, step_seconds: float = _DEFAULT_STEP, last_description: str = ""
    ) -> Timeline:
        """The statuses one after the other, `step_seconds` apart; the last one may carry a description."""
        names = list(statuses)
        return cls(
            tuple(
                TimelineStep(i * step_seconds, name, last_description if i == len(names) - 1 else "")
                for i, name in enumerate(names)
            )
        )

    @classmethod
    def constant(cls, status: str, description: str = "") -> Timeline:
        """A deploy that reports one status from the start (finished deploys of past releases)."""
        return cls((TimelineStep(0.0, status, description),))

    @classmethod
    def apply_success(cls, *, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        """queued → planning → syncing → planning → executing → pending-approval → planning → executing →
        active."""
        return cls.sequence(APPLY_STATUSES, step_seconds=step_seconds)

    @classmethod
    def failure(cls, *, description: str = _DEFAULT_ERROR, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        """An apply that fails while executing: … → executing → error, with Nuon's kind of description."""
        return cls.sequence((*APPLY_STATUSES[:5], "error"), step_seconds=step_seconds, last_description=description)

    @classmethod
    def approval_denied(cls, *, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        """Somebody rejects the plan: … → pending-approval → approval-denied."""
        return cls.sequence(
            (*APPLY_STATUSES[:6], "approval-denied"),
            step_seconds=step_seconds,
            last_description="plan was denied",
        )

    @classmethod
    def pending_approval(cls, *, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        """A deploy that waits for a person forever: … → pending-approval."""
        return cls.sequence(APPLY_STATUSES[:6], step_seconds=step_seconds)

    @classmethod
    def auto_skipped(cls, *, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        """A no-op plan: queued → planning → auto-skipped."""
        return cls.sequence(
            ("queued", "planning", "auto-skipped"),
            step_seconds=step_seconds,
            last_description="no changes in plan, skipping apply",
        )

    @classmethod
    def superseded(
        cls,
        status: str = "discarded",
        *,
        then: Timeline | None = None,
        step_seconds: float = _DEFAULT_STEP,
        gap: float | None = None,
    ) -> Timeline:
        """queued → planning → executing → `status` (discarded/retried); `gap` s later a new deploy runs
        `then`."""
        follow = then if then is not None else cls.apply_success(step_seconds=step_seconds)
        first = cls.sequence(("queued", "planning", "executing", status), step_seconds=step_seconds)
        return first.followed_by(follow, gap=step_seconds if gap is None else gap)

    @classmethod
    def discarded(cls, *, then: Timeline | None = None, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        return cls.superseded("discarded", then=then, step_seconds=step_seconds)

    @classmethod
    def retried(cls, *, then: Timeline | None = None, step_seconds: float = _DEFAULT_STEP) -> Timeline:
        return cls.superseded("retried", then=then, step_seconds=step_seconds)

    def delayed(self, seconds: float) -> Timeline:
        """The same timeline, but the deploy only appears (404 until then) `seconds` after being added."""
        return replace(self, appear_after=seconds)

    def followed_by(self, timeline: Timeline, *, gap: float = _DEFAULT_STEP) -> Timeline:
        """After this timeline's last step, plus `gap` seconds, a new deploy appears and runs `timeline`."""
        return replace(self, then=timeline, gap=gap)

    # -- reading ---------------------------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        """Seconds from the deploy's appearance to its last step."""
        return self.steps[-1].at

    def passed(self, offset: float) -> list[TimelineStep]:
        """The steps reached `offset` seconds after appearing (the last one is the current status)."""
        return [s for s in self.steps if s.at <= offset] or [self.steps[0]]

    @classmethod
    def from_json(cls, data: str | Mapping[str, Any]) -> Timeline:
        """Parse the scenario-file form: `"apply_success"`, `{"kind": "failure", "description": "…"}`, or
        `{"steps": [[0, "queued"], [5, "hibernating"]]}`; any of them with `appear_after`, `then`, `gap`."""
        spec: dict[str, Any] = {"kind": data} if isinstance(data, str) else dict(data)
        appear_after = float(spec.pop("appear_after", 0.0))
        then = cls.from_json(spec.pop("then")) if "then" in spec else None
        gap = spec.pop("gap", None)
        kind = spec.pop("kind", None)
        builders = {
            "apply_success": cls.apply_success,
            "failure": cls.failure,
            "approval_denied": cls.approval_denied,
            "pending_approval": cls.pending_approval,
            "auto_skipped": cls.auto_skipped,
        }
        try:
            if "steps" in spec and kind is None:
                raw: Sequence[Sequence[Any]] = spec.pop("steps")
                timeline = cls.of(*(TimelineStep(float(s[0]), str(s[1]), str(s[2]) if len(s) > 2 else "") for s in raw))
            elif kind == "constant":
                timeline = cls.constant(str(spec.pop("status")), str(spec.pop("description", "")))
            elif kind in ("discarded", "retried"):
                timeline = cls.superseded(kind, then=then, gap=gap, **spec)
                then, spec = None, {}
            elif kind in builders:
                timeline = builders[kind](**spec)
                spec = {}
            else:
                kinds = sorted([*builders, "constant", "discarded", "retried"])
                raise InvalidArgumentError(f"a timeline needs 'steps' or a 'kind' among {kinds}, got {kind!r}")
        except (TypeError, KeyError, IndexError) as err:
            raise InvalidArgumentError(f"bad timeline {data!r}: {err}") from err
        if spec:
            raise InvalidArgumentError(f"unknown timeline fields {sorted(spec)}")
        if then is not None:
            timeline = timeline.followed_by(then, gap=_DEFAULT_STEP if gap is None else float(gap))
        return timeline.delayed(appear_after) if appear_after else timeline
