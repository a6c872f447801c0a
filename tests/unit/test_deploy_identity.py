"""Which deploy an answer is: one that names another install or component is an API error (never a pass), a
plan-only deploy (a drift check) is no deploy, and a deploy whose time cannot say when it finished is flagged as
an old one is (issue 22, item 11)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import pulumi_nuon as nuon
from pulumi_nuon.core.errors import ResponseValidationError
from pulumi_nuon.gate.wait import WaitOptions, wait_for_deploys
from pulumi_nuon.testing.simulator import Fault, Simulator, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID


def _answer(sim: Simulator, body: dict[str, Any]) -> tuple[str, str]:
    component = sim.add_component(f"app-{len(sim.log)}-{id(body)}")
    install = sim.add_install(f"install-{id(body)}", components=[component])
    sim.trigger_deploy(install, component, timeline=Timeline.constant("active"))
    sim.inject(Fault.answer(json.dumps(body)), path=install.id)
    return install.id, component.id


@pytest.mark.parametrize(
    ("field", "value"), [("install_id", "inlsomeoneelse000000000000"), ("component_id", "cmpsomeoneelse000000000000")]
)
def test_a_deploy_of_another_install_or_component_is_an_api_error(field: str, value: str) -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    install, component = _answer(sim, {"id": "dpl1", "status": "active", field: value})
    client = nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, transport=sim.transport(), max_retries=0)
    with client, pytest.raises(ResponseValidationError, match=f"a deploy of {field} '{value}', not the"):
        client.get_latest_deploy(install, component)


def test_the_request_ids_stand_in_for_nuons_empty_install_id() -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    install, component = _answer(sim, {"id": "dpl1", "status": "active", "install_id": ""})
    with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, transport=sim.transport()) as client:
        deploy = client.get_latest_deploy(install, component)
    assert deploy is not None and (deploy.install_id, deploy.component_id) == (install, component)


def test_a_plan_only_deploy_is_no_deploy_on_every_client() -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    install, component = _answer(sim, {"id": "dpl1", "status": "active", "plan_only": True})
    with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, transport=sim.transport()) as client:
        assert client.get_latest_deploy(install, component) is None

    async def read() -> Any:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, transport=sim.transport()) as aclient:
            return await aclient.get_latest_deploy(install, component)

    assert asyncio.run(read()) is None


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("3 days ago", "which finished 3d"),
        ("in 3 days", "a time in the future"),
        ("2024-05-01T10:00:00", "without a timezone or unreadable"),
        ("yesterday", "without a timezone or unreadable"),
        ("", "no time"),
    ],
)
def test_a_deploy_whose_time_cannot_say_it_is_fresh_is_flagged(when: str, words: str) -> None:
    now = datetime.now(timezone.utc)
    shifts = {"3 days ago": -3, "in 3 days": 3}
    updated_at = (now + timedelta(days=shifts[when])).isoformat() if when in shifts else when
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    body = {"id": "dpl1", "status": "active", "updated_at": updated_at, "created_at": updated_at}
    install, component = _answer(sim, body)

    async def run() -> Any:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, transport=sim.transport()) as client:
            options = WaitOptions(timeout_seconds=30)  # it passes on its first poll
            return await wait_for_deploys(component, [install], options=options, client=client)

    result = asyncio.run(run())
    assert result.passed and len(result.warnings) == 1, result.warnings
    assert words in result.warnings[0] and "build_id" in result.warnings[0]


def test_a_deploy_that_finished_just_now_is_not_flagged() -> None:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    stamp = (datetime.now(timezone.utc) + timedelta(seconds=60)).isoformat()  # within clock skew
    install, component = _answer(sim, {"id": "dpl1", "status": "active", "updated_at": stamp})

    async def run() -> Any:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, transport=sim.transport()) as client:
            return await wait_for_deploys(component, [install], options=WaitOptions(), client=client)

    assert asyncio.run(run()).warnings == ()
