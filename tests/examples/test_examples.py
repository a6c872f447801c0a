"""Every example in examples/ runs unchanged through LocalEngine against the simulator over loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from nuon_localengine import UNKNOWN, LocalEngine
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, Org, nuon_id
from tests.examples.conftest import EXAMPLES, FAST

NAMES = ["releases-outputs", "gated-rollout", "fleet-gate", "stack-reference"]
Make = Callable[..., LocalEngine]


@pytest.mark.parametrize("name", NAMES)
def test_each_example_is_a_python_pulumi_project(name: str) -> None:
    folder = EXAMPLES / name
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text())
    assert project["name"] == name
    assert project["runtime"] == {"name": "python"}
    assert (folder / "__main__.py").is_file()
    readme = (folder / "README.md").read_text()
    assert readme.startswith(f"# {name}") and "pulumi up" in readme


@pytest.mark.parametrize("name", NAMES)
def test_each_example_installs_this_package_from_its_checkout_never_by_name(name: str) -> None:
    """`pulumi-nuon` is not on PyPI and its name is unclaimed: a bare name would install whoever registers it."""
    folder = EXAMPLES / name
    requirements = [
        line.strip() for line in (folder / "requirements.txt").read_text().splitlines() if line.strip()[:1] not in "#"
    ]
    assert not [r for r in requirements if r.lower().replace("_", "-").startswith("pulumi-nuon")]
    paths = [r for r in requirements if r.startswith(".")]
    assert paths == ["../.."]
    checkout = (folder / paths[0]).resolve()  # pip reads it from the example's folder, where Pulumi runs it
    assert 'name = "pulumi-nuon"' in (checkout / "pyproject.toml").read_text()
    assert [r for r in requirements if r.startswith("pulumi")] == [f"pulumi{_floor('pulumi')},<4"]


def _floor(package: str) -> str:
    """The floor pyproject.toml declares for `package` (the examples must not promise less)."""
    pyproject = (EXAMPLES.parent / "pyproject.toml").read_text()
    line = next(line for line in pyproject.splitlines() if line.strip().startswith(f'"{package}>='))
    return line.strip().strip('",').removeprefix(package).split(",")[0]


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


def test_releases_outputs_on_a_nuon_without_releases(org: Org, example: Make) -> None:
    """Newer Nuon APIs answer 404 for the releases route: the example says so, or reads only the deploy."""
    org.sim.releases_gone = 404
    config = {**org.nuon_config(), "componentId": org.app.id, "installId": org.prod.id}
    failed = example("releases-outputs", config=config).preview()
    assert not failed.success and "no longer serves component releases" in (failed.error or "")
    up = example("releases-outputs", config={**config, "readReleases": "false"}, stack="deploy-only").up()
    assert up.success, up.error
    assert up.outputs["deploy_status"] == "active" and "release_ids" not in up.outputs


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
    assert up.outputs["passed_at"]
    assert "executing" in up.host_stderr  # the gate's progress lines saw the deploy run
    assert up.duration_seconds < 10

    again = engine.up()
    assert again.success, again.error
    assert set(again.steps.values()) == {"same"}


@pytest.mark.parametrize("name", ["gated-rollout", "fleet-gate"])
def test_gating_examples_run_on_a_nuon_without_releases_with_the_build_id_from_config(
    org: Org, example: Make, name: str
) -> None:
    org.sim.releases_gone = 404
    yesterday = org.sim.latest_deploy(org.prod, org.app)
    build = nuon_id("bld", 42)  # what CI deployed
    todays = org.sim.trigger_deploy(org.prod, org.app, build_id=build, timeline=Timeline.apply_success().delayed(20))
    installs = {"installId": org.prod.id} if name == "gated-rollout" else {"installIds": [org.prod.id]}
    config = {**org.nuon_config(), "componentId": org.app.id, **installs, "buildId": build, **FAST}
    up = example(name, config=config).up()
    assert up.success, up.error
    assert up.outputs["build_id"] == build
    deploy_id = up.outputs["deploy_id"] if name == "gated-rollout" else up.outputs["deploy_ids"][org.prod.id]
    assert yesterday is not None and deploy_id == todays.id != yesterday["id"]
    assert org.sim.log.count("releases") == 0


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


def test_stack_reference_promotes_the_build_the_upstream_gate_passed(org: Org, example: Make) -> None:
    rollout = org.release(org.staging)  # staging runs the new build first
    upstream_config = {**gated_config(org), "installId": org.staging.id, "buildId": rollout.build_id}
    staging = example("gated-rollout", config=upstream_config, stack="staging")
    upstream = staging.up()
    assert upstream.success, upstream.error

    config = {
        **org.nuon_config(),
        "rolloutStack": "organization/gated-rollout/staging",
        "installId": org.prod.id,
        **FAST,
    }
    engine = example(
        "stack-reference", config=config, stack="prod", stack_references={"organization/gated-rollout/staging": staging}
    )
    prod_deploy = org.sim.trigger_deploy(
        org.prod, org.app, build_id=rollout.build_id, timeline=Timeline.apply_success().delayed(20)
    )
    up = engine.up()
    assert up.success, up.error
    assert up.outputs["upstream_build_id"] == rollout.build_id == up.outputs["promoted_build_id"]
    assert up.outputs["deploy_id"] == prod_deploy.id and up.outputs["status"] == "active"
    assert up.steps["promotion"] == "create"
    assert f"waiting for a deploy of build {rollout.build_id}" in up.host_stderr
