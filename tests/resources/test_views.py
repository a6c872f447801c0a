"""ComponentReleases and LatestDeploy through LocalEngine: state-holding reads, refresh, replace, triggers, get."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi

import pulumi_nuon as nuon
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN
from tests.resources.conftest import Env


def views(env: Env, **extra: object) -> Callable[[], None]:
    def program() -> None:
        config = pulumi.Config("test")
        component = config.get("component") or env.app.id
        releases = nuon.ComponentReleases(
            "releases",
            component_id=component,
            limit=int(config.get("limit") or 5),
            triggers=config.get("trigger"),
            **extra,  # type: ignore[arg-type]
        )
        deploy = nuon.LatestDeploy("deploy", install_id=env.prod.id, component_id=component)
        for name in ("release_ids", "latest_release_id", "latest_build_id", "release_count"):
            pulumi.export(name, getattr(releases, name))
        for name in ("found", "deploy_id", "status", "phase", "build_id", "release_id", "install_deploy_type"):
            pulumi.export(f"deploy_{name}", getattr(deploy, name))

    return program


def test_views_create_with_the_flat_values(env: Env) -> None:
    env.sim.add_releases(env.app, 3, installs=[env.prod])
    deploy = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("executing"))
    with env.engine(views(env)) as engine:
        preview = engine.preview()
        assert preview.steps["releases"] == "create" and preview.steps["deploy"] == "create"
        result = engine.up()
    assert result.success, result.error
    newest = env.sim.releases(env.app)[0]
    out = result.outputs
    assert out["release_count"] == 3 and out["release_ids"][0] == newest["id"] == out["latest_release_id"]
    assert out["latest_build_id"] == newest["build_id"]
    assert (out["deploy_found"], out["deploy_deploy_id"], out["deploy_status"], out["deploy_phase"]) == (
        True,
        deploy.id,
        "executing",
        "in_progress",
    )
    assert out["deploy_install_deploy_type"] == "apply"
    # state keeps ids, statuses and times, not nested payloads
    blob = json.dumps(result.state)
    assert "release_steps" not in blob and "runner_jobs" not in blob and CANARY_TOKEN not in blob


def test_no_deploy_yet_is_found_false(env: Env) -> None:
    with env.engine(views(env)) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs["deploy_found"] is False and result.outputs["deploy_phase"] == "missing"
    assert result.outputs["release_count"] == 0 and result.outputs["release_ids"] == []


def test_second_up_is_same_and_refresh_reads_again(env: Env) -> None:
    env.sim.add_releases(env.app, 1, installs=[])  # releases that deploy nowhere: the one deploy is ours
    deploy = env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.of((0, "executing"), (60, "active")))
    with env.engine(views(env)) as engine:
        assert engine.up().outputs["deploy_status"] == "executing"
        second = engine.up()
        assert second.steps["releases"] == "same" and second.steps["deploy"] == "same"
        assert second.outputs["deploy_status"] == "executing"
        env.sim.advance(60)
        env.sim.add_release(env.app, installs=[])
        refreshed = engine.refresh()
        assert refreshed.success, refreshed.error
        assert refreshed.steps["deploy"] == "read" and refreshed.steps["releases"] == "read"
        state = {r["name"]: r["outputs"] for r in refreshed.state["resources"]}
        assert (state["deploy"]["status"], state["deploy"]["deploy_id"]) == ("active", deploy.id)
        assert state["releases"]["release_count"] == 2
        # the refreshed values are what the next up sees, with no change to make
        after = engine.up()
        assert after.steps["deploy"] == "same" and after.outputs["deploy_status"] == "active"


def test_changing_a_trigger_updates_and_changing_the_component_replaces(env: Env) -> None:
    env.sim.add_releases(env.app, 2, installs=[env.prod])
    other = env.sim.add_component("worker")
    env.sim.add_releases(other, 4)
    with env.engine(views(env)) as engine:
        assert engine.up().outputs["release_count"] == 2
        env.sim.add_release(env.app)
        engine.set_config("test:trigger", "release-2")
        updated = engine.up()
        assert updated.steps["releases"] == "update" and updated.outputs["release_count"] == 3
        engine.set_config("test:limit", "1")
        assert engine.up().outputs["release_count"] == 1
        engine.set_config("test:component", other.id)
        replaced = engine.up()
        assert replaced.success, replaced.error
        assert replaced.steps["releases"] == "replace" and replaced.steps["deploy"] == "replace"
        assert replaced.outputs["release_count"] == 1 and replaced.outputs["deploy_found"] is False
        destroyed = engine.destroy()
        assert destroyed.state["resources"] == []


def test_always_refresh_reads_on_every_up(env: Env) -> None:
    env.sim.add_releases(env.app, 1)
    with env.engine(views(env, always_refresh=True)) as engine:
        engine.up()
        env.sim.add_release(env.app)
        again = engine.up()
    assert again.steps["releases"] == "update" and again.outputs["release_count"] == 2


def test_releases_route_gone_fails_with_a_plain_message(env: Env) -> None:
    env.sim.releases_gone = 404
    with env.engine(views(env)) as engine:
        result = engine.up()
    assert not result.success
    assert "no longer serves component releases" in (result.error or "")


def test_get_adopts_views_by_id(env: Env) -> None:
    env.sim.add_releases(env.app, 2, installs=[env.prod])

    def program() -> None:
        releases = nuon.ComponentReleases.get("adopted-releases", env.app.id)
        deploy = nuon.LatestDeploy.get("adopted-deploy", f"{env.prod.id}/{env.app.id}")
        pulumi.export("count", releases.release_count)
        pulumi.export("found", deploy.found)

    with env.engine(program) as engine:
        result = engine.up()
    assert result.success, result.error
    assert result.outputs == {"count": 2, "found": True}
    assert result.steps["adopted-releases"] == "read"


def test_bad_ids_are_check_failures(env: Env) -> None:
    def program() -> None:
        nuon.LatestDeploy("deploy", install_id="has space", component_id="")

    with env.engine(program) as engine:
        result = engine.preview()
    assert not result.success
    assert "install_id 'has space' is not a Nuon id" in (result.error or "")
    assert "component_id is empty" in (result.error or "")
