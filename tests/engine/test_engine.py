"""LocalEngine against a throwaway dynamic provider running in a real `python -m pulumi.dynamic` host."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from nuon_localengine import UNKNOWN, EngineClosedError, EngineError, LocalEngine, SdkUnsupportedError, Secret
from nuon_localengine.spares import START_AHEAD_ENV

from .conftest import PROGRAMS, THING_PLUGIN
from .throwaway_provider import Thing

ROOT = Path(__file__).resolve().parents[2]
STACK = "p-dev"  # the stack resource's name: <project>-<stack>

MakeEngine = Callable[..., LocalEngine]


def files(store: Path) -> dict[str, dict[str, Any]]:
    """The throwaway provider's resources, by id."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(store.glob("*.json"))}


def by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in state["resources"]}


def resource_steps(steps: dict[str, str]) -> dict[str, str]:
    return {name: op for name, op in steps.items() if name != STACK}


def test_lifecycle_preview_up_same_update_refresh_destroy(make_engine: MakeEngine, store: Path) -> None:
    params = {"value": "one"}

    def program() -> None:
        thing = Thing("thing", key="k1", value=params["value"], store=str(store))
        pulumi.export("value", thing.value)
        pulumi.export("pid", thing.pid)
        pulumi.export("thing_id", thing.id)

    engine = make_engine(program)

    preview = engine.preview()
    assert preview.success, preview.error
    assert preview.steps == {STACK: "create", "thing": "create"}
    assert preview.outputs == {"value": "one", "pid": UNKNOWN, "thing_id": UNKNOWN}
    assert "throwaway: check k1" in preview.host_stderr
    assert "create" not in preview.host_stderr
    assert files(store) == {} and engine.state["resources"] == []

    up = engine.up()
    assert up.success, up.error
    assert up.steps == {STACK: "create", "thing": "create"}
    assert up.outputs["value"] == "one"
    (thing_id,) = files(store)
    assert up.outputs["thing_id"] == thing_id
    assert "throwaway: create k1" in up.host_stderr
    state = by_name(up.state)
    assert state["thing"]["id"] == thing_id
    assert state["thing"]["type"] == "pulumi-python:dynamic/test:Thing"
    assert state["thing"]["outputs"]["value"] == "one"
    assert state["thing"]["inputs"]["__provider"] == state["thing"]["outputs"]["__provider"] != ""
    assert state[STACK]["outputs"]["value"] == "one"
    json.dumps(up.state)

    again = engine.up()
    assert again.success, again.error
    assert again.steps == {STACK: "same", "thing": "same"}
    assert "create" not in again.host_stderr and "update" not in again.host_stderr
    assert again.outputs == up.outputs

    params["value"] = "two"
    preview_change = engine.preview()
    assert preview_change.steps["thing"] == "update"
    assert preview_change.outputs["value"] == "two" and preview_change.outputs["pid"] is UNKNOWN
    assert files(store)[thing_id]["value"] == "one"

    updated = engine.up()
    assert updated.success, updated.error
    assert updated.steps == {STACK: "same", "thing": "update"}
    assert updated.outputs["value"] == "two" and updated.outputs["thing_id"] == thing_id
    assert files(store)[thing_id]["value"] == "two"

    refreshed = engine.refresh()
    assert refreshed.success, refreshed.error
    assert refreshed.steps == {"thing": "read"}
    assert refreshed.step_list[0].detail == "unchanged"
    assert f"throwaway: read {thing_id}" in refreshed.host_stderr

    destroyed = engine.destroy()
    assert destroyed.success, destroyed.error
    assert destroyed.steps == {"thing": "delete", STACK: "delete"}
    assert [s.name for s in destroyed.step_list] == ["thing", STACK]
    assert destroyed.state["resources"] == [] and destroyed.outputs == {}
    assert files(store) == {}


def test_preview_checks_unknown_inputs(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        first = Thing("first", key="k1", store=str(store))
        second = Thing("second", key="k2", value=first.started, store=str(store))
        pulumi.export("second_value", second.value)
        pulumi.export("second_key", second.key)

    preview = make_engine(program).preview()
    assert preview.success, preview.error
    assert "throwaway: check k2 value_known=False" in preview.host_stderr
    assert preview.outputs == {"second_value": UNKNOWN, "second_key": "k2"}
    assert resource_steps(preview.steps) == {"first": "create", "second": "create"}
    assert files(store) == {}


def test_provider_error_is_a_failed_result_with_its_message(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        broken = Thing("broken", key="k1", store=str(store), fail="deploy dep-123 failed: image pull backoff")
        Thing("after", key="k2", store=str(store), opts=pulumi.ResourceOptions(depends_on=[broken]))

    engine = make_engine(program)
    result = engine.up()
    assert not result.success
    assert result.error is not None
    assert "pulumi-python:dynamic/test:Thing (broken):" in result.error
    assert "RuntimeError: deploy dep-123 failed: image pull backoff" in result.error
    assert "after" not in result.steps and "broken" not in result.steps
    assert files(store) == {}
    assert set(by_name(engine.state)) == {STACK}

    with pytest.raises(EngineError, match="image pull backoff") as info:
        engine.up(raise_on_error=True)
    assert info.value.result.success is False


def test_check_failure_names_the_property(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        Thing("nameless", key="", store=str(store))

    result = make_engine(program).preview()
    assert not result.success
    assert result.error is not None
    assert "resource 'nameless' has a problem: key must be a non-empty string" in result.error
    assert "'nameless.key'" in result.error


def test_config_reaches_configure_and_program_and_secrets_stay_out_of_state(
    make_engine: MakeEngine, store: Path
) -> None:
    canary = "tok-canary-5f1e9c"

    def program() -> None:
        config = pulumi.Config("test")
        thing = Thing("thing", key="k1", value=pulumi.Output.secret(f"input-{canary}"), store=str(store))
        pulumi.export("region_in_program", config.require("region"))
        pulumi.export("token_in_program", config.require_secret("token"))
        pulumi.export("region_in_provider", thing.region)
        pulumi.export("token_digest_in_provider", thing.token_sha256)
        pulumi.export("value", thing.value)

    engine = make_engine(program, config={"test:region": "eu-west-1", "test:token": Secret(canary)})
    result = engine.up()
    assert result.success, result.error
    assert result.outputs["region_in_program"] == "eu-west-1"
    assert result.outputs["region_in_provider"] == "eu-west-1"
    assert result.outputs["token_in_program"] == canary
    assert result.outputs["token_digest_in_provider"] == hashlib.sha256(canary.encode()).hexdigest()
    assert result.secret_outputs == {"token_in_program", "value"}
    # The secret input stays secret in the resource's outputs (the engine marks outputs of secret inputs).
    value_in_state = by_name(result.state)["thing"]["outputs"]["value"]
    assert value_in_state["ciphertext"] == "[secret]"
    dumped = json.dumps(result.state)
    assert canary not in dumped
    assert canary not in result.host_stderr and canary not in result.host_stdout

    # `pulumi config set` between runs: the next operation gets a freshly configured host (providers are
    # configured once per host), and the provider sees the new value.
    first_host = engine.host_pid
    engine.set_config("test:region", "us-east-2")
    assert engine.preview().steps["thing"] == "same"
    assert engine.host_pids == [first_host, engine.host_pid] and first_host != engine.host_pid
    with pytest.raises(ProcessLookupError):
        os.kill(first_host, 0)
    region_back = make_engine(
        lambda: pulumi.export("region", Thing("other", key="k2", store=str(store)).region),
        config=engine.config,
    ).up()
    assert region_back.outputs["region"] == "us-east-2"


def test_host_is_a_separate_process_stopped_on_close(store: Path) -> None:
    def program() -> None:
        thing = Thing("thing", key="k1", store=str(store))
        pulumi.export("pid", thing.pid)

    with LocalEngine(program, project="p", stack="dev") as engine:
        assert engine.host_pid is None  # started lazily, on the first dynamic resource
        result = engine.up()
        assert result.success, result.error
        pid = result.outputs["pid"]
        assert pid != os.getpid()
        assert engine.host_pid == pid
        assert Path(f"/proc/{pid}").exists()
        os.kill(pid, 0)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert engine.host_pid is None
    with pytest.raises(EngineClosedError, match="closed"):
        engine.up()


def test_changed_identifying_input_replaces(make_engine: MakeEngine, store: Path) -> None:
    params: dict[str, Any] = {"key": "k1", "dbr": False}

    def program() -> None:
        thing = Thing("thing", key=params["key"], dbr=params["dbr"], store=str(store))
        pulumi.export("thing_id", thing.id)

    engine = make_engine(program)
    first = engine.up()
    old_id = first.outputs["thing_id"]

    params["key"] = "k2"
    preview = engine.preview()
    assert preview.steps["thing"] == "replace" and preview.outputs["thing_id"] is UNKNOWN

    replaced = engine.up()
    assert replaced.success, replaced.error
    assert replaced.steps["thing"] == "replace"
    new_id = replaced.outputs["thing_id"]
    assert new_id != old_id and new_id.startswith("k2-")
    assert list(files(store)) == [new_id]
    assert f"throwaway: delete {old_id}" in replaced.host_stderr
    assert [(s.op, s.detail) for s in replaced.step_list if s.name == "thing"] == [
        ("replace", "create-before-delete"),
        ("delete", "replaced"),
    ]
    # Created before the old one was deleted.
    assert replaced.host_stderr.index("throwaway: create k2") < replaced.host_stderr.index("throwaway: delete")

    params.update(key="k3", dbr=True)
    dbr = engine.up()
    assert dbr.success, dbr.error
    assert [(s.op, s.detail) for s in dbr.step_list if s.name == "thing"] == [("replace", "delete-before-replace")]
    assert dbr.host_stderr.index(f"throwaway: delete {new_id}") < dbr.host_stderr.index("throwaway: create k3")
    assert [i.split("-")[0] for i in files(store)] == ["k3"]


def test_resource_removed_from_program_is_deleted(make_engine: MakeEngine, store: Path) -> None:
    params = {"with_extra": True}

    def program() -> None:
        Thing("keep", key="keep", store=str(store))
        if params["with_extra"]:
            Thing("extra", key="extra", store=str(store))

    engine = make_engine(program)
    assert engine.up().success
    assert len(files(store)) == 2

    params["with_extra"] = False
    preview = engine.preview()
    assert resource_steps(preview.steps) == {"keep": "same", "extra": "delete"}
    assert len(files(store)) == 2

    result = engine.up()
    assert result.success, result.error
    assert resource_steps(result.steps) == {"keep": "same", "extra": "delete"}
    assert [f.split("-")[0] for f in files(store)] == ["keep"]
    assert set(by_name(result.state)) == {STACK, "keep"}


def test_depends_on_orders_and_independent_creates_overlap(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        slow_a = Thing("slow_a", key="a", sleep=0.8, store=str(store))
        slow_b = Thing("slow_b", key="b", sleep=0.8, store=str(store))
        after_a = Thing("after_a", key="c", store=str(store), opts=pulumi.ResourceOptions(depends_on=[slow_a]))
        for name, res in (("a", slow_a), ("b", slow_b), ("c", after_a)):
            pulumi.export(f"{name}_started", res.started)
            pulumi.export(f"{name}_finished", res.finished)

    result = make_engine(program).up()
    assert result.success, result.error
    out = result.outputs
    # Two independent slow Creates ran at the same time, not one after the other.
    assert out["a_started"] < out["b_finished"] and out["b_started"] < out["a_finished"]
    # The dependent was created only after its dependency's Create returned.
    assert out["c_started"] >= out["a_finished"]
    state = by_name(result.state)
    assert state["slow_a"]["urn"] in state["after_a"]["dependencies"]


def test_program_directory_runs_like_the_language_host(make_engine: MakeEngine) -> None:
    program_dir = PROGRAMS / "dirprog"
    cwd, path, modules = os.getcwd(), list(sys.path), set(sys.modules)

    engine = make_engine(program_dir, config={"test:region": "eu", "test:token": Secret("s3cret")})
    result = engine.up()
    assert result.success, result.error
    assert result.outputs["greeting"] == "hello from eu"
    assert result.outputs["program_cwd"] == str(program_dir)
    assert result.outputs["host_cwd"] == str(program_dir)
    assert result.outputs["host_pid"] not in (os.getpid(), None)
    assert result.secret_outputs == {"token"}
    assert os.getcwd() == cwd and sys.path == path
    assert "localprovider" not in sys.modules and set(sys.modules) - modules <= {
        m for m in sys.modules if not m.startswith("localprovider")
    }
    assert engine.up().steps["local"] == "same"


@pytest.mark.parametrize("ahead", [True, False])
def test_a_python_programs_next_process_starts_ahead_unless_switched_off(
    make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch, ahead: bool
) -> None:
    """On, the second `up` runs in the process the first one started for it (its imports done); off (as `make test`
    runs), each operation starts its own when it begins."""
    monkeypatch.setenv(START_AHEAD_ENV, "1" if ahead else "0")
    engine = make_engine(PROGRAMS / "pidprog")
    first = engine.up()
    assert first.success, first.error
    started_by_then = engine.started_pids
    second = engine.up()
    assert second.success, second.error
    assert second.outputs["program_pid"] != first.outputs["program_pid"]
    assert (second.outputs["program_pid"] in started_by_then) is ahead


def test_make_test_switches_starting_ahead_off() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\ntest-main:")[1].split("\n\n")[0]
    assert f" {START_AHEAD_ENV}=0 " in recipe, recipe


def test_refresh_reads_drift_and_drops_gone_resources(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        Thing("drifting", key="d", value="declared", store=str(store))
        Thing("vanishing", key="v", store=str(store))

    engine = make_engine(program)
    up = engine.up()
    assert up.success, up.error
    ids = {r["name"]: r["id"] for r in up.state["resources"]}
    drifted = store / f"{ids['drifting']}.json"
    drifted.write_text(json.dumps({**json.loads(drifted.read_text()), "value": "changed by hand"}))
    (store / f"{ids['vanishing']}.json").unlink()

    refreshed = engine.refresh()
    assert refreshed.success, refreshed.error
    assert refreshed.steps == {"drifting": "read", "vanishing": "delete"}
    assert {s.name: s.detail for s in refreshed.step_list}["drifting"] == "changed"
    state = by_name(refreshed.state)
    assert "vanishing" not in state
    assert state["drifting"]["outputs"]["value"] == "changed by hand"

    # The next up puts the declared value back and re-creates what vanished.
    again = engine.up()
    assert again.success, again.error
    assert resource_steps(again.steps) == {"drifting": "update", "vanishing": "create"}
    assert json.loads(drifted.read_text())["value"] == "declared"


def test_invoke_without_handler_is_a_clear_error(make_engine: MakeEngine) -> None:
    def program() -> None:
        pulumi.runtime.invoke("nuon:index:getThing", {})

    result = make_engine(program).up()
    assert not result.success
    assert result.error is not None and "no provider for the invoke 'nuon:index:getThing'" in result.error

    answered = make_engine(program, invoke=lambda token, args: {"ok": True}).up()
    assert answered.success, answered.error


def test_engine_works_from_inside_a_running_event_loop(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        pulumi.export("key", Thing("thing", key="k1", store=str(store)).key)

    engine = make_engine(program)

    async def from_async_test() -> Any:
        loop = asyncio.get_running_loop()
        result = engine.up()  # the program runs on its own thread and loop
        assert asyncio.get_running_loop() is loop
        return result

    result = asyncio.run(from_async_test())
    assert result.success, result.error
    assert result.outputs == {"key": "k1"}


def test_program_exception_fails_without_deleting_what_it_did_not_reach(make_engine: MakeEngine, store: Path) -> None:
    params = {"explode": False}

    def program() -> None:
        Thing("first", key="k1", store=str(store))
        if params["explode"]:
            raise ValueError("the program is broken")
        Thing("second", key="k2", store=str(store))

    engine = make_engine(program)
    assert engine.up().success
    params["explode"] = True
    result = engine.up()
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("Program failed with an unhandled exception:")
    assert "ValueError: the program is broken" in result.error
    assert "delete" not in result.steps.values()
    assert len(files(store)) == 2 and {"first", "second"} <= set(by_name(engine.state))


def test_host_per_operation_starts_a_fresh_host_each_time(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        pulumi.export("pid", Thing("thing", key="k1", store=str(store)).pid)

    engine = make_engine(program, host_per_operation=True)
    first = engine.up()
    assert first.success, first.error
    assert engine.host_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(first.outputs["pid"], 0)
    second = engine.up()
    assert second.steps["thing"] == "same"
    assert len(engine.host_pids) == 2 and engine.host_pids[0] != engine.host_pids[1]
    assert "throwaway: check k1" in second.host_stderr


def test_a_missing_program_directory_is_reported_as_missing(make_engine: MakeEngine, tmp_path: Path) -> None:
    missing = tmp_path / "not-there" / "program"
    result = make_engine(missing).up()
    assert not result.success
    assert result.error == f"the program directory {missing} does not exist"
    assert result.steps == {} and result.exit_code is None


def test_a_failing_preview_reports_once_and_no_future_goes_unretrieved(
    make_engine: MakeEngine, store: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    def program() -> None:
        broken = Thing("nameless", key="", store=str(store))
        for index in range(20):
            key = broken.key.apply(lambda k, i=index: f"{k}-{i}")
            dependent = Thing(f"dependent-{index}", key=key, store=str(store))
            pulumi.export(f"value-{index}", dependent.value)

    callable_result = make_engine(program).preview()
    directory_result = make_engine(
        PROGRAMS / "things",
        config={"key": "", "token": Secret("t"), "testprov:store": str(store)},
        plugins={"testprov": THING_PLUGIN},
    ).preview()
    gc.collect()  # unretrieved futures report when they are collected
    out, err = capfd.readouterr()
    for result in (callable_result, directory_result):
        assert not result.success
        assert result.error is not None and result.error.count("has a problem: key must be a non-empty string") == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    printed = out + err + logged + directory_result.program_stderr + directory_result.program_stdout
    assert "never retrieved" not in printed


def _process_wide_settings() -> tuple[Any, Any]:
    """The monitor and engine stubs a thread with no Pulumi context sees: the SDK settings' process-wide defaults."""
    from pulumi.runtime import settings

    seen: list[tuple[Any, Any]] = []
    thread = threading.Thread(target=lambda: seen.append((settings.get_monitor(), settings.get_engine())))
    thread.start()
    thread.join()
    return seen[0]


def test_no_monitor_stays_reachable_process_wide_after_an_operation(make_engine: MakeEngine, store: Path) -> None:
    before = _process_wide_settings()

    def program() -> None:
        pulumi.export("key", Thing("thing", key="k1", store=str(store)).key)

    assert make_engine(program).up().success
    assert _process_wide_settings() == before


def test_an_sdk_without_the_internals_used_fails_with_one_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi.runtime import rpc

    from nuon_localengine import sdk

    monkeypatch.setattr(sdk, "_checked", False)
    monkeypatch.setattr(sdk, "sdk_version", lambda: "2.9.0")
    monkeypatch.delattr(rpc, "_special_secret_sig")
    with pytest.raises(SdkUnsupportedError) as info:
        LocalEngine(lambda: None)
    assert str(info.value) == (
        f"LocalEngine cannot drive the installed Pulumi SDK (pulumi 2.9.0; tested with {sdk.TESTED_SDK}): "
        "pulumi 2.9.0 is not a 3.x SDK; pulumi.runtime.rpc._special_secret_sig is missing"
    )


def test_the_monitor_answers_deployment_info_from_the_operations_context(make_engine: MakeEngine) -> None:
    """`GetDeploymentInfo` says what the program runs under: the same `RunContext` the program was started with."""
    from google.protobuf import empty_pb2
    from pulumi.runtime import settings

    seen: list[Any] = []

    def program() -> None:
        monitor = settings.get_monitor()
        assert monitor is not None
        seen.append(monitor.GetDeploymentInfo(empty_pb2.Empty()))
        pulumi.export("org", pulumi.get_organization())

    engine = make_engine(program, organization="acme", max_workers=16, config={"a": "1", "tok": Secret("s3")})
    for operation, dry_run in ((engine.preview, True), (engine.up, False)):
        result = operation()
        assert result.success, result.error
        assert result.outputs == {"org": "acme"}
        info = seen.pop()
        assert (info.project, info.stack, info.organization, info.dryRun, info.parallel) == (
            "p",
            "dev",
            "acme",
            dry_run,
            4,
        )
        assert dict(info.config) == {"p:a": "1", "p:tok": "s3"} and list(info.configSecretKeys) == ["p:tok"]


def test_the_run_context_repr_names_config_keys_never_values() -> None:
    from nuon_localengine.context import RunContext

    context = RunContext(
        monitor="127.0.0.1:1",
        engine="127.0.0.1:1",
        organization="o",
        project="p",
        stack="dev",
        preview=False,
        parallel=4,
        config={"nuon:apiToken": "tok-hunter2"},
        secret_keys=("nuon:apiToken",),
    )
    assert "nuon:apiToken" in repr(context) and "hunter2" not in repr(context)
