"""The waiter's decision for one poll (``assess``), the options' validation and its concurrency, without any I/O."""

from __future__ import annotations

import asyncio
import re

import pytest

from pulumi_nuon.api.client import AsyncNuonClient
from pulumi_nuon.api.models import InstallDeploy
from pulumi_nuon.core.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    is_transient,
)
from pulumi_nuon.gate.wait import Verdict, WaitOptions, WaitResult, Watch, assess, wait_for_deploys
from pulumi_nuon.testing.simulator import Fault, Simulator, Timeline
from tests.conftest import BLD1, BLD2, CANARY_TOKEN, CMP1, INL1, ORG_ID


def deploy(status: str, *, build: str = BLD1, id: str = "dpl1", description: str | None = None) -> InstallDeploy:
    return InstallDeploy(id=id, status=status, build_id=build, status_description=description)


def watch() -> Watch:
    return Watch(INL1, started=0.0)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        ("queued", Verdict.WAIT),
        ("executing", Verdict.WAIT),
        ("pending-approval", Verdict.WAIT),
        ("active", Verdict.PASS),
        ("inactive", Verdict.PASS),
        ("auto-skipped", Verdict.PASS),
        ("error", Verdict.FAIL),
        ("cancelled", Verdict.FAIL),
        ("approval-denied", Verdict.FAIL),
        ("noop", Verdict.FAIL),
        ("unknown", Verdict.FAIL),
        ("discarded", Verdict.WAIT),
        ("retried", Verdict.WAIT),
        ("hibernating", Verdict.WAIT),
    ],
)
def test_each_status_class_gets_its_verdict(status: str, verdict: Verdict) -> None:
    assert assess(watch(), deploy(status), 0.0, WaitOptions())[0] is verdict


def test_a_failure_reason_carries_install_deploy_status_and_nuons_words() -> None:
    verdict, reason = assess(watch(), deploy("error", description="helm failed"), 0.0, WaitOptions())
    assert (verdict, reason) == (Verdict.FAIL, "deploy dpl1 ended in status 'error': helm failed")


def test_404_waits_until_the_grace_has_passed() -> None:
    w, options = watch(), WaitOptions(not_found_grace_seconds=30)
    assert assess(w, None, 100.0, options)[0] is Verdict.WAIT
    assert assess(w, None, 130.0, options)[0] is Verdict.WAIT
    assert assess(w, None, 130.1, options)[0] is Verdict.FAIL


def test_404_grace_restarts_after_a_deploy_was_seen() -> None:
    w, options = watch(), WaitOptions(not_found_grace_seconds=30)
    assess(w, None, 0.0, options)
    assess(w, deploy("queued"), 20.0, options)
    assert assess(w, None, 40.0, options)[0] is Verdict.WAIT


def test_without_grace_404_waits_for_ever() -> None:
    # Polled over and over, far past the default grace (300 s): a first 404 alone would wait under any grace.
    w, options = watch(), WaitOptions(not_found_grace_seconds=None)
    assert [assess(w, None, t, options)[0] for t in (0.0, 301.0, 1e6, 1e9)] == [Verdict.WAIT] * 4
    assert assess(w, None, 1e9, WaitOptions())[0] is Verdict.FAIL  # the same watch under the default grace


def test_a_deploy_of_another_build_is_waited_past_even_when_it_failed() -> None:
    options = WaitOptions(build_id=BLD2)
    assert assess(watch(), deploy("active", build=BLD1), 0.0, options)[0] is Verdict.WAIT
    assert assess(watch(), deploy("error", build=BLD1), 0.0, options)[0] is Verdict.WAIT
    assert assess(watch(), deploy("active", build=BLD2), 0.0, options)[0] is Verdict.PASS


def test_approval_timeout_counts_from_when_the_deploy_entered_pending_approval() -> None:
    w, options = watch(), WaitOptions(approval_timeout_seconds=60)
    assert assess(w, deploy("executing"), 0.0, options)[0] is Verdict.WAIT
    assert assess(w, deploy("pending-approval"), 10.0, options)[0] is Verdict.WAIT
    assert assess(w, deploy("pending-approval"), 69.0, options)[0] is Verdict.WAIT
    verdict, reason = assess(w, deploy("pending-approval"), 70.0, options)
    assert verdict is Verdict.FAIL and "waited for approval for 60s (limit 60s)" in reason


def test_approval_clock_restarts_for_a_new_deploy_or_after_leaving_the_state() -> None:
    w, options = watch(), WaitOptions(approval_timeout_seconds=60)
    assess(w, deploy("pending-approval"), 0.0, options)
    assess(w, deploy("planning"), 30.0, options)
    assert assess(w, deploy("pending-approval"), 80.0, options)[0] is Verdict.WAIT
    assert assess(w, deploy("pending-approval", id="dpl2"), 130.0, options)[0] is Verdict.WAIT


def test_fail_on_pending_approval_allows_one_poll_interval() -> None:
    w, options = watch(), WaitOptions(fail_on_pending_approval=True, poll_interval_seconds=10, timeout_seconds=100)
    assert assess(w, deploy("pending-approval"), 0.0, options)[0] is Verdict.WAIT
    assert assess(w, deploy("pending-approval"), 10.0, options)[0] is Verdict.FAIL


def test_auto_skipped_fails_when_not_accepted() -> None:
    verdict, reason = assess(watch(), deploy("auto-skipped"), 0.0, WaitOptions(accept_auto_skipped=False))
    assert verdict is Verdict.FAIL and "accept_auto_skipped is False" in reason


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"timeout_seconds": 0}, "timeout_seconds must be a number greater than 0 and at most 604800, got 0"),
        (
            {"poll_interval_seconds": 0},
            "poll_interval_seconds must be a number at least 1 (0.01 on a loopback API URL)",
        ),
        ({"timeout_seconds": 8 * 24 * 3600}, "timeout_seconds must be a number greater than 0 and at most 604800"),
        ({"timeout_seconds": 5, "poll_interval_seconds": 6}, "must not exceed timeout_seconds"),
        (
            {"approval_timeout_seconds": -1},
            "approval_timeout_seconds must be a number at least 0 and at most 604800, got -1",
        ),
        (
            {"not_found_grace_seconds": -1},
            "not_found_grace_seconds must be a number at least 0 and at most 604800, got -1",
        ),
        ({"max_concurrency": 0}, "max_concurrency must be a whole number at least 1 and at most 64, got 0"),
        ({"jitter": 1.0}, "jitter must be in [0, 1)"),
    ],
)
def test_options_refuse_what_cannot_work(kwargs: dict[str, float], problem: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(problem)) as info:
        WaitOptions(**kwargs)  # type: ignore[arg-type]
    assert info.value.argument == next(iter(kwargs)) or "exceed" in problem


@pytest.mark.parametrize(
    ("installs", "poll_interval", "concurrency"),
    [(1, 10.0, 8), (200, 10.0, 8), (201, 10.0, 9), (500, 10.0, 20), (800, 10.0, 32), (5000, 10.0, 32), (500, 60.0, 8)],
)
def test_unset_concurrency_scales_with_the_fleet_and_the_poll_interval(
    installs: int, poll_interval: float, concurrency: int
) -> None:
    options = WaitOptions(poll_interval_seconds=poll_interval)
    assert options.max_concurrency is None and options.concurrency(installs) == concurrency


def test_a_set_concurrency_is_used_whatever_the_fleet() -> None:
    assert WaitOptions(max_concurrency=3).concurrency(5000) == 3
    assert WaitOptions(max_concurrency=64).concurrency(1) == 64


def test_the_waiter_keeps_at_most_its_concurrency_in_flight() -> None:
    import asyncio

    in_flight, most = 0, 0

    class Client:
        api_url = "http://127.0.0.1:9"

        async def get_latest_deploy(self, install_id: str, component_id: str, *, time_limit: float) -> InstallDeploy:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.001)
            in_flight -= 1
            return deploy("active")

    installs = [f"inl{n:023d}" for n in range(500)]
    result = asyncio.run(wait_for_deploys(CMP1, installs, options=WaitOptions(), client=Client()))  # type: ignore[arg-type]
    assert result.passed and most == 20


def _wait_through(statuses: list[str]) -> tuple[str, ...]:
    """Wait on one install whose latest deploy reports ``statuses`` in turn (then the last for ever), each stamped
    ten days before the wait's wall clock; return the warnings."""
    import asyncio
    from datetime import datetime, timezone

    ten_days_ago = "2026-11-22T10:00:00Z"
    wall = datetime(2026, 12, 2, 10, tzinfo=timezone.utc).timestamp()
    served = iter(statuses)
    last = statuses[-1]

    class Client:
        api_url = "http://127.0.0.1:9"

        async def get_latest_deploy(self, install_id: str, component_id: str, *, time_limit: float) -> InstallDeploy:
            nonlocal last
            last = next(served, last)
            return InstallDeploy(id="dpl1", status=last, build_id=BLD1, updated_at=ten_days_ago)

    async def no_sleep(_seconds: float) -> None:
        await asyncio.sleep(0)

    options = WaitOptions(poll_interval_seconds=1, timeout_seconds=60)
    clock = iter(range(1_000_000))
    result = asyncio.run(
        wait_for_deploys(
            CMP1,
            [INL1],
            options=options,
            client=Client(),  # type: ignore[arg-type]
            sleep=no_sleep,
            clock=lambda: float(next(clock)),
            wall_clock=lambda: wall,
        )
    )
    assert result.passed
    return result.warnings


def test_an_unpinned_wait_passing_on_a_deploy_it_never_saw_running_warns_of_its_age() -> None:
    (warning,) = _wait_through(["active"])
    assert "passed on deploy dpl1, which finished 10d 0h ago before this gate started" in warning


@pytest.mark.parametrize("seen", [["queued", "executing", "active"], ["pending-approval", "active"]])
def test_a_deploy_the_wait_watched_finish_is_never_stale_whatever_its_timestamps(seen: list[str]) -> None:
    assert _wait_through(seen) == ()


# -- one retry rule: what the client retries within a call is what the waiter polls through ----------------------


def _gate_over(sim: Simulator, **options: float) -> WaitResult:
    app = sim.add_component("app")
    prod = sim.add_install("prod", components=[app])
    sim.add_releases(app, 1, installs=[])
    sim.trigger_deploy(prod, app, timeline=Timeline.constant("active"))

    async def run() -> WaitResult:
        async with AsyncNuonClient(
            api_token=CANARY_TOKEN,
            org_id=ORG_ID,
            api_url="http://127.0.0.1:9",
            transport=sim.transport(),
            max_retries=0,
        ) as client:
            wait = WaitOptions(timeout_seconds=5, poll_interval_seconds=0.01, **options)  # type: ignore[arg-type]
            return await wait_for_deploys(app.id, [prod.id], options=wait, client=client)

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (APIStatusError("408", method="GET", path="/p", status_code=408), True),
        (RateLimitError("429", method="GET", path="/p", status_code=429), True),
        (InternalServerError("503", method="GET", path="/p", status_code=503), True),
        (APIConnectionError("reset", method="GET", path="/p"), True),
        (ResponseValidationError("truncated", method="GET", path="/p"), True),
        (ResponseTooLargeError("80 MiB", method="GET", path="/p"), False),
        (APIStatusError("413", method="GET", path="/p", status_code=413), False),
        (ConflictError("409", method="GET", path="/p", status_code=409), False),
        (AuthenticationError("401", method="GET", path="/p", status_code=401), False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_the_retry_rule(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_the_waiter_polls_through_a_408_as_the_client_retries_it() -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    sim.inject(Fault.timeout(), times=3)  # no retries in the client: three polls meet a 408
    result = _gate_over(sim)
    assert result.passed and sim.log.count() == 4


def test_the_waiter_stops_at_once_on_an_over_large_body_as_the_client_does_not_retry_it() -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    sim.inject(Fault.huge())
    with pytest.raises(ResponseTooLargeError):
        _gate_over(sim)
    assert sim.log.count() == 1
