"""Every example in examples/ runs unchanged through LocalEngine against the simulator over loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from pulumi_nuon.testing.engine import UNKNOWN, LocalEngine
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN
from tests.examples.conftest import EXAMPLES, FAST, Org

NAMES = ["releases-outputs", "gated-rollout", "fleet-gate", "stack-reference"]
Make = Callable[..., LocalEngine]


@pytest.mark.parametrize("name", NAMES)
def test_each_example_is_a_python_pulumi_project(name: str) -> None:
    folder = EXAMPLES / name
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    assert project["name"] == name
    assert project["runtime"] == {"name": "python"}
    assert "pulumi-nuon" in (folder / "requirements.txt").read_text().split()
    assert (folder / "__main__.py").is_file()
    readme = (folder / "README.md").read_text()
    assert readme.startswith(f"# {name}") and "pulumi up" in readme


def test_root_project_runs_gated_rollout() -> None:
    root = yaml.safe_load((EXAMPLES.parent / "Pulumi.yaml").read_text())
    assert root["runtime"] == {"name": "python"}
    assert (EXAMPLES.parent / root["main"]).resolve() == (EXAMPLES / "gated-rollout").resolve()


# -- releases-outputs ------------------------------------------------------------------------------------------


def test_releases_outputs(org: Org, example: Make) -> None:
    config = {**org.nuon_config(), "componentId": org.app.id, "installId": org.prod.id}
    engine = example("releases-outputs", config=config)
    releases = org.sim.releases(org.app)
    deploy = org.sim.latest_deploy(org.prod, org.app)
    assert deploy is not None

    preview = engine.preview()
    assert preview.success, preview.error
    assert preview.outputs["release_ids"] == [r["id"] for r in releases]  # the functions read in preview too

    up = engine.up()
    assert up.success, up.error
    assert up.outputs["release_ids"] == [r["id"] for r in releases]
    assert up.outputs["latest_release_id"] == releases[0]["id"]
    assert up.outputs["latest_build_id"] == releases[0]["build_id"]
    assert up.outputs["deploy_found"] is True
    assert up.outputs["deploy_id"] == deploy["id"]
    assert up.outputs["deploy_status"] == "active"
    assert up.outputs["deploy_phase"] == "succeeded"
    assert up.outputs["deploy_is_latest_build"] is True
    assert CANARY_TOKEN not in str(up.state)

    org.release(org.staging)  # a newer build that prod does not run
    assert engine.up().outputs["deploy_is_latest_build"] is False


# -- gated-rollout ---------------------------------------------------------------------------------------------


def gated_config(org: Org) -> dict[str, Any]:
    return {**org.nuon_config(), "componentId": org.app.id, "installId": org.prod.id, **FAST}


def test_gated_rollout_waits_for_the_deploy_then_is_stable(org: Org, example: Make) -> None:
    rollout = org.release(org.prod)
    deploy = org.sim.deploys(org.prod, org.app)[-1]
    engine = example("gated-rollout", config=gated_config(org))

    preview = engine.preview()
    assert preview.success, preview.error
    assert preview.steps["web-app-rollout"] == "create"
    assert preview.steps["dns-switch"] == "create"
    assert preview.outputs["build_id"] == rollout.build_id
    assert preview.outputs["gate_phase"] is UNKNOWN
    assert preview.outputs["deploy_id"] is UNKNOWN

    up = engine.up()
    assert up.success, up.error
    assert up.outputs["gate_phase"] == "succeeded"
    assert up.outputs["status"] == "active"
    assert up.outputs["deploy_id"] == deploy.id
    assert up.outputs["switched_to"] == deploy.id
    assert up.outputs["snapshot_status"] == "active"
    assert up.outputs["release_id"] == rollout.id
    assert up.outputs["passed_at"]
    assert "executing" in up.host_stderr  # the gate's progress lines saw the deploy run
    assert up.duration_seconds < 10

    again = engine.up()
    assert again.success, again.error
    assert set(again.steps.values()) == {"same"}


def test_gated_rollout_failing_deploy_fails_the_update(org: Org, example: Make) -> None:
    words = "helm upgrade --install web-app failed: ImagePullBackOff"
    org.release(org.prod, timeline=Timeline.failure(description=words, step_seconds=5))
    engine = example("gated-rollout", config=gated_config(org))
    up = engine.up()
    assert not up.success
    assert up.error is not None and words in up.error
    assert "dns-switch" not in up.steps
    assert CANARY_TOKEN not in up.error


# -- fleet-gate ------------------------------------------------------------------------------------------------


def test_fleet_gate_waits_for_every_install(org: Org, example: Make) -> None:
    rollout = org.release(org.prod, org.staging)
    config = {**org.nuon_config(), "componentId": org.app.id, "installIds": [org.prod.id, org.staging.id], **FAST}
    engine = example("fleet-gate", config=config)
    up = engine.up()
    assert up.success, up.error
    assert up.outputs["phase"] == "succeeded"
    assert up.outputs["statuses"] == {org.prod.id: "active", org.staging.id: "active"}
    assert set(up.outputs["deploy_ids"]) == {org.prod.id, org.staging.id}
    assert up.outputs["announced_build_id"] == rollout.build_id
    assert set(engine.up().steps.values()) == {"same"}


def test_fleet_gate_names_the_install_that_failed(org: Org, example: Make) -> None:
    org.release(org.prod)  # prod gets the new build; staging's deploy of it fails
    deploy = org.sim.deploys(org.prod, org.app)[-1]
    org.sim.trigger_deploy(
        org.staging, org.app, build_id=deploy.build_id, timeline=Timeline.failure(description="quota exceeded")
    )
    config = {**org.nuon_config(), "componentId": org.app.id, "installIds": [org.prod.id, org.staging.id], **FAST}
    up = example("fleet-gate", config=config).up()
    assert not up.success
    assert up.error is not None and "quota exceeded" in up.error and org.staging.id in up.error


# -- stack-reference -------------------------------------------------------------------------------------------


def test_stack_reference_reads_the_rollout_stacks_outputs(org: Org, example: Make) -> None:
    org.release(org.prod)
    rollout = example("gated-rollout", config=gated_config(org), stack="prod")
    upstream = rollout.up()
    assert upstream.success, upstream.error

    config = {**org.nuon_config(), "rolloutStack": "organization/gated-rollout/prod"}
    engine = example(
        "stack-reference", config=config, stack="prod", stack_references={"organization/gated-rollout/prod": rollout}
    )
    up = engine.up()
    assert up.success, up.error
    assert up.outputs["upstream_passed"] is True
    assert up.outputs["upstream_status"] == "active"
    assert up.outputs["upstream_deploy_id"] == upstream.outputs["deploy_id"]
    assert up.outputs["upstream_build_id"] == upstream.outputs["build_id"]
    assert up.outputs["current_deploy_id"] == upstream.outputs["deploy_id"]
    assert up.outputs["still_current"] is True

    org.sim.trigger_deploy(
        org.prod, org.app, build_id="bldnewerbuild0000000000000", timeline=Timeline.constant("active")
    )
    later = engine.up()
    assert later.success, later.error
    assert later.outputs["still_current"] is False
    assert later.outputs["current_status"] == "active"
