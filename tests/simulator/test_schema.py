"""Every payload the simulator produces validates against the vendored Nuon spec's JSON schema for its type.

The spec is Swagger 2.0, whose `definitions` are JSON Schema Draft 4; wrapping them as
`{"definitions": ..., "$ref": "#/definitions/app.InstallDeploy"}` resolves every `$ref`. One documented gap:
`app.CompositeStatus.status` is an enum (`app.Status`) that lacks statuses the live API reports (`syncing`,
`executing`, `pending-approval`, …; docs/nuon-api.md: behaviour wins, and the set grows). Payloads whose statuses
are in the enum are validated strictly; the others with that one enum relaxed to a string.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_nuon.testing.simulator import APPLY_STATUSES, Scenario, Simulator, Timeline

SPEC_PATH = Path(__file__).parents[1] / "data" / "nuon-openapi" / "doc.json"


@cache
def _definitions() -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["definitions"]
    return definitions


@cache
def _validator(type_name: str, *, strict_status: bool) -> jsonschema.Draft4Validator:
    definitions = _definitions()
    if not strict_status:
        definitions = copy.deepcopy(definitions)
        definitions["app.Status"] = {"type": "string"}
    return jsonschema.Draft4Validator({"definitions": definitions, "$ref": f"#/definitions/{type_name}"})


def _statuses(payload: Any) -> set[str]:
    """Every `app.CompositeStatus.status` anywhere in the payload (that is where the enum applies)."""
    found: set[str] = set()
    if isinstance(payload, dict):
        if "status_human_description" in payload:
            found.add(payload["status"])
        for value in payload.values():
            found |= _statuses(value)
    elif isinstance(payload, list):
        for item in payload:
            found |= _statuses(item)
    return found


SPEC_STATUSES = frozenset(_definitions()["app.Status"]["enum"])


def _validate(type_name: str, payload: Any) -> None:
    strict = _statuses(payload) <= SPEC_STATUSES
    errors = sorted(_validator(type_name, strict_status=strict).iter_errors(payload), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


TIMELINES = {
    "apply_success": Timeline.apply_success(step_seconds=1),
    "failure": Timeline.failure(step_seconds=1),
    "approval_denied": Timeline.approval_denied(step_seconds=1),
    "pending_approval": Timeline.pending_approval(step_seconds=1),
    "auto_skipped": Timeline.auto_skipped(step_seconds=1),
    "discarded": Timeline.discarded(step_seconds=1),
    "retried": Timeline.retried(step_seconds=1),
    "unknown": Timeline.of((0, "queued"), (1, "hibernating"), (2, "noop"), (3, "cancelled"), (4, "inactive")),
}


@pytest.mark.parametrize("name", sorted(TIMELINES))
def test_latest_deploy_and_release_payloads_validate_at_every_step(name: str) -> None:
    sim = Simulator(seed=3)
    app = sim.add_component("web-app", type="terraform_module")
    prod = sim.add_install("acme-prod", components=[app])
    sim.add_install("globex-prod", components=[app])
    sim.add_releases(app, 2)
    sim.add_release(app, installs=[prod], timeline=TIMELINES[name])
    for release in sim.releases(app):
        _validate("app.ComponentRelease", release)
    for _ in range(16):
        deploy = sim.latest_deploy(prod, app)
        assert deploy is not None
        _validate("app.InstallDeploy", deploy)
        _validate("app.ComponentRelease", sim.releases(app)[0])  # the one whose deploy is moving
        sim.advance(1)


@pytest.mark.parametrize("scenario", ["demo", "failure"])
def test_built_in_scenarios_validate(scenario: str) -> None:
    sim = Scenario.load(scenario).build()
    for release in sim.releases("web-app"):  # embedded deploys are checked through the $refs
        _validate("app.ComponentRelease", release)
    for _ in range(7):
        _validate("app.ComponentRelease", sim.releases("web-app")[0])
        deploy = sim.latest_deploy("acme-prod", "web-app")
        assert deploy is not None
        _validate("app.InstallDeploy", deploy)
        sim.advance(3)


def test_the_wrapped_spec_definitions_are_a_valid_draft4_schema() -> None:
    schema = {"definitions": _definitions(), "$ref": "#/definitions/app.InstallDeploy"}
    jsonschema.Draft4Validator.check_schema(schema)


def test_validation_does_catch_a_wrong_shape() -> None:
    sim = Simulator()
    app = sim.add_component()
    prod = sim.add_install("p", components=[app])
    sim.trigger_deploy(prod, app, timeline=Timeline.constant("active"))
    deploy = sim.latest_deploy(prod, app)
    assert deploy is not None
    deploy["status_v2"]["created_at_ts"] = "yesterday"
    with pytest.raises(AssertionError, match="created_at_ts"):
        _validate("app.InstallDeploy", deploy)


def test_statuses_outside_the_spec_enum_are_the_documented_live_ones() -> None:
    produced = set(APPLY_STATUSES) | {"retried", "inactive", "hibernating"}
    assert produced - SPEC_STATUSES == {
        "syncing",
        "executing",
        "pending-approval",
        "retried",
        "inactive",
        "hibernating",
    }
