"""DeployGate through LocalEngine: the provider runs in a real `python -m pulumi.dynamic` host and polls the
simulator over loopback. Each poll moves simulated time on (auto-advance), so whole deploy lives take milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

import pulumi_nuon as nuon
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, DATA, INL1, INL2
from tests.resources.conftest import Env

FAST = {"poll_interval_seconds": 0.01, "timeout_seconds": 20}


def gate_program(**kwargs: Any) -> Callable[[], None]:
    def program() -> None:
        config = pulumi.Config("test")
        extra = json.loads(config.get("extra") or "{}")
        gate = nuon.DeployGate("gate", **{**FAST, **kwargs, **extra})
        for name in ("phase", "deploy_ids", "statuses", "deploy_id", "status", "passed_at"):
            pulumi.export(name, getattr(gate, name))

    return program


def requests_to_latest(env: Env) -> int:
    return env.sim.log.count("latest_deploy")


def test_gate_passes_when_the_deploy_becomes_active(env: Env) -> None:
    deploy = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.apply_success(step_seconds=2))
    env.sim.auto_advance(2)
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.steps["gate"] == "create"
    out = result.outputs
    assert (out["phase"], out["status"], out["deploy_id"]) == ("succeeded", "active", deploy.id)
    assert out["deploy_ids"] == {env.prod.id: deploy.id} and out["statuses"] == {env.prod.id: "active"}
    assert out["passed_at"].endswith("Z")
    # one line per status change, with elapsed time, and the summary
    for status in ("queued", "planning", "syncing", "executing", "pending-approval: waiting for approval"):
        assert f"{env.prod.id}: deploy {deploy.id} is {status}" in result.host_stderr
    assert f"{env.prod.id}: deploy {deploy.id} is active: passed" in result.host_stderr
    assert "all 1 install(s) passed" in result.host_stderr
    assert requests_to_latest(env) >= 5


def test_preview_never_waits(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("executing"))
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.preview()
    assert result.success, result.error
    assert result.steps["gate"] == "create"
    assert requests_to_latest(env) == 0


@pytest.mark.parametrize(
    ("timeline", "words"),
    [
        (
            Timeline.failure(description="helm upgrade failed: timed out waiting for the condition"),
            "ended in status 'error': helm upgrade failed: timed out waiting for the condition",
        ),
        (Timeline.approval_denied(), "ended in status 'approval-denied'"),
        (
            Timeline.of((0, "queued"), (5, "cancelled", "cancelled by jane@example.com")),
            "ended in status 'cancelled': cancelled by jane@example.com",
        ),
    ],
)
def test_gate_fails_the_update_with_nuons_words(env: Env, timeline: Timeline, words: str) -> None:
    deploy = env.sim.trigger_deploy(env.prod, env.app, timeline=timeline)
    env.sim.auto_advance(5)
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.up()
    assert not result.success
    assert words in (result.error or "")
    assert f"on install {env.prod.id} (component {env.app.id}): deploy {deploy.id} ended" in (result.error or "")
    assert [r["name"] for r in result.state["resources"] if r["name"] == "gate"] == []  # a failed create leaves nothing


def test_auto_skipped_passes_unless_refused(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.auto_skipped())
    env.sim.auto_advance(5)
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        assert engine.up().outputs["status"] == "auto-skipped"
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id, accept_auto_skipped=False)) as engine:
        result = engine.up()
    assert (
        not result.success and "auto-skipped" in (result.error or "") and "accept_auto_skipped" in (result.error or "")
    )


def test_approval_timeout_fails_a_deploy_stuck_in_pending_approval(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.pending_approval())
    env.sim.auto_advance(5)
    program = gate_program(component_id=env.app.id, install_id=env.prod.id, approval_timeout_seconds=0.3)
    with env.engine(program) as engine:
        result = engine.up()
    assert not result.success
    assert "has waited for approval" in (result.error or "") and "limit 0.3s" in (result.error or "")


def test_superseded_deploy_is_followed_to_the_new_one(env: Env) -> None:
    first = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.discarded(then=Timeline.apply_success()))
    env.sim.auto_advance(1)
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.up()
    assert result.success, result.error
    assert first.next is not None
    assert result.outputs["deploy_id"] == first.next.id != first.id
    assert f"deploy {first.id} was discarded; following the newer deploy" in result.host_stderr


def test_not_found_is_waited_through_within_the_grace(env: Env) -> None:
    deploy = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.apply_success().delayed(30))
    env.sim.auto_advance(5)
    with env.engine(
        gate_program(component_id=env.app.id, install_id=env.prod.id, not_found_grace_seconds=10)
    ) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["deploy_id"] == deploy.id
    assert "no deploy yet (404)" in result.host_stderr


def test_not_found_past_the_grace_fails(env: Env) -> None:
    program = gate_program(component_id=env.app.id, install_id=env.prod.id, not_found_grace_seconds=0.2)
    with env.engine(program) as engine:
        result = engine.up()
    assert not result.success
    expected = f"on install {env.prod.id} (component {env.app.id}): no deploy of the component appeared within the 0.2s"
    assert expected in (result.error or "")


def test_a_success_of_another_build_waits_for_the_right_build(env: Env) -> None:
    env.sim.trigger_deploy(
        env.prod, env.app, build_id="bldoldbuild000000000000000", timeline=Timeline.constant("active")
    )
    new = env.sim.trigger_deploy(
        env.prod, env.app, build_id="bldnewbuild000000000000000", timeline=Timeline.apply_success(), at=env.sim.now + 30
    )
    env.sim.auto_advance(5)
    program = gate_program(component_id=env.app.id, install_id=env.prod.id, build_id="bldnewbuild000000000000000")
    with env.engine(program) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["deploy_id"] == new.id
    assert "waiting for a deploy of build bldnewbuild000000000000000" in result.host_stderr


def test_timeout_names_the_last_status_and_how_long_it_watched(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.of((0, "queued"), (5, "hibernating")))
    env.sim.auto_advance(5)
    # The deploy never finishes: the gate times out whatever the machine's load, after two reads at least (a
    # 0.6 s limit failed under load, when the host's first read alone took that long).
    program = gate_program(
        component_id=env.app.id, install_id=env.prod.id, timeout_seconds=4, poll_interval_seconds=0.05
    )
    with env.engine(program) as engine:
        result = engine.up()
    error = result.error or ""
    assert not result.success
    assert "timed out after 4s" in error and env.prod.id in error
    assert "statuses seen: queued → hibernating" in error
    assert re.search(r"watched [45]s", error), error


def test_fleet_gate_fails_naming_the_failing_install(env: Env) -> None:
    others = [env.sim.add_install(f"customer-{i}", components=[env.app]) for i in range(3)]
    for install in others[:2]:
        env.sim.trigger_deploy(install, env.app, timeline=Timeline.apply_success())
    bad = env.sim.trigger_deploy(others[2], env.app, timeline=Timeline.failure(description="terraform apply failed"))
    env.sim.auto_advance(2)
    program = gate_program(component_id=env.app.id, install_ids=[i.id for i in others])
    with env.engine(program) as engine:
        result = engine.up()
    assert not result.success
    expected = f"on install {others[2].id} (component {env.app.id}): deploy {bad.id} ended in status 'error'"
    assert f"{expected}: terraform apply failed" in (result.error or "")


def test_fleet_gate_passes_when_every_install_is_done(env: Env) -> None:
    fleet = [env.sim.add_install(f"customer-{i}", components=[env.app]) for i in range(6)]
    deploys = {i.id: env.sim.trigger_deploy(i, env.app, timeline=Timeline.apply_success()).id for i in fleet}
    env.sim.auto_advance(1)
    with env.engine(gate_program(component_id=env.app.id, install_ids=[i.id for i in fleet])) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["deploy_ids"] == deploys
    assert set(result.outputs["statuses"].values()) == {"active"}
    assert result.outputs.get("deploy_id") is None and result.outputs["phase"] == "succeeded"


def _gate_state(result: Any) -> dict[str, Any]:
    (gate,) = [r for r in result.state["resources"] if r["name"] == "gate"]
    return dict(gate)


def test_a_fleet_gate_keeps_its_installs_once_in_state_and_the_program_reads_them_by_install(env: Env) -> None:
    fleet = [env.sim.add_install(f"customer-{i}", components=[env.app]) for i in range(4)]
    deploys = {i.id: env.sim.trigger_deploy(i, env.app, timeline=Timeline.constant("active")).id for i in fleet}
    ids = [i.id for i in fleet]

    def program() -> None:
        config = pulumi.Config("test")
        installs = ids[: int(config.get("installs") or 3)]
        if config.get("reversed"):
            installs.reverse()
        if config.get("swap"):  # the same number of installs, one of them another
            installs = [*installs[:-1], ids[3]]
        gate = nuon.DeployGate(
            "gate",
            **{**FAST, "component_id": env.app.id, "install_ids": installs, "triggers": config.get("release") or "r1"},
        )
        pulumi.export("install_ids", gate.install_ids)
        pulumi.export("deploy_ids", gate.deploy_ids)
        pulumi.export("statuses", gate.statuses)

    with env.engine(program) as engine:
        first = engine.up()
        assert first.success, first.error
        state = _gate_state(first)
        assert state["inputs"]["install_ids"] == ids[:3] and first.outputs["install_ids"] == ids[:3]
        # No install id in the outputs: the deploys and statuses are lists named by 8-character install keys.
        assert not {"install_ids", "deploy_ids", "statuses"} & set(state["outputs"])
        assert sorted(state["outputs"]["fleet"]["deploy_ids"]) == sorted(deploys[i] for i in ids[:3])
        assert not any(i in json.dumps(state["outputs"]) for i in ids)
        # What the program reads is by install id, as always.
        assert first.outputs["deploy_ids"] == {i: deploys[i] for i in ids[:3]}
        assert first.outputs["statuses"] == dict.fromkeys(ids[:3], "active")
        polls = requests_to_latest(env)
        second = engine.up()
        assert second.steps["gate"] == "same" and requests_to_latest(env) == polls
        assert second.outputs["install_ids"] == ids[:3]  # the program still reads the input back
        engine.set_config("test:reversed", "yes")  # the same fleet in another order: nothing to wait for again
        reordered = engine.up()
        assert reordered.steps["gate"] == "same" and requests_to_latest(env) == polls
        assert reordered.outputs["deploy_ids"] == {i: deploys[i] for i in ids[:3]}
        engine.set_config("test:reversed", "")
        engine.set_config("test:installs", "2")  # one install fewer: the diff sees it, from the install keys
        third = engine.up()
        assert third.success and third.steps["gate"] == "update", third.error
        assert third.outputs["install_ids"] == ids[:2]
        assert third.outputs["deploy_ids"] == {i: deploys[i] for i in ids[:2]}
        # One install swapped for another and a new release at once: the installs that stay wait for a deploy
        # newer than the one the gate passed last on them (the keys say which that was), the new one does not.
        engine.set_config("test:installs", "3")
        engine.set_config("test:swap", "yes")
        engine.set_config("test:release", "r2")
        kept = ids[:2]
        newer = {i: env.sim.trigger_deploy(i, env.app, timeline=Timeline.apply_success().delayed(5)).id for i in kept}
        env.sim.auto_advance(1)
        fourth = engine.up()
        assert fourth.success and fourth.steps["gate"] == "update", fourth.error
        for install in kept:
            assert f"waiting for a deploy newer than deploy {deploys[install]}" in fourth.host_stderr
        assert fourth.outputs["deploy_ids"] == {**newer, ids[3]: deploys[ids[3]]}


def _store_outputs(engine: Any, name: str, outputs: dict[str, Any]) -> None:
    """Put ``outputs`` into the state of resource ``name`` in place of the outputs it has: `pulumi stack import` of
    an edited `pulumi stack export`, through LocalEngine's own pair."""
    deployment = engine.export_stack(show_secrets=True)
    (resource,) = [r for r in deployment["deployment"]["resources"] if r["name"] == name]
    resource["outputs"] = outputs
    engine.import_stack(deployment)


@pytest.mark.parametrize("form", ["0.2", "0.1.0"])
def test_a_gate_stored_by_an_earlier_version_reads_without_waiting_again(env: Env, form: str) -> None:
    """A gate in a state written by 0.2 (recorded: its maps by install id, install_ids in the inputs only) or by
    0.1.0 (the same with install_ids in the outputs too): the program reads it, an unchanged update leaves it, a
    refresh keeps it, and a new release waits for deploys newer than those it recorded, then stores the compact
    form."""
    recorded = json.loads((DATA / "gate-state-0.2.json").read_text())
    fleet = [env.sim.add_install(f"customer-{i}", components=[env.app]) for i in range(3)]
    deploys = {i.id: env.sim.trigger_deploy(i, env.app, timeline=Timeline.constant("active")).id for i in fleet}
    assert deploys == recorded["deploys"]  # the simulator's ids follow from its seed: the recorded ones
    ids = recorded["inputs"]["install_ids"]
    outputs = recorded["outputs"] if form == "0.2" else {**recorded["outputs"], "install_ids": ids}

    def program() -> None:
        release = pulumi.Config("test").get("release") or "r1"
        inputs = {"component_id": env.app.id, "install_ids": ids, "triggers": [release]}
        gate = nuon.DeployGate("gate", **{**FAST, **inputs})
        pulumi.export("deploy_ids", gate.deploy_ids)
        pulumi.export("statuses", gate.statuses)

    with env.engine(program) as engine:
        assert engine.up().success
        _store_outputs(engine, "gate", outputs)
        polls = requests_to_latest(env)
        same = engine.up()
        assert same.success and same.steps["gate"] == "same" and requests_to_latest(env) == polls
        assert same.outputs["deploy_ids"] == deploys and same.outputs["statuses"] == dict.fromkeys(ids, "active")
        refreshed = engine.refresh()
        assert refreshed.steps["gate"] == "read" and _gate_state(refreshed)["outputs"]["deploy_ids"] == deploys
        engine.set_config("test:release", "r2")
        newer = {i: env.sim.trigger_deploy(i, env.app, timeline=Timeline.apply_success().delayed(5)).id for i in ids}
        env.sim.auto_advance(1)
        updated = engine.up()
        assert updated.success and updated.steps["gate"] == "update", updated.error
        for install in ids:
            assert f"waiting for a deploy newer than deploy {deploys[install]}" in updated.host_stderr
        assert updated.outputs["deploy_ids"] == newer
        assert set(_gate_state(updated)["outputs"]) & {"fleet", "deploy_ids", "install_ids"} == {"fleet"}


def test_api_faults_mid_wait_do_not_fail_the_gate(env: Env) -> None:
    from pulumi_nuon.testing.simulator import Fault

    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.apply_success())
    env.sim.auto_advance(2)
    env.sim.inject(Fault.rate_limit(0), route="latest_deploy", times=2)
    env.sim.inject(Fault.reset(), route="latest_deploy", times=1)
    env.sim.inject(Fault.http_status(503), route="latest_deploy", times=3)  # one poll exhausts its retries
    env.sim.inject(Fault.truncated_json(), route="latest_deploy", times=1)
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["status"] == "active"
    assert "Nuon API error, will retry" in result.host_stderr


def test_wrong_token_fails_at_once_with_a_clear_message(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("executing"))
    env.config["nuon:apiToken"] = "wrong-token"
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.up()
    assert not result.success
    assert "401" in (result.error or "") and "nuon:apiToken" in (result.error or "")
    assert requests_to_latest(env) == 1


def test_second_up_is_a_no_op_and_a_trigger_waits_again(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.apply_success())
    env.sim.auto_advance(5)

    def program() -> None:
        config = pulumi.Config("test")
        gate = nuon.DeployGate(
            "gate",
            component_id=env.app.id,
            install_id=env.prod.id,
            triggers=[config.get("release") or "r1"],
            timeout_seconds=float(config.get("timeout") or 20),
            poll_interval_seconds=0.01,
        )
        pulumi.export("passed_at", gate.passed_at)
        pulumi.export("deploy_id", gate.deploy_id)

    with env.engine(program) as engine:
        first = engine.up()
        assert first.success, first.error
        first_deploy = first.outputs["deploy_id"]
        polls = requests_to_latest(env)
        second = engine.up()
        assert second.steps["gate"] == "same" and requests_to_latest(env) == polls
        assert second.outputs["passed_at"] == first.outputs["passed_at"]
        engine.set_config("test:timeout", "30")  # a tunable alone changes nothing remotely
        assert engine.up().steps["gate"] == "same" and requests_to_latest(env) == polls
        engine.set_config("test:release", "r2")  # "something new was deployed": the deploy passed already won't do
        newer = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.apply_success().delayed(20))
        third = engine.up()
        assert third.success, third.error
        assert third.steps["gate"] == "update" and requests_to_latest(env) > polls
        assert f"waiting for a deploy newer than deploy {first_deploy}" in third.host_stderr
        assert third.outputs["deploy_id"] == newer.id
        refreshed = engine.refresh()
        assert refreshed.success and refreshed.steps["gate"] == "read"
        polls = requests_to_latest(env)
        destroyed = engine.destroy()
        assert destroyed.steps["gate"] == "delete" and destroyed.state["resources"] == []
        assert requests_to_latest(env) == polls  # delete does nothing remotely


def test_skip_wait_records_the_current_deploy_without_waiting(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("executing"))
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id, skip_wait=True)) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["status"] == "executing" and result.outputs["phase"] == "in_progress"
    assert requests_to_latest(env) == 1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"install_id": INL1, "install_ids": [INL2]}, "set install_id or install_ids, not both"),
        ({}, "set install_id (one install) or install_ids (a fleet)"),
        ({"install_id": ""}, "install_id is empty"),
        ({"install_ids": []}, "install_ids must be a non-empty list"),
        (
            {"install_id": INL1, "timeout_seconds": 0},
            "timeout_seconds must be a number greater than 0 and at most 604800, got 0",
        ),
        (
            {"install_id": INL1, "timeout_seconds": 5, "poll_interval_seconds": 10},
            "poll_interval_seconds (10) must not exceed timeout_seconds (5)",
        ),
        (
            {"install_id": INL1, "poll_interval_seconds": -1},
            "poll_interval_seconds must be a number at least 1 (0.01 on a loopback API URL)",
        ),
        ({"install_id": INL1, "approval_timeout_seconds": "soon"}, "approval_timeout_seconds must be a number"),
    ],
)
def test_check_rejects_bad_input_with_the_property_named(env: Env, kwargs: dict[str, Any], words: str) -> None:
    def program() -> None:
        nuon.DeployGate("gate", component_id=env.app.id, **{"timeout_seconds": 20, **kwargs})

    with env.engine(program) as engine:
        result = engine.preview()
    assert not result.success
    assert words in (result.error or "")
    assert requests_to_latest(env) == 0


def test_the_token_is_nowhere_in_state_outputs_or_stderr(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.failure(description="boom"))
    env.sim.trigger_deploy(
        env.sim.add_install("other", components=[env.app]), env.app, timeline=Timeline.apply_success()
    )
    env.sim.auto_advance(3)
    with env.engine(
        gate_program(component_id=env.app.id, install_ids=[env.prod.id, env.sim.install("other").id])
    ) as engine:
        failed = engine.up()
        env.sim.set_timeline(env.sim.deploys(env.prod, env.app)[-1], Timeline.apply_success())
        passed = engine.up()
        everything = [failed, passed, engine.refresh(), engine.destroy()]
    assert not failed.success and passed.success, passed.error
    for result in everything:
        blob = json.dumps(
            [result.state, result.outputs, result.host_stderr, result.host_stdout, result.error], default=str
        )
        assert CANARY_TOKEN not in blob


def test_progress_lines_stream_while_the_gate_waits(env: Env) -> None:
    import time

    from nuon_localengine import LocalEngine

    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.apply_success(step_seconds=2))
    env.sim.auto_advance(2)
    seen: list[tuple[float, str]] = []
    program = gate_program(component_id=env.app.id, install_id=env.prod.id, poll_interval_seconds=0.2)
    with LocalEngine(
        program, project="test", config=env.config, on_host_stderr=lambda line: seen.append((time.monotonic(), line))
    ) as engine:
        result = engine.up()
        finished = time.monotonic()
    assert result.success, result.error
    queued = [at for at, line in seen if "is queued" in line]
    assert queued and finished - queued[0] > 0.5, "the first progress line only arrived when the update ended"
    assert [line for _, line in seen] == result.host_stderr.splitlines()
