"""Waiting for deploys: the engine under ``DeployGate`` and ``pulumi-nuon wait``.

One coroutine watches any number of installs concurrently (one polling loop per install, HTTP requests bounded by
``max_concurrency``) and ends when every install has passed, when any install has failed (the others are
cancelled), or at the deadline. No Pulumi here: the gate's provider runs this inside the dynamic-provider host.

The waiter only orchestrates. What one poll means is decided by the rules of
:data:`pulumi_nuon.gate.rules.GATE_RULES` (the README and ``pulumi-nuon wait --help`` show them), applied by
:func:`assess` to the poll as :meth:`Watch.see` normalises it; :meth:`Watch.record` keeps the answer and the history
of statuses, and the progress lines and the stale-deploy warning observe it. Which failures are polled through is
the client's retry rule (:func:`~pulumi_nuon.core.errors.is_transient`). The options are the gate's rows of the
option table (:class:`~pulumi_nuon.gate.inputs.WaitOptions`, re-exported here).
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import (
    APIError,
    DeployFailedError,
    DeployTimeoutError,
    InvalidArgumentError,
    is_transient,
)
from pulumi_nuon.core.ids import validate_nuon_id
from pulumi_nuon.core.options import DEPLOY_GATE, check_value
from pulumi_nuon.core.settings import is_loopback_url
from pulumi_nuon.core.status import DeployPhase
from pulumi_nuon.gate.inputs import WaitOptions, check_gate_inputs, previous_passes
from pulumi_nuon.gate.rules import Seen, Verdict
from pulumi_nuon.gate.rules import assess as apply_rules

if TYPE_CHECKING:  # the client loads on the first wait (wait_for_deploys imports it)
    from pulumi_nuon.api.client import AsyncNuonClient
    from pulumi_nuon.api.models import InstallDeploy

__all__ = [
    "InstallOutcome",
    "Verdict",
    "WaitOptions",
    "WaitResult",
    "Watch",
    "assess",
    "check_gate_inputs",
    "previous_passes",
    "wait_for_deploys",
]

_NOT_POLLED = "not polled yet"
# A deploy seen in these phases had not finished when the wait started: passing on it later is never stale.
_UNFINISHED = frozenset({DeployPhase.IN_PROGRESS, DeployPhase.AWAITING_APPROVAL})
# A timeout message lists this many pending installs and counts the rest, so it stays one short paragraph.
_SHOWN_PENDING = 3


class _Late(Exception):
    """The wait's deadline passed before a read could start."""


@dataclass
class Watch:
    """What the waiter remembers about one install between polls."""

    install_id: str
    started: float
    deploy: InstallDeploy | None = None
    missing_since: float | None = None
    approval_since: float | None = None
    approval_deploy: str | None = None
    last_error: str | None = None
    answered: bool = False
    """Nuon answered at least once (a deploy or a 404); until then the outcome is not "missing" but unknown."""
    verdict: Verdict = Verdict.WAIT
    reason: str = _NOT_POLLED
    hint: str = ""
    """What to do about a failure (set with a FAIL verdict)."""
    ended: float | None = None
    seen_statuses: list[str] = field(default_factory=list)
    seen_answer: bool = False
    seen_404: bool = False
    passed_before: str | None = None
    """The deploy this gate passed last on this install: it does not count again (see :func:`previous_passes`)."""
    seen_unfinished: set[str | None] = field(default_factory=set)
    """Deploys this wait saw in progress or awaiting approval: one that then passes finished while watched."""

    @property
    def state(self) -> tuple[str | None, str | None]:
        """(deploy id, status) of the latest deploy seen: what a progress line reports a change of."""
        return (self.deploy.id, self.deploy.status) if self.deploy else (None, None)

    def record(self, deploy: InstallDeploy | None, verdict: Verdict, reason: str) -> bool:
        """Keep this answer and its verdict, and the history of statuses seen (for the timeout message); True when
        it is news: the first answer, or another deploy, status or verdict than the last."""
        first, previous = not self.seen_answer, (self.state, self.verdict)
        self.seen_answer = True
        self.seen_404 = self.seen_404 or deploy is None
        self.deploy, self.verdict, self.reason = deploy, verdict, reason
        status = self.state[1]
        if status and (not self.seen_statuses or self.seen_statuses[-1] != status):
            self.seen_statuses.append(status)
        return first or (self.state, verdict) != previous

    def see(self, deploy: InstallDeploy | None, now: float) -> Seen:
        """This poll as the rules read it (:class:`~pulumi_nuon.gate.rules.Seen`), after remembering since when
        Nuon has answered 404 and since when this deploy has awaited approval."""
        if deploy is None:
            if self.missing_since is None:
                self.missing_since = now
            self.approval_since = None
            return Seen.of(None, missing_for=now - self.missing_since, passed_before=False)
        self.missing_since = None
        if deploy.phase is not DeployPhase.AWAITING_APPROVAL:
            self.approval_since = None
        elif self.approval_deploy != deploy.id or self.approval_since is None:
            self.approval_since, self.approval_deploy = now, deploy.id
        return Seen.of(
            deploy,
            approval_for=0.0 if self.approval_since is None else now - self.approval_since,
            passed_before=self.passed_before is not None and deploy.id == self.passed_before,
        )


def assess(watch: Watch, deploy: InstallDeploy | None, now: float, options: WaitOptions) -> tuple[Verdict, str]:
    """What the latest ``deploy`` of an install means: the rules of :data:`~pulumi_nuon.gate.rules.GATE_RULES`
    applied to this poll (``watch`` remembers what the rules need from earlier polls, and gets a failure's hint)."""
    outcome = apply_rules(watch.see(deploy, now), options)
    if outcome.verdict is Verdict.FAIL:
        watch.hint = outcome.hint
    return outcome.verdict, outcome.reason


@dataclass(frozen=True)
class InstallOutcome:
    """How one install ended (or stood when the wait ended)."""

    install_id: str
    verdict: Verdict
    reason: str
    deploy_id: str | None
    status: str | None
    phase: DeployPhase
    status_description: str | None
    elapsed_seconds: float
    last_error: str | None = None

    @classmethod
    def of(
        cls,
        install_id: str,
        verdict: Verdict,
        reason: str,
        deploy: InstallDeploy | None,
        elapsed_seconds: float,
        last_error: str | None = None,
        answered: bool = True,
    ) -> InstallOutcome:
        """The outcome for an install whose latest deploy is ``deploy`` (None: Nuon answered 404, or with
        ``answered=False``, Nuon never answered: the phase is then unknown, not missing)."""
        missing = DeployPhase.MISSING if answered else DeployPhase.UNKNOWN
        return cls(
            install_id=install_id,
            verdict=verdict,
            reason=reason,
            deploy_id=deploy.id if deploy else None,
            status=deploy.status if deploy else None,
            phase=deploy.phase if deploy else missing,
            status_description=deploy.status_text if deploy else None,
            elapsed_seconds=elapsed_seconds,
            last_error=last_error,
        )


@dataclass(frozen=True)
class WaitResult:
    """The outcome of :func:`wait_for_deploys`."""

    component_id: str
    installs: dict[str, InstallOutcome]
    elapsed_seconds: float
    passed_at: str | None
    warnings: tuple[str, ...] = ()
    """Things the user should know although the wait passed (e.g. it passed on a deploy older than the gate)."""

    @property
    def passed(self) -> bool:
        """True when every install passed."""
        return all(o.verdict is Verdict.PASS for o in self.installs.values())

    @property
    def deploy_ids(self) -> dict[str, str | None]:
        return {i: o.deploy_id for i, o in self.installs.items()}

    @property
    def statuses(self) -> dict[str, str | None]:
        return {i: o.status for i, o in self.installs.items()}


def _elapsed(seconds: float) -> str:
    return f"[{seconds:7.1f}s]"


def _timestamp(text: str | None) -> float | None:
    """Seconds since the epoch of an RFC 3339 timestamp as Nuon writes them; None if absent or unreadable."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.timestamp() if when.tzinfo is not None else None


def _age(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h ago"
    if hours:
        return f"{hours}h {minutes}m ago"
    return f"{minutes}m ago" if minutes else f"{int(seconds)}s ago"


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Waiter:
    def __init__(
        self,
        component_id: str,
        install_ids: Sequence[str],
        options: WaitOptions,
        client: AsyncNuonClient,
        on_progress: Callable[[str], None] | None,
        clock: Callable[[], float],
        sleep: Callable[[float], object],
        rand: Callable[[], float],
        passed_before: Mapping[str, str] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.component_id = component_id
        self.options = options
        self.client = client
        self.on_progress = on_progress
        self.clock = clock
        self.sleep = sleep
        self.rand = rand
        self.start = clock()
        self.deadline = self.start + options.timeout_seconds
        self.limit = asyncio.Semaphore(options.concurrency(len(install_ids)))
        self.watches = {i: Watch(i, self.start, passed_before=(passed_before or {}).get(i)) for i in install_ids}
        self.started_wall = wall_clock()
        self.warnings: list[str] = []

    def say(self, line: str) -> None:
        if self.on_progress is not None:
            self.on_progress(line)

    async def _sleep_until(self, when: float) -> None:
        while (left := when - self.clock()) > 0:
            await self.sleep(min(left, C.WAIT_SLEEP_SLICE))  # type: ignore[misc]

    async def _latest(self, watch: Watch) -> InstallDeploy | None:
        """One read, within the time the wait has left (waiting for a free request slot included)."""
        async with self.limit:
            left = self.deadline - self.clock()
            if left <= 0:
                raise _Late()
            return await self.client.get_latest_deploy(watch.install_id, self.component_id, time_limit=left)

    async def poll(self, watch: Watch) -> None:
        while True:
            now = self.clock()
            try:
                deploy = await self._latest(watch)
            except _Late:
                return
            except APIError as err:
                if not is_transient(err):  # the client's retry rule: Nuon or the network having a bad moment
                    raise
                cut = self.clock() >= self.deadline  # the wait's own deadline ended the read
                watch.last_error = f"(cut short by the deadline) {err}" if cut else str(err)
                if not watch.answered:
                    watch.reason = "no answer from Nuon yet"
                if cut:
                    return
                self.say(f"{_elapsed(now - self.start)} {watch.install_id}: Nuon API error, will retry: {err}")
            else:
                watch.last_error = None
                watch.answered = True
                self.observe(watch, deploy, self.clock())
                if watch.verdict is not Verdict.WAIT:
                    watch.ended = self.clock()
                    return
            interval = self.options.poll_interval_seconds * (1 - self.options.jitter * self.rand())
            next_poll = min(self.clock() + interval, self.deadline)
            if next_poll >= self.deadline:
                await self._sleep_until(self.deadline)
                return
            await self._sleep_until(next_poll)

    def observe(self, watch: Watch, deploy: InstallDeploy | None, now: float) -> None:
        """One answer: the rules decide (:func:`assess`), the watch records it; progress and warnings observe it."""
        verdict, reason = assess(watch, deploy, now, self.options)
        if watch.record(deploy, verdict, reason):
            self.say(f"{_elapsed(now - self.start)} {watch.install_id}: {reason}")
        if deploy is not None and deploy.phase in _UNFINISHED:
            watch.seen_unfinished.add(deploy.id)
        if verdict is Verdict.PASS and deploy is not None:
            self.warn_if_stale(watch, deploy)

    def warn_if_stale(self, watch: Watch, deploy: InstallDeploy) -> None:
        """Say so when an unpinned gate passes on a deploy that finished before the gate started — or on a deploy
        whose time cannot say when it finished (absent, unreadable, without a timezone, or in the future): such a
        deploy may be just as old, and silence would read as "fresh". Never on one it saw unfinished: that one
        finished while watched, whatever its timestamps say."""
        if self.options.build_id is not None or watch.passed_before is not None or deploy.id in watch.seen_unfinished:
            return
        stamp = deploy.updated_at or deploy.created_at
        finished = _timestamp(stamp)
        if finished is not None and finished < self.started_wall:
            age = _age(self.started_wall - finished)
            what = f"which finished {age} before this gate started"
        elif finished is None or finished > self.started_wall + C.MAX_CLOCK_SKEW:
            shown = (stamp or "")[:40]
            problem = (
                "no time"
                if not stamp
                else f"a time in the future ({shown})"
                if finished is not None
                else f"a time without a timezone or unreadable ({shown!r})"
            )
            what = f"whose record has {problem}, so when it finished is unknown"
        else:
            return
        warning = (
            f"warning: {watch.install_id}: passed on deploy {deploy.id}, {what};"
            " without build_id the gate cannot tell it from a deploy still to come. "
            "Pin the deploy with build_id (see the README: which deploy counts)."
        )
        self.warnings.append(warning)
        self.say(warning)

    def outcome(self, watch: Watch, now: float) -> InstallOutcome:
        end = watch.ended if watch.ended is not None else now
        return InstallOutcome.of(
            watch.install_id,
            watch.verdict,
            watch.reason,
            watch.deploy,
            round(end - self.start, 3),
            watch.last_error,
            answered=watch.answered,
        )

    def result(self, passed: bool) -> WaitResult:
        now = self.clock()
        return WaitResult(
            component_id=self.component_id,
            installs={i: self.outcome(w, now) for i, w in self.watches.items()},
            elapsed_seconds=round(now - self.start, 3),
            passed_at=_utc_now() if passed else None,
            warnings=tuple(self.warnings),
        )

    async def run(self) -> WaitResult:
        # Each install's loop puts itself on `finished` when it ends, and the waiter takes them one at a time: the
        # cost of a completion does not grow with the fleet (asyncio.wait(pending) would register and remove a
        # callback on every pending task at each completion: quadratic, a third of a 5,000-install round's CPU).
        finished: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()
        tasks: dict[asyncio.Future[None], Watch] = {}
        for watch in self.watches.values():
            polling = asyncio.ensure_future(self.poll(watch))
            polling.add_done_callback(finished.put_nowait)
            tasks[polling] = watch
        try:
            for _ in range(len(tasks)):
                ended = await finished.get()
                ended.result()  # a non-transient NuonError (401, 403, bad id) ends the wait at once
                if tasks[ended].verdict is Verdict.FAIL:
                    raise self._failed(tasks[ended])
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        result = self.result(passed=all(w.verdict is Verdict.PASS for w in self.watches.values()))
        if not result.passed:
            raise self._timed_out(result)
        self.say(f"{_elapsed(result.elapsed_seconds)} all {len(self.watches)} install(s) passed")
        return result

    def _failed(self, watch: Watch) -> DeployFailedError:
        result = self.result(passed=False)
        waiting = [i for i, w in self.watches.items() if w.verdict is Verdict.WAIT]
        lines = [f"Deploy gate failed on install {watch.install_id} (component {self.component_id}): {watch.reason}."]
        if waiting:
            lines.append(f"Stopped watching {len(waiting)} other install(s).")
        lines.append(watch.hint)
        self.say(f"{_elapsed(result.elapsed_seconds)} gate failed on install {watch.install_id}")
        return DeployFailedError("\n".join(line for line in lines if line), result=result)

    def _timed_out(self, result: WaitResult) -> DeployTimeoutError:
        pending = [o for o in result.installs.values() if o.verdict is not Verdict.PASS]
        lines = [
            f"Deploy gate timed out after {self.options.timeout_seconds:g}s waiting for component "
            f"{self.component_id} on {len(pending)} of {len(result.installs)} install(s):"
        ]
        for o in pending[:_SHOWN_PENDING]:
            watch = self.watches[o.install_id]
            seen = " → ".join(watch.seen_statuses) or (
                "no deploy (404)" if watch.seen_404 else "none (Nuon never answered)"
            )
            line = f"{o.install_id}: {o.reason} — watched {o.elapsed_seconds:.0f}s, statuses seen: {seen}"
            if o.last_error:
                line += f"; last API error: {o.last_error}"
            lines.append(line)
        if len(pending) > _SHOWN_PENDING:
            lines.append(f"… and {len(pending) - _SHOWN_PENDING} more install(s) still waiting.")
        if self.options.timeout_from:
            lines.append(f"The limit was {self.options.timeout_from}.")
        lines.append("If deploys take longer, raise timeout_seconds; otherwise look at the deploys in Nuon.")
        self.say(f"{_elapsed(result.elapsed_seconds)} gate timed out")
        return DeployTimeoutError("\n".join(lines), result=result)


async def wait_for_deploys(
    component_id: str,
    install_ids: Sequence[str],
    *,
    options: WaitOptions | None = None,
    client: AsyncNuonClient | None = None,
    on_progress: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = asyncio.sleep,
    random: Callable[[], float] = _random.random,
    passed_before: Mapping[str, str] | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> WaitResult:
    """Wait until the latest deploy of ``component_id`` is done on every install; return how each ended.

    Which deploy counts: with ``options.build_id``, one of that build; else, on an install listed in
    ``passed_before`` (install id → the deploy this gate passed last, see :func:`previous_passes`), any deploy but
    that one; else the latest, whatever its age — passing on a deploy that finished before the wait started adds a
    warning to the result (and to ``on_progress``).

    Raises :class:`~pulumi_nuon.core.errors.DeployFailedError` as soon as one install's deploy fails (the message names
    the install, deploy id, status and Nuon's description), :class:`~pulumi_nuon.core.errors.DeployTimeoutError` when
    ``options.timeout_seconds`` pass first (the message has each pending install's last status and how long it was
    watched); both carry the :class:`WaitResult` as ``.result``. Transient API errors are polled through until the
    deadline; others (401, 403, bad ids) are raised at once. ``on_progress`` gets one line per status change per
    install, with the elapsed time, and a closing line. Without ``client``, one is made from stack config or env.
    """
    options = options or WaitOptions()
    validate_nuon_id("component_id", component_id, "component")
    installs = list(dict.fromkeys(install_ids))
    if not installs:
        raise InvalidArgumentError("wait_for_deploys needs at least one install id", "install_ids")
    for install_id in installs:
        validate_nuon_id("install_id", install_id, "install")
    own = client is None
    if client is None:
        from pulumi_nuon.api.client import AsyncNuonClient

        client = AsyncNuonClient()
    active = client
    interval = DEPLOY_GATE.input("poll_interval_seconds")
    try:
        check_value(interval, options.poll_interval_seconds, loopback=is_loopback_url(active.api_url))
    except InvalidArgumentError:
        if own:
            await active.aclose()
        raise
    try:
        waiter = _Waiter(
            component_id, installs, options, active, on_progress, clock, sleep, random, passed_before, wall_clock
        )
        return await waiter.run()
    finally:
        if own:
            await active.aclose()
