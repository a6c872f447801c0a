"""The simulator's compact description of a Nuon org: components, installs, releases and deploys.

These records hold only what varies (ids, names, build ids, times, timelines). Everything else in a payload is
derived from them by `_payloads`. Times are simulated seconds since the simulator started (negative: the
past). Ids are 26 characters with Nuon's type prefix, drawn from a seeded RNG (or derived from another id),
so a scenario built twice with the same seed has the same ids.
"""

from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .timeline import Timeline, TimelineStep

__all__ = ["Component", "Deploy", "Install", "Release", "ReleaseStep"]

_ALPHABET = string.ascii_lowercase + string.digits
_ID_LENGTH = 26


class Ids:
    """Nuon-shaped ids: a 3-letter type prefix and 23 characters, deterministic given the seed."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def new(self, prefix: str) -> str:
        return prefix + "".join(self._rng.choice(_ALPHABET) for _ in range(_ID_LENGTH - len(prefix)))


def derived_id(prefix: str, base: str, salt: str) -> str:
    """An id that follows from another one, for the many ids inside a payload nobody refers to."""
    digest = int.from_bytes(hashlib.sha256(f"{base}/{salt}".encode()).digest(), "big")
    chars = []
    for _ in range(_ID_LENGTH - len(prefix)):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return prefix + "".join(chars)


@dataclass(frozen=True)
class Stamps:
    """Simulated seconds → RFC 3339 with microseconds (`2026-11-22T10:00:00.123456Z`) and Unix seconds."""

    epoch: datetime

    def iso(self, seconds: float) -> str:
        return (self.epoch + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def unix(self, seconds: float) -> int:
        return int((self.epoch + timedelta(seconds=seconds)).timestamp())


@dataclass
class Component:
    id: str
    name: str
    type: str = "helm_chart"
    config_version: int = 1


@dataclass
class Install:
    id: str
    name: str
    # component id -> install component id; an entry is what makes "the install component" exist.
    install_components: dict[str, str] = field(default_factory=dict)


@dataclass
class ReleaseStep:
    id: str
    install_ids: list[str]
    delay: str = "0s"


@dataclass
class Release:
    id: str
    component_id: str
    build_id: str
    created: float
    steps: list[ReleaseStep]
    status: str | None = None  # None: derived from the deploys of its steps
    status_description: str | None = None
    seq: int = 0


@dataclass
class Deploy:
    """One install deploy. It is visible from `start` on and reports its timeline's status at `now -
    start`."""

    id: str
    install_id: str
    component_id: str
    build_id: str
    start: float
    timeline: Timeline
    release_id: str = ""
    plan_only: bool = False
    deploy_type: str = "apply"
    seq: int = 0
    next: Deploy | None = None  # the deploy that supersedes this one, if its timeline says so
    held: bool = False
    """Each step waits to be read once from the latest-deploy route before the next one shows (a poller then sees
    every status, however slow it is): the simulator's `hold_until_seen`."""
    shown: int = -1
    """The index of the last step the latest-deploy route answered with."""

    def visible(self, now: float) -> bool:
        return self.start <= now

    def passed(self, now: float) -> list[TimelineStep]:
        """The steps reached at `now`; the last one is the current status."""
        steps = self.timeline.passed(now - self.start)
        return steps[: self.shown + 2] if self.held else steps

    def finished(self, now: float) -> bool:
        """The deploy shows its timeline's last step."""
        return len(self.passed(now)) == len(self.timeline.steps)

    def status(self, now: float) -> str:
        return self.passed(now)[-1].status
