"""Exporting a function's result as a stack output, through LocalEngine (the SDK's stack-output path)."""

from __future__ import annotations

import pulumi

import pulumi_nuon as nuon
from nuon_localengine import LocalEngine
from pulumi_nuon.core.options import GET_COMPONENT_RELEASES, GET_LATEST_DEPLOY
from tests.functions.conftest import World


def test_results_export_as_json_objects_as_a_stack_output(world: World) -> None:
    """`pulumi.export("x", result)` shows the flat JSON values (not a list of keys), in both forms."""

    def program() -> None:
        pulumi.export("deploy", nuon.get_latest_deploy_output(world.install, world.component))
        pulumi.export("plain", nuon.get_latest_deploy(world.install, world.component))
        pulumi.export("releases", nuon.get_component_releases_output(world.component, limit=2))

    with LocalEngine(program, project="fn", stack="test", config=world.nuon_config()) as engine:
        result = engine.up()
    assert result.success, result.error
    deploy, releases = result.outputs["deploy"], result.outputs["releases"]
    assert deploy == result.outputs["plain"]
    assert deploy["status"] == "executing" and deploy["phase"] == "in_progress" and deploy["found"] is True
    assert set(deploy) == {"install_id", "component_id", *(o.name for o in GET_LATEST_DEPLOY.outputs)}
    assert set(releases) == {"component_id", "releases", *(o.name for o in GET_COMPONENT_RELEASES.outputs)}
    assert releases["releases"][0]["id"] == releases["latest_release_id"] and releases["release_count"] == 2
