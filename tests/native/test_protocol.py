"""The `nuon` plugin over gRPC, call by call, as the engine drives it: the plugin process is real, Nuon is the
simulator on loopback, and a stand-in engine collects what the plugin logs on each resource's row."""

from __future__ import annotations

import time
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, provider_pb2
from pulumi.runtime.rpc import UNKNOWN

from pulumi_nuon._version import __version__
from pulumi_nuon.native.schema import schema_text
from pulumi_nuon.testing.simulator import Fault, Install, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, token_shown
from tests.native.plugin import DoneOnceAllPolled, Plugin, Secret, from_struct, to_struct

FAST = {"pollIntervalSeconds": 0.01, "timeoutSeconds": 20}
PROVIDER_URN = "urn:pulumi:dev::test::pulumi:providers:nuon::default"
BUILD = "bld0a1b2c3d4e5f6g7h8i9j0k1"


def gate(org: Org, **inputs: Any) -> dict[str, Any]:
    return {"componentId": org.app.id, "installId": org.prod.id, **FAST, **inputs}


def polls(org: Org, install: Install | None = None) -> int:
    """Latest-deploy reads the simulator answered (of `install` only, when given)."""
    reads = org.sim.log.for_route("latest_deploy")
    return len(reads) if install is None else sum(install.id in r.path for r in reads)


# --- the package and its configuration --------------------------------------------------------------------------


def test_plugin_info_and_schema_are_the_packages(plugin: Plugin) -> None:
    assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == __version__
    assert plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema == schema_text()


def test_check_config_keeps_the_token_secret_and_refuses_an_insecure_url(plugin: Plugin) -> None:
    config = {"apiToken": "t0ken", "orgId": ORG_ID, "apiUrl": "http://nuon.example.com"}
    checked = plugin.stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct(config)))
    assert from_struct(checked.inputs)["apiToken"] == Secret("t0ken")
    assert [f.property for f in checked.failures] == ["apiUrl"]
    assert "Refusing to send the Nuon API token in clear text" in checked.failures[0].reason


def test_configure_takes_the_providers_args_as_well_as_the_config_variables(org: Org, plugin: Plugin) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
    plugin.configure({"apiUrl": org.url, "orgId": ORG_ID, "apiToken": Secret(CANARY_TOKEN)}, as_args=True)
    assert plugin.create("LatestDeploy", "d", {"installId": org.prod.id, "componentId": org.app.id}).ok


def test_a_missing_token_names_the_config_key_and_the_variable(org: Org, plugin: Plugin) -> None:
    plugin.configure({"apiUrl": org.url, "orgId": ORG_ID})
    outcome = plugin.create("LatestDeploy", "d", {"installId": org.prod.id, "componentId": org.app.id})
    assert not outcome.ok
    assert "nuon:apiToken" in outcome.error and "NUON_API_TOKEN" in outcome.error


# --- check and diff ---------------------------------------------------------------------------------------------


def test_check_reports_each_bad_input_by_its_camel_case_name(org: Org, plugin: Plugin) -> None:
    response = plugin.check(
        "DeployGate", "g", {"componentId": "a b", "installIds": [], "timeoutSeconds": 0, "maxConcurrency": 2.5}
    )
    failures = {f.property: f.reason for f in response.failures}
    assert set(failures) == {"componentId", "installIds", "timeoutSeconds", "maxConcurrency"}
    assert failures["timeoutSeconds"] == "timeoutSeconds must be a number greater than 0 and at most 604800, got 0"
    assert failures["maxConcurrency"].startswith("maxConcurrency must be a whole number at least 1")
    assert plugin.check("DeployGate", "g", {"componentId": org.app.id}).failures[0].reason == (
        "set installId (one install) or installIds (a fleet)"
    )


def test_check_fills_defaults_and_lets_unknowns_through_in_a_preview(org: Org, plugin: Plugin) -> None:
    response = plugin.check("DeployGate", "g", {"componentId": UNKNOWN, "installId": org.prod.id})
    assert not response.failures
    inputs = from_struct(response.inputs)
    assert inputs["componentId"] == UNKNOWN and inputs["installIds"] == [org.prod.id]
    assert (inputs["timeoutSeconds"], inputs["pollIntervalSeconds"]) == (1200, 10)
    assert "maxConcurrency" not in inputs  # unset: scaled to the fleet when the gate waits


def test_diff_follows_the_option_tables_change_rules(org: Org, plugin: Plugin) -> None:
    olds = from_struct(plugin.checked("DeployGate", "g", gate(org)))
    assert plugin.diff("DeployGate", "g", olds, {**gate(org), "timeoutSeconds": 30}).changes == (
        provider_pb2.DiffResponse.DIFF_NONE
    )
    changed = plugin.diff("DeployGate", "g", olds, {**gate(org), "buildId": BUILD})
    assert (changed.changes, list(changed.diffs), list(changed.replaces)) == (
        provider_pb2.DiffResponse.DIFF_SOME,
        ["buildId"],
        [],
    )
    ignored = plugin.diff("DeployGate", "g", olds, {**gate(org), "buildId": BUILD}, ignoreChanges=["buildId"])
    assert ignored.changes == provider_pb2.DiffResponse.DIFF_NONE
    deploy = {"installId": org.prod.id, "componentId": org.app.id}
    moved = plugin.diff("LatestDeploy", "d", deploy, {**deploy, "installId": org.staging.id})
    assert list(moved.replaces) == ["installId"]
    assert moved.detailedDiff["installId"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE


# --- create, update, read, delete ---------------------------------------------------------------------------------


def test_a_preview_create_or_update_calls_nothing_and_leaves_outputs_unknown(org: Org, plugin: Plugin) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    created = plugin.create("DeployGate", "g", gate(org), preview=True)
    assert created.ok and created.id == ""
    assert created.outputs["componentId"] == org.app.id
    assert {created.outputs[k] for k in ("phase", "deployId", "status", "deployIds", "statuses", "passedAt")} == {
        UNKNOWN
    }
    updated = plugin.update(
        "LatestDeploy", "d", {}, {"installId": org.prod.id, "componentId": org.app.id}, preview=True
    )
    assert updated.ok and updated.outputs["status"] == UNKNOWN
    assert polls(org) == 0


def test_gate_waits_for_the_deploy_and_records_it(org: Org, plugin: Plugin) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=2))
    org.sim.auto_advance(2)
    outcome = plugin.create("DeployGate", "web", gate(org))
    assert outcome.ok, outcome.error
    out = outcome.outputs
    assert outcome.id.startswith("gate-")
    assert (out["phase"], out["status"], out["deployId"]) == ("succeeded", "active", deploy.id)
    assert out["deployIds"] == {org.prod.id: deploy.id} and out["statuses"] == {org.prod.id: "active"}
    assert out["passedAt"].endswith("Z") and out["timeoutSeconds"] == 20


def test_progress_is_ephemeral_status_on_the_gates_row_and_the_outcome_a_diagnostic(org: Org, plugin: Plugin) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=2))
    org.sim.auto_advance(2)
    assert plugin.create("DeployGate", "rowed", gate(org)).ok
    urn = plugin.urn("DeployGate", "rowed")
    status = plugin.engine.on(urn, ephemeral=True)
    assert status[0] == f"DeployGate: waiting for component {org.app.id} on 1 install(s)"
    for word in ("queued", "planning", "executing", "pending-approval: waiting for approval", "active: passed"):
        assert any(f"{org.prod.id}: deploy {deploy.id} is {word}" in line for line in status), word
    [outcome] = plugin.engine.on(urn, ephemeral=False, severity=engine_pb2.INFO)
    assert outcome.startswith("DeployGate passed at ") and f"{org.prod.id}: {deploy.id} active" in outcome
    # Without buildId, but the gate watched this deploy run and finish: it is not stale, whatever its timestamps.
    assert plugin.engine.on(urn, ephemeral=False, severity=engine_pb2.WARNING) == []


def test_an_unpinned_gate_passing_on_a_deploy_finished_before_it_warns_as_a_diagnostic(
    org: Org, plugin: Plugin
) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
    assert plugin.create("DeployGate", "late", gate(org)).ok
    [warning] = plugin.engine.on(plugin.urn("DeployGate", "late"), ephemeral=False, severity=engine_pb2.WARNING)
    assert warning.startswith(f"warning: {org.prod.id}: passed on deploy {deploy.id}, which finished ")
    assert "Pin the deploy with buildId" in warning


def test_a_failed_gate_is_one_clean_paragraph_with_nuons_words_and_what_to_do(org: Org, plugin: Plugin) -> None:
    deploy = org.sim.trigger_deploy(
        org.prod, org.app, timeline=Timeline.failure(description="helm upgrade failed: timed out waiting")
    )
    org.sim.auto_advance(5)
    outcome = plugin.create("DeployGate", "g", gate(org))
    assert not outcome.ok
    lines = outcome.error.splitlines()
    assert lines == [
        f"Deploy gate failed on install {org.prod.id} (component {org.app.id}): deploy {deploy.id} ended in "
        "status 'error': helm upgrade failed: timed out waiting.",
        "See the deploy's logs in Nuon, fix the cause and deploy again; the next update waits for it.",
    ]
    assert "Traceback" not in plugin.stderr and 'File "' not in outcome.error


def test_update_waits_again_and_customtimeouts_cap_the_gates_deadline(org: Org, plugin: Plugin) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    started = time.monotonic()
    outcome = plugin.update("DeployGate", "g", {}, gate(org, timeoutSeconds=60, pollIntervalSeconds=0.1), timeout=0.5)
    assert not outcome.ok and time.monotonic() - started < 3
    assert "Deploy gate timed out after 0.5s" in outcome.error
    assert outcome.error.splitlines()[-2:] == [
        "The limit was the resource's customTimeouts (0.5s), shorter than timeoutSeconds (60s).",
        "If deploys take longer, raise timeoutSeconds; otherwise look at the deploys in Nuon.",
    ]


def test_an_update_for_new_triggers_waits_for_a_deploy_newer_than_the_one_passed(org: Org, plugin: Plugin) -> None:
    first = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
    created = plugin.create("DeployGate", "g", gate(org, triggers=["r1"]))
    assert created.outputs["deployId"] == first.id
    second = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(), at=org.sim.now + 30)
    org.sim.auto_advance(5)
    updated = plugin.update("DeployGate", "g", created.outputs, gate(org, triggers=["r2"]))
    assert updated.ok, updated.error
    assert (updated.outputs["deployId"], updated.outputs["status"]) == (second.id, "active")
    status = plugin.engine.on(plugin.urn("DeployGate", "g"), ephemeral=True)
    assert f"waiting for a deploy newer than deploy {first.id} (active), which this gate passed last" in " ".join(
        status
    )


def test_refresh_reads_a_deploy_again_and_keeps_a_gates_record(org: Org, plugin: Plugin) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.of((0, "executing"), (60, "active")))
    inputs = {"installId": org.prod.id, "componentId": org.app.id}
    created = plugin.create("LatestDeploy", "d", inputs)
    assert created.id == f"{org.prod.id}/{org.app.id}" and created.outputs["status"] == "executing"
    org.sim.advance(60)
    read = plugin.read("LatestDeploy", "d", created.id, created.outputs, inputs)
    assert (read.id, from_struct(read.properties)["status"], from_struct(read.inputs)) == (created.id, "active", inputs)
    imported = plugin.read("LatestDeploy", "d", created.id, {}, {})  # `pulumi import`: the id alone
    assert from_struct(imported.properties)["deployId"] == deploy.id
    record = {"componentId": org.app.id, "installIds": [org.prod.id], "passedAt": "2026-01-01T00:00:00.000Z"}
    kept = plugin.read("DeployGate", "g", "gate-1", record, {})
    assert from_struct(kept.properties) == record


def test_delete_changes_nothing_in_nuon(org: Org, plugin: Plugin) -> None:
    before = len(org.sim.log)
    plugin.stub.Delete(provider_pb2.DeleteRequest(urn=plugin.urn("DeployGate", "g"), id="gate-1"))
    assert len(org.sim.log) == before


# --- functions --------------------------------------------------------------------------------------------------


def test_functions_read_what_the_python_functions_read(org: Org, plugin: Plugin) -> None:
    releases = [org.release(org.prod, timeline=Timeline.constant("active")) for _ in range(3)]
    read = plugin.invoke("getComponentReleases", {"componentId": org.app.id, "limit": 2})
    result = from_struct(getattr(read, "return"))
    assert result == {
        "releaseIds": [releases[2].id, releases[1].id],
        "latestReleaseId": releases[2].id,
        "latestBuildId": releases[2].build_id,
        "releaseCount": 2,
    }
    latest = from_struct(
        getattr(plugin.invoke("getLatestDeploy", {"installId": org.prod.id, "componentId": org.app.id}), "return")
    )
    assert (latest["found"], latest["status"], latest["phase"]) == (True, "active", "succeeded")
    none = plugin.invoke("getLatestDeploy", {"installId": org.staging.id, "componentId": org.app.id})
    assert from_struct(getattr(none, "return")) == {"found": False, "phase": "missing"}


def test_function_argument_problems_are_check_failures_and_secret_arguments_give_secret_results(
    org: Org, plugin: Plugin
) -> None:
    bad = plugin.invoke("getComponentReleases", {"componentId": org.app.id, "limit": 0})
    assert [(f.property, f.reason) for f in bad.failures] == [
        ("limit", "limit must be a whole number at least 1 and at most 100000, got 0")
    ]
    secret = plugin.invoke("getLatestDeploy", {"installId": Secret(org.prod.id), "componentId": org.app.id})
    assert from_struct(getattr(secret, "return"))["phase"] == Secret("missing")
    try:
        plugin.invoke("getNothing", {})
    except grpc.RpcError as err:
        assert err.details() == "the nuon provider has no function 'nuon:index:getNothing'"
    else:
        raise AssertionError("an unknown function must fail")


# --- concurrency, Cancel ------------------------------------------------------------------------------------------


def test_ten_gates_wait_at_once_and_an_invoke_is_not_held_up(org: Org, plugin: Plugin) -> None:
    installs = [org.sim.add_install(f"customer-{i}", components=[org.app]) for i in range(10)]
    deploys = [org.sim.trigger_deploy(install, org.app) for install in installs]
    # No deploy is done before all ten gates have polled and the invoke has answered: gates taking turns would leave
    # the first waiting to their timeout, an invoke queued behind them would never answer.
    with DoneOnceAllPolled(org.sim, deploys, held=True) as done:
        calls = [
            plugin.create_future(
                "DeployGate",
                f"g{i}",
                {"componentId": org.app.id, "installId": i.id, "pollIntervalSeconds": 0.1, "timeoutSeconds": 20},
            )
            for i in installs
        ]
        deadline = time.monotonic() + 20
        while not done.all_polled and time.monotonic() < deadline:
            time.sleep(0.01)
        latest = plugin.invoke("getLatestDeploy", {"installId": installs[0].id, "componentId": org.app.id}, timeout=20)
        assert from_struct(getattr(latest, "return"))["status"] == "executing"  # asked while every gate waits
        done.release()
        results = [call.result(timeout=30) for call in calls]
    assert done.all_polled
    assert [from_struct(r.properties)["deployId"] for r in results] == [d.id for d in deploys]


def test_cancel_stops_every_wait_within_a_second_with_a_clear_message(org: Org, plugin: Plugin) -> None:
    plugin.stub.Cancel(empty_pb2.Empty())  # harmless when nothing runs
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    org.sim.trigger_deploy(org.staging, org.app, timeline=Timeline.constant("planning"))
    waits = [
        plugin.create_future("DeployGate", "a", gate(org, pollIntervalSeconds=0.1)),
        plugin.create_future("DeployGate", "b", gate(org, installId=org.staging.id, pollIntervalSeconds=0.1)),
    ]
    # Each gate has polled twice, so it has read its deploy's status (under load one gate can poll twice before the
    # other polls at all).
    while polls(org, org.prod) < 2 or polls(org, org.staging) < 2:
        time.sleep(0.01)
    cancelled = time.monotonic()
    plugin.stub.Cancel(empty_pb2.Empty())
    errors = []
    for wait in waits:
        try:
            wait.result(timeout=5)
        except grpc.RpcError as err:
            errors.append(err.details())
    assert time.monotonic() - cancelled < 1.0
    assert len(errors) == 2
    assert errors[0].startswith(
        f"DeployGate cancelled (the operation was interrupted) while waiting for component {org.app.id} on 1 "
        f"install(s); last seen: "
    )
    assert "is executing" in errors[0] and "is planning" in errors[1]
    assert errors[0].splitlines()[-1] == "The deploys go on in Nuon: run `pulumi up` again to wait for them again."
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
    assert plugin.create("DeployGate", "after", gate(org)).ok  # the plugin goes on serving


# --- the token ----------------------------------------------------------------------------------------------------


def test_the_token_appears_in_no_output_log_error_or_plugin_output(org: Org, plugin: Plugin) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success())
    org.sim.auto_advance(5)
    seen = [repr(plugin.create("DeployGate", "canary", gate(org)))]
    seen.append(repr(plugin.create("LatestDeploy", "canary", {"installId": org.prod.id, "componentId": org.app.id})))
    seen.append(str(plugin.invoke("getComponentReleases", {"componentId": org.app.id})))
    org.sim.trigger_deploy(org.staging, org.app, timeline=Timeline.failure())
    seen.append(repr(plugin.create("DeployGate", "canary-fails", gate(org, installId=org.staging.id))))
    plugin.configure({"apiUrl": org.url, "orgId": "orgsomeoneelse00000000000", "apiToken": Secret(CANARY_TOKEN)})
    seen.append(
        repr(plugin.create("LatestDeploy", "canary-403", {"installId": org.prod.id, "componentId": org.app.id}))
    )
    assert "403 Forbidden" in seen[-1]
    plugin.configure({"apiUrl": org.url, "orgId": ORG_ID, "apiToken": Secret(CANARY_TOKEN)})
    for form in ("raw", "folded", "plus_for_dash"):  # Nuon (or a proxy) echoing the token in a header
        org.sim.inject(Fault.echo_header("reason" if form != "folded" else "content-type", form), times=1)
        seen.append(
            repr(plugin.create("LatestDeploy", f"echo-{form}", {"installId": org.prod.id, "componentId": org.app.id}))
        )
        assert "401" in seen[-1]
    seen += [line.message for line in plugin.engine.lines]
    seen += [plugin.stdout, plugin.stderr]
    assert not [text for text in seen if token_shown(text)]
    assert any(request.auth == "valid" for request in org.sim.log)  # it was sent, where it belongs
