"""Every fault kind over real loopback sockets, their in-process emulation, and when rules fire."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx
import pytest

from pulumi_nuon.testing.simulator import Fault, SimServer, Simulator
from tests.conftest import ORG_ID, Org
from tests.simulator.conftest import auth_headers, latest_path, releases_path


@pytest.fixture
def path(org: Org) -> str:
    org.sim.add_releases(org.app, 30)
    return releases_path(org.app.id)


# -- over the socket server ----------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_status_fault_for_the_next_n_requests(org: Org, http: httpx.Client, path: str, status: int) -> None:
    org.sim.inject(Fault.http_status(status), route="releases", times=2)
    statuses = [http.get(path).status_code for _ in range(3)]
    assert statuses == [status, status, 200]
    assert set(http.get(path).json()[0]) >= {"id", "build_id"}
    assert [(r.status, r.fault) for r in org.sim.log.records[:3]] == [(status, "status")] * 2 + [(200, None)]
    org.sim.inject(Fault.http_status(status), times=1)
    body = http.get(path).json()
    assert set(body) == {"error", "user_error", "description"}


def test_timeout_fault_is_408(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.timeout(), times=1)
    assert http.get(path).status_code == 408


def test_rate_limit_with_retry_after_seconds(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.rate_limit(3), times=1)
    response = http.get(path)
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert org.sim.log[0].fault == "rate_limit"


def test_rate_limit_with_retry_after_http_date(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.rate_limit(30, http_date=True), times=1)
    response = http.get(path)
    assert response.status_code == 429
    when = parsedate_to_datetime(response.headers["retry-after"])
    assert response.headers["retry-after"].endswith(" GMT")
    assert 25 <= (when - datetime.now(timezone.utc)).total_seconds() <= 31


def test_rate_limit_without_retry_after(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.rate_limit(None), times=1)
    response = http.get(path)
    assert response.status_code == 429 and "retry-after" not in response.headers


def test_latency_delays_the_answer(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.latency(0.3), times=1)
    with pytest.raises(httpx.ReadTimeout):
        http.get(path, timeout=0.05)
    started = time.monotonic()
    org.sim.inject(Fault.latency(0.1), times=1)
    assert http.get(path).status_code == 200
    assert time.monotonic() - started >= 0.1


def test_reset_closes_the_connection_without_a_response(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.reset(), times=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get(path)
    assert http.get(path).status_code == 200  # the next request gets a fresh connection
    assert [(r.status, r.fault) for r in org.sim.log.records] == [(None, "reset"), (200, None)]


def test_truncated_json_is_a_complete_response_with_half_a_body(org: Org, http: httpx.Client, path: str) -> None:
    full = http.get(path).content
    org.sim.inject(Fault.truncated_json(), times=1)
    response = http.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert full.startswith(response.content) and 0 < len(response.content) < len(full)
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_html_error_page_like_a_proxy(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.html(502), times=1)
    response = http.get(path)
    assert response.status_code == 502 and response.headers["content-type"] == "text/html"
    assert response.text.startswith("<html>") and "502 Bad Gateway" in response.text


def test_trickle_sends_the_body_in_slow_chunks(org: Org, http: httpx.Client, path: str) -> None:
    full = http.get(path, params={"limit": 2}).content
    chunks = -(-len(full) // 8192)
    org.sim.inject(Fault.trickle(chunk_size=8192, seconds_per_chunk=0.02), times=1)
    started = time.monotonic()
    # a read timeout longer than one pause but shorter than the whole body: each chunk resets it
    response = http.get(path, params={"limit": 2}, timeout=httpx.Timeout(5.0, read=0.5))
    assert response.content == full and chunks >= 3
    assert time.monotonic() - started >= 0.02 * (chunks - 1)


def test_faults_are_per_route_and_the_first_matching_rule_wins(org: Org, http: httpx.Client, path: str) -> None:
    org.sim.trigger_deploy(org.prod, org.app)
    org.sim.inject(Fault.http_status(503), route="latest_deploy", times=1)
    org.sim.inject(Fault.http_status(500), times=2)
    assert http.get(path).status_code == 500  # the latest_deploy rule does not match releases
    assert http.get(latest_path(org.prod.id, org.app.id)).status_code == 503
    assert http.get(latest_path(org.prod.id, org.app.id)).status_code == 500
    assert http.get(latest_path(org.prod.id, org.app.id)).status_code == 200
    assert http.get("/nowhere").status_code == 404


def test_faults_come_before_auth(org: Org, server: SimServer, path: str) -> None:
    org.sim.inject(Fault.http_status(502), times=1)
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get(path).status_code == 502
        assert anonymous.get(path).status_code == 401


def _probability_run(seed: int) -> list[int]:
    sim = Simulator(token="t", org_id=ORG_ID, seed=seed)
    sim.add_component("app")
    sim.inject(Fault.http_status(500), probability=0.3)
    with httpx.Client(transport=sim.transport(), base_url="http://nuon.sim", headers=auth_headers("t")) as c:
        return [c.get("/v1/components/app/releases").status_code for _ in range(60)]


def test_probability_faults_are_reproducible_with_a_seed() -> None:
    first, again, other = _probability_run(11), _probability_run(11), _probability_run(12)
    assert first == again
    assert first != other
    assert 6 <= first.count(500) <= 30 and set(first) == {200, 500}


def test_clear_faults(org: Org, http: httpx.Client, path: str) -> None:
    rule = org.sim.inject(Fault.http_status(500))
    assert http.get(path).status_code == 500 and rule.fired == 1
    org.sim.clear_faults()
    assert http.get(path).status_code == 200


def test_bad_fault_arguments_are_refused(org: Org) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        Fault.http_status(200)
    with pytest.raises(ValueError, match="probability"):
        org.sim.inject(Fault.reset(), probability=1.5)
    with pytest.raises(ValueError, match="unknown route"):
        org.sim.inject(Fault.reset(), route="deploys")  # type: ignore[arg-type]


# -- emulated in process -------------------------------------------------------------------------------------
def test_in_process_reset_raises_like_httpx(org: Org, client: httpx.Client, path: str) -> None:
    org.sim.inject(Fault.reset(), times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(path)
    assert client.get(path).status_code == 200


def test_in_process_latency_trickle_and_truncation(org: Org, client: httpx.Client, path: str) -> None:
    full = client.get(path).content
    org.sim.inject(Fault.latency(0.05), times=1)
    org.sim.inject(Fault.trickle(chunk_size=4096, seconds_per_chunk=0.001), times=1)
    org.sim.inject(Fault.truncated_json(), times=1)
    started = time.monotonic()
    assert client.get(path).content == full
    assert time.monotonic() - started >= 0.05
    assert client.get(path).content == full
    assert full.startswith(client.get(path).content)
    assert [r.fault for r in org.sim.log.records[1:]] == ["latency", "trickle", "truncated_json"]


def test_in_process_async_faults(org: Org, path: str) -> None:
    org.sim.inject(Fault.reset(), times=1)
    org.sim.inject(Fault.trickle(chunk_size=4096, seconds_per_chunk=0.001), times=1)
    org.sim.inject(Fault.latency(0.01), times=1)

    async def run() -> list[int]:
        async with httpx.AsyncClient(
            transport=org.sim.transport(), base_url="http://nuon.sim", headers=auth_headers()
        ) as c:
            with pytest.raises(httpx.RemoteProtocolError):
                await c.get(path)
            return [(await c.get(path)).status_code for _ in range(3)]

    assert asyncio.run(run()) == [200, 200, 200]
