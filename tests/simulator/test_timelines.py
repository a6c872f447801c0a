"""Deploy timelines in simulated time: ManualClock, per-request auto-advance, WallClock, supersession."""

from __future__ import annotations

import time

import httpx
import pytest

from pulumi_nuon.testing.simulator import APPLY_STATUSES, Timeline, TimelineStep, WallClock
from tests.conftest import Org
from tests.simulator.conftest import latest_path


def _poll(client: httpx.Client, org: Org) -> tuple[int, str | None, str | None]:
    response = client.get(latest_path(org.prod.id, org.app.id))
    if response.status_code == 404:
        return 404, None, None
    body = response.json()
    assert body["status"] == body["status_v2"]["status"]
    return response.status_code, body["id"], body["status"]


def _statuses_every(client: httpx.Client, org: Org, seconds: float, polls: int) -> list[str | None]:
    seen = []
    for _ in range(polls):
        seen.append(_poll(client, org)[2])
        org.sim.advance(seconds)
    return seen


def test_apply_success_walks_nuons_typical_life(org: Org, client: httpx.Client) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=5))
    assert _statuses_every(client, org, 5, 10) == [*APPLY_STATUSES, "active"]


def test_status_v2_keeps_history_oldest_first(org: Org, client: httpx.Client) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=5))
    org.sim.advance(12)
    body = client.get(latest_path(org.prod.id, org.app.id)).json()
    assert [h["status"] for h in body["status_v2"]["history"]] == ["queued", "planning"]
    assert body["status_v2"]["status"] == "syncing"
    assert body["updated_at"] > body["created_at"]


def test_failure_ends_in_error_with_its_description(org: Org, client: httpx.Client) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.failure(description="boom: disk full"))
    org.sim.advance(100)
    body = client.get(latest_path(org.prod.id, org.app.id)).json()
    assert body["status"] == "error"
    assert body["status_description"] == body["status_v2"]["status_human_description"] == "boom: disk full"


@pytest.mark.parametrize(
    ("timeline", "final"),
    [
        (Timeline.approval_denied(step_seconds=1), "approval-denied"),
        (Timeline.pending_approval(step_seconds=1), "pending-approval"),
        (Timeline.auto_skipped(step_seconds=1), "auto-skipped"),
        (Timeline.of((0, "queued"), (3, "hibernating")), "hibernating"),
    ],
)
def test_standard_and_custom_endings(org: Org, client: httpx.Client, timeline: Timeline, final: str) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=timeline)
    org.sim.advance(3600 * 24 * 30)  # a month later it still says the same
    assert _poll(client, org)[2] == final


def test_a_delayed_deploy_is_404_until_it_appears(org: Org, client: httpx.Client) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success().delayed(30))
    assert deploy.start == 30
    seen = []
    for _ in range(4):
        seen.append(_poll(client, org)[0])
        org.sim.advance(10)
    assert seen == [404, 404, 404, 200]  # polled at 0, 10, 20, 30


@pytest.mark.parametrize("status", ["discarded", "retried"])
def test_superseded_deploy_is_followed_by_a_new_latest_deploy(org: Org, client: httpx.Client, status: str) -> None:
    first = org.sim.trigger_deploy(
        org.prod,
        org.app,
        timeline=Timeline.superseded(status, step_seconds=1, then=Timeline.constant("active"), gap=2),
    )
    assert first.next is not None and first.next.id != first.id and first.next.build_id == first.build_id
    seen = []
    for _ in range(6):
        seen.append(_poll(client, org)[1:])
        org.sim.advance(1)
    assert seen[:5] == [
        (first.id, "queued"),
        (first.id, "planning"),
        (first.id, "executing"),
        (first.id, status),
        (first.id, status),
    ]
    assert seen[5] == (first.next.id, "active")  # at t=5 (3 + gap 2) the new deploy is the latest
    assert [d.id for d in org.sim.deploys(org.prod, org.app)] == [first.id, first.next.id]


def test_auto_advance_per_request_drives_the_timeline(org: Org, client: httpx.Client) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=10).delayed(20))
    org.sim.auto_advance(10, route="latest_deploy")
    seen = [_poll(client, org)[2] for _ in range(12)]
    assert seen == [None, None, *APPLY_STATUSES, "active"]
    assert org.sim.now == 120
    assert [r.sim_time for r in org.sim.log.records[:3]] == [0, 10, 20]
    client.get(f"/v1/components/{org.app.id}/releases")  # other routes do not move time
    assert org.sim.now == 120


def test_trigger_deploy_now_replaces_the_latest(org: Org, client: httpx.Client) -> None:
    release = org.sim.add_release(org.app)
    org.sim.advance(60)
    new = org.sim.trigger_deploy(org.prod, org.app, build_id="bldnewbuild000000000000000")
    _, deploy_id, status = _poll(client, org)
    assert (deploy_id, status) == (new.id, "queued")
    assert new.release_id == ""  # no release carries that build
    again = org.sim.trigger_deploy(org.prod, org.app, build_id=release.build_id, timeline=Timeline.constant("active"))
    assert again.release_id == release.steps[0].id
    assert _poll(client, org)[1] == again.id


def test_set_timeline_rescripts_a_running_deploy(org: Org, client: httpx.Client) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.discarded(step_seconds=1))
    assert len(org.sim.deploys(org.prod, org.app)) == 2
    org.sim.set_timeline(deploy, Timeline.failure(step_seconds=1, description="nope"))
    assert len(org.sim.deploys(org.prod, org.app)) == 1  # the follow-up went with the old timeline
    org.sim.advance(10)
    assert _poll(client, org)[1:] == (deploy.id, "error")
    org.sim.remove_deploys(org.prod, org.app)
    assert _poll(client, org)[0] == 404


def test_wall_clock_runs_scaled_real_time() -> None:
    clock = WallClock(speed=1000)
    before = clock.now()
    time.sleep(0.02)
    assert 15 <= clock.now() - before <= 1000  # 20 ms real ≈ 20 s simulated, generous for a busy machine
    clock.advance(500)
    assert clock.now() - before >= 515
    with pytest.raises(ValueError):
        WallClock(speed=0)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "at least one"),
        ((TimelineStep(1, "queued"),), "start at 0"),
        ((TimelineStep(0, "queued"), TimelineStep(5, "a"), TimelineStep(2, "b")), "never go back"),
    ],
)
def test_bad_timelines_are_refused(steps: tuple[TimelineStep, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Timeline(steps)


def test_timeline_from_json_forms() -> None:
    assert Timeline.from_json("apply_success") == Timeline.apply_success()
    assert Timeline.from_json({"kind": "failure", "step_seconds": 1, "description": "x"}) == Timeline.failure(
        step_seconds=1, description="x"
    )
    custom = Timeline.from_json({"steps": [[0, "queued"], [5, "hibernating", "zzz"]], "appear_after": 7})
    assert custom == Timeline.of((0, "queued"), (5, "hibernating", "zzz")).delayed(7)
    chained = Timeline.from_json({"kind": "retried", "then": {"kind": "constant", "status": "active"}})
    assert chained.then == Timeline.constant("active")
    with pytest.raises(ValueError, match="unknown timeline fields"):
        Timeline.from_json({"kind": "constant", "status": "active", "colour": "red"})
    with pytest.raises(ValueError, match="needs 'steps' or a 'kind'"):
        Timeline.from_json({"kind": "sideways"})


def test_a_held_deploy_shows_every_status_to_a_reader_however_late_it_reads(org: Org, client: httpx.Client) -> None:
    """`hold_until_seen`: each status waits for one read of the latest-deploy route (a slow poller on a loaded
    machine still sees the whole rollout), and never shows sooner than the timeline says."""
    org.sim.hold_until_seen = True
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=5))
    assert _poll(client, org)[2] == "queued"
    assert _poll(client, org)[2] == "queued"  # the timeline has not moved on yet
    org.sim.advance(1000)  # the whole timeline has passed, but no one saw it
    assert org.sim.latest_deploy(org.prod, org.app)["status"] == "planning"  # type: ignore[index]
    assert org.sim.latest_deploy(org.prod, org.app)["status"] == "planning"  # type: ignore[index]  # not a read
    seen = [_poll(client, org)[2] for _ in range(len(APPLY_STATUSES) + 2)]
    assert seen == [*APPLY_STATUSES[1:], "active", "active", "active"]
