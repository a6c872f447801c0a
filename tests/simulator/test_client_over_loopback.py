"""The package's API client over real loopback sockets against the simulator's server.

Counts requests in the simulator's log to pin down pagination, retries and when the client stops; checks the
error classes for auth failures and every fault kind; follows deploy timelines with `get_latest_deploy`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pulumi_nuon import AsyncNuonClient, NuonClient
from pulumi_nuon.core.errors import (
    APIStatusError,
    AuthenticationError,
    InternalServerError,
    PermissionDeniedError,
    ReleasesNotServedError,
    ResponseValidationError,
)
from pulumi_nuon.testing.simulator import Fault, SimServer, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, Org


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def nuon(server: SimServer, sleeps: list[float]) -> Iterator[NuonClient]:
    client = NuonClient(
        api_token=CANARY_TOKEN,
        org_id=ORG_ID,
        api_url=server.url,
        max_retries=2,
        sleep=sleeps.append,
        random=lambda: 0.5,
    )
    with client:
        yield client


# -- pagination ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("count", "requests"), [(0, 1), (1, 1), (99, 1), (100, 1), (101, 2), (250, 3), (1000, 10)])
def test_list_releases_pages_by_100_following_next(org: Org, nuon: NuonClient, count: int, requests: int) -> None:
    made = org.sim.add_releases(org.app, count, installs=[])
    releases = list(nuon.list_component_releases(org.app.id))
    assert [r.id for r in releases] == [r.id for r in reversed(made)]
    log = org.sim.log.records
    assert len(log) == requests
    assert [r.params for r in log] == [{"offset": str(100 * i), "limit": "100"} for i in range(requests)]
    assert all(r.auth == "valid" and r.org_id == ORG_ID and r.status == 200 for r in log)


@pytest.mark.parametrize(("limit", "asked"), [(5, ["5"]), (100, ["100"]), (150, ["100", "50"]), (1, ["1"])])
def test_list_releases_with_limit_stops_early(org: Org, nuon: NuonClient, limit: int, asked: list[str]) -> None:
    org.sim.add_releases(org.app, 250, installs=[])
    releases = list(nuon.list_component_releases(org.app.id, limit=limit))
    assert len(releases) == limit
    assert [r.params["limit"] for r in org.sim.log.records] == asked


def test_list_releases_of_an_unknown_component_is_empty(org: Org, nuon: NuonClient) -> None:
    assert list(nuon.list_component_releases("cmpunknown0000000000000000")) == []
    assert org.sim.log.count() == 1


def test_releases_route_gone_is_said_plainly(org: Org, nuon: NuonClient) -> None:
    org.sim.releases_gone = 410
    with pytest.raises(ReleasesNotServedError):
        list(nuon.list_component_releases(org.app.id))
    assert org.sim.log.count() == 1


# -- auth ----------------------------------------------------------------------------------------------------
def test_wrong_token_is_authentication_error_without_retry(org: Org, server: SimServer) -> None:
    client = NuonClient(api_token="wrong-token", org_id=ORG_ID, api_url=server.url, sleep=lambda _: None)
    with client, pytest.raises(AuthenticationError) as caught:
        list(client.list_component_releases(org.app.id))
    assert "wrong-token" not in str(caught.value)
    assert [(r.auth, r.status) for r in org.sim.log.records] == [("invalid", 401)]


def test_wrong_org_is_permission_denied_without_retry(org: Org, server: SimServer) -> None:
    client = NuonClient(api_token=CANARY_TOKEN, org_id="org-other", api_url=server.url, sleep=lambda _: None)
    with client, pytest.raises(PermissionDeniedError) as caught:
        client.get_latest_deploy(org.prod.id, org.app.id)
    assert CANARY_TOKEN not in str(caught.value)
    assert [(r.auth, r.org_id, r.status) for r in org.sim.log.records] == [("valid", "org-other", 403)]


# -- faults --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fault",
    [
        Fault.http_status(500),
        Fault.http_status(503),
        Fault.timeout(),
        Fault.reset(),
        Fault.html(502),
        Fault.rate_limit(None),
    ],
    ids=lambda f: f"{f.kind}-{f.status}",
)
def test_retryable_faults_are_retried_then_succeed(
    org: Org, nuon: NuonClient, sleeps: list[float], fault: Fault
) -> None:
    org.sim.add_releases(org.app, 3)
    org.sim.inject(fault, route="releases", times=2)
    assert len(list(nuon.list_component_releases(org.app.id))) == 3
    assert [r.fault for r in org.sim.log.records] == [fault.kind, fault.kind, None]
    assert len(sleeps) == 2 and all(s > 0 for s in sleeps)


def test_rate_limit_retry_after_is_honoured(org: Org, nuon: NuonClient, sleeps: list[float]) -> None:
    org.sim.trigger_deploy(org.prod, org.app)
    org.sim.inject(Fault.rate_limit(3), times=1)
    org.sim.inject(Fault.rate_limit(20, http_date=True), times=1)
    deploy = nuon.get_latest_deploy(org.prod.id, org.app.id)
    assert deploy is not None and org.sim.log.count() == 3
    assert sleeps[0] == 3
    assert 18 <= sleeps[1] <= 21  # an HTTP date has one-second precision


def test_latency_beyond_the_timeout_is_retried(org: Org, server: SimServer, sleeps: list[float]) -> None:
    org.sim.trigger_deploy(org.prod, org.app)
    org.sim.inject(Fault.latency(0.6), times=1)
    with NuonClient(
        api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=server.url, timeout=0.25, sleep=sleeps.append
    ) as client:
        assert client.get_latest_deploy(org.prod.id, org.app.id) is not None
    assert [r.fault for r in org.sim.log.records] == ["latency", None] and len(sleeps) == 1


def test_trickled_body_arrives_whole(org: Org, nuon: NuonClient) -> None:
    org.sim.add_releases(org.app, 20)
    org.sim.inject(Fault.trickle(chunk_size=16384, seconds_per_chunk=0.005), times=1)
    assert len(list(nuon.list_component_releases(org.app.id))) == 20
    assert org.sim.log.count() == 1


def test_persistent_5xx_gives_up_after_max_retries(org: Org, nuon: NuonClient) -> None:
    org.sim.inject(Fault.http_status(503))
    with pytest.raises(InternalServerError) as caught:
        nuon.get_latest_deploy(org.prod.id, org.app.id)
    assert caught.value.status_code == 503 and org.sim.log.count() == 3


def test_persistent_html_page_is_a_status_error_with_a_message(org: Org, nuon: NuonClient) -> None:
    org.sim.inject(Fault.html(502))
    with pytest.raises(APIStatusError) as caught:
        list(nuon.list_component_releases(org.app.id))
    assert caught.value.status_code == 502 and str(caught.value)
    assert org.sim.log.count() == 3


@pytest.mark.parametrize("fault", [Fault.truncated_json(), Fault.html(200)], ids=["truncated", "html-200"])
def test_a_200_that_is_not_json_is_retried_then_a_validation_error(org: Org, nuon: NuonClient, fault: Fault) -> None:
    org.sim.add_releases(org.app, 3)
    org.sim.trigger_deploy(org.prod, org.app)
    org.sim.inject(fault, times=1)
    assert len(list(nuon.list_component_releases(org.app.id))) == 3  # one bad answer is retried
    org.sim.inject(fault, times=3)
    with pytest.raises(ResponseValidationError):
        nuon.get_latest_deploy(org.prod.id, org.app.id)
    assert org.sim.log.count() == 2 + 3


# -- timelines -----------------------------------------------------------------------------------------------
def test_latest_deploy_none_while_404_then_the_model(org: Org, nuon: NuonClient) -> None:
    release = org.sim.add_release(org.app, installs=[org.staging])  # prod is not part of it
    assert nuon.get_latest_deploy(org.prod.id, org.app.id) is None
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success().delayed(10))
    assert nuon.get_latest_deploy(org.prod.id, org.app.id) is None
    org.sim.advance(10)
    got = nuon.get_latest_deploy(org.prod.id, org.app.id)
    assert got is not None
    assert (got.id, got.status, got.install_id, got.build_id) == (
        deploy.id,
        "queued",
        org.prod.id,
        release.build_id,
    )


def test_polling_with_auto_advance_follows_the_whole_timeline(org: Org, nuon: NuonClient) -> None:
    first = org.sim.trigger_deploy(
        org.prod,
        org.app,
        timeline=Timeline.discarded(step_seconds=10, then=Timeline.apply_success(step_seconds=10)),
    )
    org.sim.auto_advance(10)
    seen: list[tuple[str | None, str | None]] = []
    for _ in range(30):
        got = nuon.get_latest_deploy(org.prod.id, org.app.id)
        assert got is not None
        seen.append((got.id, got.status))
        if got.status == "active":
            break
    assert first.next is not None
    assert seen[:4] == [(first.id, s) for s in ("queued", "planning", "executing", "discarded")]
    assert seen[-1] == (first.next.id, "active")
    # 4 polls of the first deploy (t=0..30), then the new one from t=40 (gap 10) to active at t=120: 9 more
    assert org.sim.log.count("latest_deploy") == len(seen) == 13


def test_failure_timeline_reports_nuons_description(org: Org, nuon: NuonClient) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.failure(description="tf: quota exceeded"))
    org.sim.advance(60)
    got = nuon.get_latest_deploy(org.prod.id, org.app.id)
    assert got is not None and (got.status, got.status_description) == ("error", "tf: quota exceeded")


# -- async ---------------------------------------------------------------------------------------------------
def test_async_client_over_loopback(org: Org, server: SimServer) -> None:
    org.sim.add_releases(org.app, 250, installs=[])
    org.sim.trigger_deploy(org.prod, org.app)
    org.sim.inject(Fault.reset(), route="latest_deploy", times=1)
    org.sim.inject(Fault.http_status(503), route="releases", times=1)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def run() -> tuple[int, str | None]:
        async with AsyncNuonClient(
            api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=server.url, sleep=sleep, random=lambda: 0.5
        ) as client:
            count = len([r async for r in client.list_component_releases(org.app.id)])
            deploy = await client.get_latest_deploy(org.prod.id, org.app.id)
            return count, deploy.status if deploy else None

    assert asyncio.run(run()) == (250, "queued")
    assert org.sim.log.count("releases") == 4 and org.sim.log.count("latest_deploy") == 2
    assert len(sleeps) == 2
