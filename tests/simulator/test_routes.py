"""The two routes against docs/nuon-api.md: auth order, pagination and its headers, 404s, latest-deploy quirks."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, Org
from tests.simulator.conftest import auth_headers, latest_path, releases_path

ERROR_KEYS = {"error", "user_error", "description"}


# -- auth ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-Nuon-Org-ID": ORG_ID}, 401),
        ({"Authorization": "Bearer wrong", "X-Nuon-Org-ID": ORG_ID}, 401),
        ({"Authorization": CANARY_TOKEN, "X-Nuon-Org-ID": ORG_ID}, 401),  # no "Bearer" scheme
        ({"Authorization": "Bearer wrong"}, 401),  # 401 is checked before 403
        ({"Authorization": f"Bearer {CANARY_TOKEN}"}, 403),
        ({"Authorization": f"Bearer {CANARY_TOKEN}", "X-Nuon-Org-ID": "org-other"}, 403),
        ({"Authorization": f"bearer {CANARY_TOKEN}", "X-Nuon-Org-ID": ORG_ID}, 200),
    ],
)
@pytest.mark.parametrize("route", ["releases", "latest"])
def test_auth_401_before_403_on_both_routes(org: Org, headers: dict[str, str], status: int, route: str) -> None:
    org.sim.trigger_deploy(org.prod, org.app)
    path = releases_path(org.app.id) if route == "releases" else latest_path(org.prod.id, org.app.id)
    with httpx.Client(transport=org.sim.transport(), base_url="http://nuon.sim") as c:
        response = c.get(path, headers=headers)
    assert response.status_code == status
    if status != 200:
        assert set(response.json()) == ERROR_KEYS
        assert response.headers["content-type"].startswith("application/json")


def test_request_log_keeps_auth_state_but_never_the_token(org: Org) -> None:
    with httpx.Client(transport=org.sim.transport(), base_url="http://nuon.sim") as c:
        c.get(releases_path(org.app.id))
        c.get(releases_path(org.app.id), headers={"Authorization": "Bearer nope"})
        c.get(releases_path(org.app.id), headers=auth_headers(org_id="org-x"))
        c.get(releases_path(org.app.id), headers=auth_headers(), params={"limit": 5})
    records = org.sim.log.records
    assert [(r.auth, r.org_id, r.status) for r in records] == [
        ("missing", None, 401),
        ("invalid", None, 401),
        ("valid", "org-x", 403),
        ("valid", ORG_ID, 200),
    ]
    assert records[3].params == {"limit": "5"} and records[3].route == "releases"
    assert records[3].headers["x-nuon-org-id"] == ORG_ID and "authorization" not in records[3].headers
    assert CANARY_TOKEN not in repr(records) and "nope" not in repr(records)
    org.sim.log.clear()
    assert len(org.sim.log) == 0


# -- releases and pagination ---------------------------------------------------------------------------------
def _page(client: httpx.Client, component_id: str, **params: str | int) -> httpx.Response:
    response = client.get(releases_path(component_id), params=params)
    assert response.status_code == 200
    return response


def _page_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("x-nuon-page-")}


def test_unknown_component_is_200_empty_list(client: httpx.Client) -> None:
    response = _page(client, "cmpdoesnotexist00000000000")
    assert response.json() == []
    assert _page_headers(response) == {
        "x-nuon-page-next": "false",
        "x-nuon-page-offset": "0",
        "x-nuon-page-limit": "10",
    }


def test_releases_are_newest_first_with_default_limit_10(org: Org, client: httpx.Client) -> None:
    made = org.sim.add_releases(org.app, 25, installs=[])
    response = _page(client, org.app.id)
    assert [r["id"] for r in response.json()] == [r.id for r in reversed(made)][:10]
    assert _page_headers(response) == {
        "x-nuon-page-next": "true",
        "x-nuon-page-offset": "0",
        "x-nuon-page-limit": "10",
    }
    created = [r["created_at"] for r in response.json()]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(
    ("params", "count", "headers"),
    [
        ({"limit": 100}, 100, {"next": "true", "offset": "0", "limit": "100"}),
        ({"limit": 500}, 100, {"next": "true", "offset": "0", "limit": "100"}),  # silently capped
        ({"limit": 100, "offset": 200}, 50, {"next": "false", "offset": "200", "limit": "100"}),
        ({"offset": 240}, 10, {"next": "false", "offset": "240", "limit": "10"}),
        ({"offset": 239}, 10, {"next": "true", "offset": "239", "limit": "10"}),
        ({"offset": 400}, 0, {"next": "false", "offset": "400", "limit": "10"}),
        ({"page": 1}, 10, {"next": "true", "offset": "0", "limit": "10", "number": "1"}),
        ({"page": 3, "limit": 100}, 50, {"next": "false", "offset": "200", "limit": "100", "number": "3"}),
        ({"page": 2, "limit": 1000}, 100, {"next": "true", "offset": "100", "limit": "100", "number": "2"}),
        ({"page": 2, "offset": 7}, 10, {"next": "true", "offset": "10", "limit": "10", "number": "2"}),
        ({"page": 0, "offset": 5}, 10, {"next": "true", "offset": "5", "limit": "10"}),  # page 0: no Number
        ({"limit": "abc", "offset": "x", "page": "1.5"}, 10, {"next": "true", "offset": "0", "limit": "10"}),
        ({"limit": "", "offset": "2.0"}, 10, {"next": "true", "offset": "0", "limit": "10"}),
    ],
)
def test_pagination_rules_and_headers(
    org: Org, client: httpx.Client, params: dict[str, str | int], count: int, headers: dict[str, str]
) -> None:
    made = list(reversed(org.sim.add_releases(org.app, 250, installs=[])))  # newest first
    response = _page(client, org.app.id, **params)
    assert _page_headers(response) == {f"x-nuon-page-{k}": v for k, v in headers.items()}
    offset = int(headers["offset"])
    assert [r["id"] for r in response.json()] == [r.id for r in made[offset : offset + count]]


def test_releases_embed_full_install_deploys_linked_to_their_step(org: Org, client: httpx.Client) -> None:
    release = org.sim.add_release(org.app)  # to both installs, already active
    [payload] = _page(client, org.app.id).json()
    assert payload["id"] == release.id and payload["build_id"] == release.build_id
    assert payload["status"] == "active" and payload["total_release_steps"] == 1
    [step] = payload["release_steps"]
    assert step["component_release_id"] == release.id and step["status"] == "active"
    assert step["requested_install_ids"] == [org.prod.id, org.staging.id]
    deploys = step["install_deploys"]
    assert [d["install_id"] for d in deploys] == [org.prod.id, org.staging.id]
    for deploy in deploys:
        assert deploy["release_id"] == step["id"] and deploy["build_id"] == release.build_id
        assert deploy["component_id"] == org.app.id and deploy["component_name"] == "web-app"
        assert deploy["component_build"]["id"] == release.build_id
        assert deploy["runner_jobs"][0]["status"] == "finished"
        assert deploy["oci_artifact"]["digest"].startswith("sha256:")
        assert deploy["status"] == deploy["status_v2"]["status"] == "active"


def test_release_status_follows_its_deploys(org: Org, client: httpx.Client) -> None:
    org.sim.add_release(org.app, installs=[org.prod], timeline=Timeline.failure(step_seconds=1))
    assert _page(client, org.app.id).json()[0]["status"] == "executing_release_steps"
    org.sim.advance(10)
    [payload] = _page(client, org.app.id).json()
    assert payload["status"] == "error" and payload["release_steps"][0]["status"] == "error"


def test_ids_and_timestamps_have_nuon_shapes(org: Org, client: httpx.Client) -> None:
    org.sim.add_release(org.app)
    [payload] = _page(client, org.app.id).json()
    deploy = payload["release_steps"][0]["install_deploys"][0]
    for value, prefix in [
        (payload["id"], "rel"),
        (payload["release_steps"][0]["id"], "rel"),
        (payload["build_id"], "bld"),
        (deploy["id"], "dpl"),
        (deploy["install_id"], "inl"),
        (deploy["component_id"], "cmp"),
    ]:
        assert len(value) == 26 and value.startswith(prefix) and value.isalnum()
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
    assert stamp.fullmatch(payload["created_at"]) and stamp.fullmatch(deploy["updated_at"])
    assert not payload["created_at"].endswith(".000000Z")  # a seeded fraction, like real timestamps


def test_releases_route_gone_answers_404_or_410_for_the_whole_path(org: Org, client: httpx.Client) -> None:
    org.sim.add_releases(org.app, 3)
    for status in (404, 410):
        org.sim.releases_gone = status
        for path in (releases_path(org.app.id), releases_path("cmpunknown")):
            response = client.get(path, params={"limit": 100})
            assert response.status_code == status
            assert set(response.json()) == ERROR_KEYS
    org.sim.releases_gone = None
    assert len(_page(client, org.app.id).json()) == 3
    with pytest.raises(ValueError, match="404 or 410"):
        org.sim.releases_gone = 500


# -- latest deploy -------------------------------------------------------------------------------------------
def test_latest_deploy_404_when_no_install_component_or_no_deploy_yet(org: Org, client: httpx.Client) -> None:
    other = org.sim.add_component("worker")  # not on any install
    bodies = [
        client.get(latest_path(org.prod.id, org.app.id)),  # install component exists, no deploy yet
        client.get(latest_path(org.prod.id, other.id)),  # no install component
        client.get(latest_path("inlunknown", org.app.id)),
    ]
    assert [r.status_code for r in bodies] == [404, 404, 404]
    assert all(r.json() == bodies[0].json() for r in bodies)
    assert bodies[0].json()["description"] == "not found"


def test_latest_deploy_body_shape(org: Org, client: httpx.Client) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app)
    body = client.get(latest_path(org.prod.id, org.app.id)).json()
    assert body["id"] == deploy.id and body["build_id"] == deploy.build_id
    assert body["install_id"] == ""
    assert not {"component_id", "component_name", "runner_jobs", "workflow"} & set(body)
    assert body["outputs"] == {}
    assert body["status"] == body["status_v2"]["status"] == "queued"
    assert body["status_v2"]["status_human_description"]
    assert body["status_v2"]["history"] == []


def test_latest_deploy_release_id_is_a_release_step_id(org: Org, client: httpx.Client) -> None:
    release = org.sim.add_release(org.app, installs=[org.prod])
    body = client.get(latest_path(org.prod.id, org.app.id)).json()
    assert body["release_id"] == release.steps[0].id != release.id
    assert body["build_id"] == release.build_id


def test_plan_only_deploys_are_never_returned(org: Org, client: httpx.Client) -> None:
    org.sim.trigger_deploy(org.prod, org.app, plan_only=True)
    assert client.get(latest_path(org.prod.id, org.app.id)).status_code == 404
    real = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
    org.sim.advance(5)
    org.sim.trigger_deploy(org.prod, org.app, plan_only=True)  # newer, but a drift check
    assert client.get(latest_path(org.prod.id, org.app.id)).json()["id"] == real.id


def test_detach_makes_the_install_component_disappear(org: Org, client: httpx.Client) -> None:
    org.sim.trigger_deploy(org.prod, org.app)
    assert client.get(latest_path(org.prod.id, org.app.id)).status_code == 200
    org.sim.detach(org.prod, org.app)
    assert client.get(latest_path(org.prod.id, org.app.id)).status_code == 404


# -- everything else -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/components"),
        ("GET", "/v1/components/cmpx/releases/extra"),
        ("GET", "/v1/installs/inlx/components/cmpx/deploys"),
        ("POST", "/v1/components/cmpx/releases"),
        ("GET", "/"),
    ],
)
def test_unknown_paths_are_404_with_nuon_error_body(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


def test_simulator_reads_match_the_routes(org: Org, client: httpx.Client) -> None:
    org.sim.add_releases(org.app, 3)
    assert org.sim.releases(org.app) == _page(client, org.app.id).json()
    assert org.sim.latest_deploy(org.prod, org.app) == client.get(latest_path(org.prod.id, org.app.id)).json()
    assert org.sim.latest_deploy("globex-staging", "web-app") is not None  # names work too
    with pytest.raises(KeyError, match="no install"):
        org.sim.latest_deploy("nowhere", org.app)


def test_async_client_gets_the_same_answers(org: Org) -> None:
    org.sim.add_releases(org.app, 3)

    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=org.sim.transport(), base_url="http://nuon.sim", headers=auth_headers()
        ) as c:
            return await c.get(releases_path(org.app.id))

    response = asyncio.run(fetch())
    assert response.status_code == 200 and len(response.json()) == 3
