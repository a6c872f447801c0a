"""Which deploy counts, how a failure reads, and which changes re-check: the gate through LocalEngine.

The simulator stamps simulated time 0 with the wall-clock time it was made, so to the gate a deploy already `active`
at time 0 "finished before the gate started" — exactly the stale deploy a gate must not pass silently.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

import pulumi_nuon as nuon
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import nuon_id
from tests.engine.throwaway_provider import Thing
from tests.resources.conftest import Env
from tests.resources.test_gate import gate_program, requests_to_latest


def _lines_of(error: str | None) -> list[str]:
    return (error or "").splitlines()


@pytest.mark.parametrize(
    ("timeline", "options", "says"),
    [
        (
            Timeline.failure(description="helm upgrade failed: context deadline exceeded"),
            {},
            ["ended in status 'error': helm upgrade failed: context deadline exceeded", "See the deploy's logs"],
        ),
        (
            Timeline.constant("executing"),
            {"timeout_seconds": 1, "poll_interval_seconds": 0.2},
            ["timed out after 1s", "is executing — watched", "raise timeout_seconds"],
        ),
        (
            Timeline.pending_approval(),
            {"approval_timeout_seconds": 0.5, "poll_interval_seconds": 0.1},
            ["has waited for approval", "(limit 0.5s)", "Approve or deny the deploy in Nuon"],
        ),
    ],
    ids=["failed", "timed-out", "approval-timed-out"],
)
def test_a_failed_gate_reads_as_one_short_paragraph(
    env: Env, timeline: Timeline, options: dict[str, Any], says: list[str]
) -> None:
    deploy = env.sim.trigger_deploy(env.prod, env.app, timeline=timeline)
    env.sim.auto_advance(5)
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id, **options)) as engine:
        result = engine.up()
    assert not result.success
    error = result.error or ""
    assert len(_lines_of(error)) <= 6, error
    assert "Traceback" not in error and ".py" not in error and "File " not in error
    assert env.prod.id in error and deploy.id in error and env.app.id in error
    for words in says:
        assert words in error, (words, error)


def test_other_dynamic_providers_in_the_program_keep_their_tracebacks(env: Env, tmp_path: Any) -> None:
    """Only our own errors are shortened; another provider's exception reaches the engine as the host formats it."""
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("active"))

    def program() -> None:
        gate = nuon.DeployGate("gate", component_id=env.app.id, install_id=env.prod.id, poll_interval_seconds=0.05)
        Thing(
            "other",
            key="k1",
            store=str(tmp_path),
            fail="its own failure",
            opts=pulumi.ResourceOptions(depends_on=[gate]),
        )

    with env.engine(program) as engine:
        result = engine.up()
    assert not result.success and result.steps["gate"] == "create"
    assert "Traceback (most recent call last)" in (result.error or "")
    assert "RuntimeError: its own failure" in (result.error or "")


def test_an_unpinned_gate_passing_on_a_deploy_older_than_itself_says_so(env: Env) -> None:
    old = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("active"))
    with env.engine(gate_program(component_id=env.app.id, install_id=env.prod.id)) as engine:
        result = engine.up()
    assert result.success, result.error
    warning = next(line for line in result.host_stderr.splitlines() if line.startswith("warning:"))
    assert f"passed on deploy {old.id}, which finished" in warning and "before this gate started" in warning
    assert "ago" in warning and "build_id" in warning


def test_a_gate_pinned_to_a_build_waits_past_yesterdays_deploy_without_the_releases_route(env: Env) -> None:
    """The flagship pattern with the build id from CI or config, on a Nuon that no longer serves releases."""
    env.sim.releases_gone = 404
    yesterday = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("active"))
    build = nuon_id("bld", 7)  # what CI built and asked Nuon to deploy
    todays = env.sim.trigger_deploy(
        env.prod, env.app, build_id=build, timeline=Timeline.apply_success(step_seconds=5).delayed(10)
    )
    env.sim.auto_advance(5)
    program = gate_program(component_id=env.app.id, install_id=env.prod.id, build_id=build)
    with env.engine(program) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["deploy_id"] == todays.id != yesterday.id
    assert f"waiting for a deploy of build {build}" in result.host_stderr
    assert "warning:" not in result.host_stderr
    assert env.sim.log.count("releases") == 0


def test_a_new_trigger_without_a_newer_deploy_times_out_saying_what_it_waits_for(env: Env) -> None:
    passed = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("active"))

    def program() -> None:
        release = pulumi.Config("test").get("release") or "r1"
        nuon.DeployGate(
            "gate",
            component_id=env.app.id,
            install_id=env.prod.id,
            triggers=[release],
            timeout_seconds=1,
            poll_interval_seconds=0.1,
        )

    with env.engine(program) as engine:
        assert engine.up().success
        engine.set_config("test:release", "r2")
        result = engine.up()
    assert not result.success
    assert f"waiting for a deploy newer than deploy {passed.id} (active), which this gate passed last" in (
        result.error or ""
    )


def test_turning_off_skip_wait_checks_the_deploy(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("error", "helm failed"))

    def program() -> None:
        skip = pulumi.Config("test").get_bool("skip") is not False
        nuon.DeployGate(
            "gate", component_id=env.app.id, install_id=env.prod.id, skip_wait=skip, poll_interval_seconds=0.05
        )

    with env.engine(program) as engine:
        assert engine.up().success  # skip_wait records the deploy without judging it
        polls = requests_to_latest(env)
        engine.set_config("test:skip", "false")
        result = engine.up()
    assert not result.success and requests_to_latest(env) > polls
    assert "ended in status 'error': helm failed" in (result.error or "")


def test_a_stricter_auto_skip_rule_rechecks_the_current_deploy(env: Env) -> None:
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("auto-skipped"))

    def program() -> None:
        accept = pulumi.Config("test").get_bool("accept") is not False
        nuon.DeployGate("gate", component_id=env.app.id, install_id=env.prod.id, accept_auto_skipped=accept)

    with env.engine(program) as engine:
        assert engine.up().success
        polls = requests_to_latest(env)
        engine.set_config("test:accept", "false")
        result = engine.up()
    assert not result.success and requests_to_latest(env) > polls
    assert "was auto-skipped (a no-op plan; nothing was applied) and accept_auto_skipped is False" in (
        result.error or ""
    )


@pytest.mark.parametrize(
    ("inputs", "property_", "words"),
    [
        ({"install_id": "acme-prod"}, "install_id", "install_id 'acme-prod' is not a Nuon install id"),
        ({"install_ids": ["acme-prod"]}, "install_ids", "install_ids[0] 'acme-prod' is not a Nuon install id"),
        ({"component_id": "web-app"}, "component_id", "component_id 'web-app' is not a Nuon component id"),
        ({"build_id": "v1.2.3"}, "build_id", "build_id 'v1.2.3' is not a Nuon build id"),
    ],
)
def test_a_name_where_an_id_belongs_fails_check_at_once(
    env: Env, inputs: dict[str, Any], property_: str, words: str
) -> None:
    program = gate_program(**{"component_id": env.app.id, "install_id": env.prod.id, **inputs})
    if "install_ids" in inputs:
        program = gate_program(component_id=env.app.id, install_ids=inputs["install_ids"])
    with env.engine(program) as engine:
        result = engine.preview()
    assert not result.success
    assert words in (result.error or "") and "find it on" in (result.error or "")
    assert f"gate.{property_}" in (result.error or "")
    assert env.sim.log.count() == 0
