"""Protocol fidelity: a Python program and a TypeScript program, each as its own process, through the same engine
to the same provider plugin process (`testprov`, tests/engine/thing_plugin.py) over the SDKs' real protocol."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from nuon_localengine import UNKNOWN, LocalEngine, LogMessage, Secret

from .conftest import PROJECTS, THING_PLUGIN

CANARY = "canary-secret-7d1f0b2e"
MakeEngine = Callable[..., LocalEngine]


def things_config(store: Path, **extra: Any) -> dict[str, Any]:
    return {
        "key": "k1",
        "token": Secret(CANARY),
        "testprov:store": str(store),
        "testprov:region": "eu-west-1",
        "testprov:token": Secret("provider-token"),
        **extra,
    }


def stored(store: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(store.glob("*.json"))}


def everything_but_outputs(result: Any) -> str:
    """Every place a secret must never show: state, logs, plugin and program output, the error."""
    return "\n".join(
        [
            json.dumps(result.state),
            *(m.message for m in result.log),
            result.host_stdout,
            result.host_stderr,
            result.program_stdout,
            result.program_stderr,
            result.error or "",
        ]
    )


def test_a_program_runs_through_the_plugin_like_pulumi_up(make_engine: MakeEngine, project: Path, store: Path) -> None:
    engine = make_engine(project, project="things", config=things_config(store), plugins={"testprov": THING_PLUGIN})

    preview = engine.preview()
    assert preview.success, preview.error
    assert preview.steps == {"things-dev": "create", "first": "create", "second": "create"}
    # Unknown in a preview: what only the provider's Create can tell; known: the inputs, and the invoke's answer.
    assert preview.outputs["firstId"] is UNKNOWN and preview.outputs["region"] is UNKNOWN
    assert preview.outputs["firstValue"] == CANARY and preview.outputs["foundExists"] is False
    assert stored(store) == {}

    up = engine.up()
    assert up.success, up.error
    assert up.steps == {"things-dev": "create", "first": "create", "second": "create"}
    out = up.outputs
    assert out["region"] == "eu-west-1"  # the provider's config reached its Configure
    assert out["secondTimeout"] == 90  # customTimeouts(create="90s") reached Create as `timeout`
    assert out["secondStartedAt"] >= out["firstFinishedAt"]  # dependsOn: second waited for first's Create
    ids = set(stored(store))
    assert out["firstId"] in ids and len(ids) == 2
    # What a user sees on each resource's row while it is created, and under it afterwards.
    assert up.status_lines("first") == ["working on k1", "created k1"]
    assert up.status_lines("second") == ["working on k1-second", "created k1-second"]
    assert [m.message for m in up.diagnostics_for("first")] == [f"thing {out['firstId']} is ready in eu-west-1"]
    # The secret stays secret end to end: an output marked secret, ciphertext in state, nowhere else.
    assert out["firstValue"] == CANARY and up.secret_outputs == {"firstValue"}
    first_state = next(r for r in up.state["resources"] if r["name"] == "first")
    assert first_state["inputs"]["value"]["ciphertext"] == "[secret]"
    assert first_state["outputs"]["value"]["ciphertext"] == "[secret]"
    assert CANARY not in everything_but_outputs(up)
    assert "provider-token" not in everything_but_outputs(up)
    token_digest = hashlib.sha256(b"provider-token").hexdigest()
    assert stored(store)[out["firstId"]]["tokenSha256"] == token_digest

    again = engine.up()
    assert again.success, again.error
    assert set(again.steps.values()) == {"same"}
    assert again.outputs["foundExists"] is True and again.outputs["firstId"] == out["firstId"]

    destroyed = engine.destroy()
    assert destroyed.success, destroyed.error
    assert [s.name for s in destroyed.step_list] == ["second", "first", "things-dev"]
    assert stored(store) == {} and destroyed.state["resources"] == []


def test_a_failing_resource_fails_the_update_with_the_providers_message(
    make_engine: MakeEngine, project: Path, store: Path
) -> None:
    words = "the deploy of k1-second failed: ImagePullBackOff"
    engine = make_engine(
        project, project="things", config=things_config(store, failSecond=words), plugins={"testprov": THING_PLUGIN}
    )
    up = engine.up()
    assert not up.success
    assert up.error == f"testprov:index:Thing (second):\n    error: {words}"
    assert up.steps == {"things-dev": "create", "first": "create"}
    assert [r["name"] for r in up.state["resources"]] == ["things-dev", "first"]
    # The engine shut its monitor down, as it does after a failed step; the SDKs take that as the engine going
    # away and end the program: the Python runner exits 1 after logging it, @pulumi/pulumi exits quietly.
    assert up.exit_code == (1 if project.name == "things" else 0)


def test_a_program_exception_exits_32_with_the_programs_message(
    make_engine: MakeEngine, project: Path, store: Path
) -> None:
    engine = make_engine(
        project, project="things", config=things_config(store, throw="true"), plugins={"testprov": THING_PLUGIN}
    )
    up = engine.up()
    assert not up.success
    assert up.exit_code == 32  # the language hosts' "already reported to the user"
    errors = [m for m in up.diagnostics if m.severity == "error"]
    assert len(errors) == 1 and errors[0].urn == ""  # reported once, on the stack
    assert up.error is not None and "the program is broken after creating k1" in up.error
    # Resources declared before the exception are still registered: the SDK waits for its RPCs before it exits.
    assert up.steps == {"things-dev": "create", "first": "create", "second": "create"}


def test_cancel_reaches_the_plugin_and_fails_the_update(make_engine: MakeEngine, store: Path) -> None:
    # Cancel is between the engine and the plugin; the Python twin's program stands for either language here.
    waiting = threading.Event()

    def on_log(message: LogMessage) -> None:
        if message.ephemeral and message.message == "working on k1-second":
            waiting.set()

    engine = make_engine(
        PROJECTS["python"],
        project="things",
        config=things_config(store, waitForCancel="true"),
        plugins={"testprov": THING_PLUGIN},
        on_log=on_log,
    )
    canceled_at: list[float] = []

    def ctrl_c() -> None:
        if waiting.wait(30):
            canceled_at.append(time.monotonic())
            engine.cancel()

    threading.Thread(target=ctrl_c, daemon=True).start()
    up = engine.up()
    assert canceled_at, "the second Thing never started waiting"
    assert time.monotonic() - canceled_at[0] < 5
    assert not up.success
    words = "canceled: work on k1-second was interrupted by the engine"
    assert up.error == f"testprov:index:Thing (second):\n    error: {words}"
    assert "testprov: cancel received" in up.host_stderr
    assert up.steps == {"things-dev": "create", "first": "create"}
    # A plugin that was sent Cancel is not used again: the next operation starts a fresh one.
    pids = engine.host_pids
    engine.set_config("waitForCancel", "false")
    assert engine.up().success
    assert len(engine.host_pids) == len(pids) + 1


class Thing(pulumi.CustomResource):
    """A `testprov:index:Thing` from a callable program."""

    timeout: pulumi.Output[float]
    region: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("testprov:index:Thing", name, {**props, "timeout": None, "region": None}, opts)


def test_custom_timeouts_reach_update_and_delete(make_engine: MakeEngine, store: Path) -> None:
    params = {"value": "one"}

    def program() -> None:
        timeouts = pulumi.CustomTimeouts(create="1m", update="2m30s", delete="45s")
        thing = Thing("thing", {"key": "k", "value": params["value"]}, pulumi.ResourceOptions(custom_timeouts=timeouts))
        pulumi.export("timeout", thing.timeout)

    engine = make_engine(program, config=things_config(store), plugins={"testprov": THING_PLUGIN})
    assert engine.up().outputs["timeout"] == 60
    params["value"] = "two"
    updated = engine.up()
    assert updated.steps["thing"] == "update" and updated.outputs["timeout"] == 150
    (thing_id,) = stored(store)
    destroyed = engine.destroy()
    assert [m.message for m in destroyed.diagnostics_for("thing")] == [f"deleted {thing_id} (timeout 45)"]


def test_an_explicit_provider_is_its_own_plugin_with_its_own_config(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        us = pulumi.ProviderResource("testprov", "us", {"region": "us-east-2", "store": str(store)})
        pulumi.export("default_region", Thing("by-default", {"key": "a"}).region)
        pulumi.export("explicit_region", Thing("explicit", {"key": "b"}, pulumi.ResourceOptions(provider=us)).region)

    engine = make_engine(program, config=things_config(store), plugins={"testprov": THING_PLUGIN})
    up = engine.up()
    assert up.success, up.error
    assert up.outputs == {"default_region": "eu-west-1", "explicit_region": "us-east-2"}
    assert up.steps["us"] == "create" and len(engine.host_pids) == 2
    explicit = next(r for r in up.state["resources"] if r["name"] == "explicit")
    us = next(r for r in up.state["resources"] if r["name"] == "us")
    assert explicit["provider"] == f"{us['urn']}::{us['id']}"
    # The state moves to another engine (export_stack, import_stack) with its provider reference: that engine
    # deletes "explicit" through "us", in its own plugin.
    other = make_engine(program, config=things_config(store), plugins={"testprov": THING_PLUGIN})
    other.import_stack(engine.export_stack(show_secrets=True))
    destroyed = other.destroy()
    assert destroyed.success, destroyed.error
    assert [s.name for s in destroyed.step_list].index("explicit") < [s.name for s in destroyed.step_list].index("us")
    assert stored(store) == {}


def test_invokes_go_to_the_plugin_that_owns_the_token(make_engine: MakeEngine, store: Path) -> None:
    def program() -> None:
        found = pulumi.runtime.invoke("testprov:index:getThing", {"key": "nothing"}).value
        pulumi.export("found", found)
        pulumi.runtime.invoke("elsewhere:index:getIt", {})

    result = make_engine(program, config=things_config(store), plugins={"testprov": THING_PLUGIN}).up()
    assert not result.success
    assert result.error is not None
    assert "LocalEngine has no provider for the invoke 'elsewhere:index:getIt'" in result.error
    answered = make_engine(
        program,
        config=things_config(store),
        plugins={"testprov": THING_PLUGIN},
        invoke=lambda token, args: {"token": token},
    ).up()
    assert answered.success, answered.error
    assert answered.outputs["found"] == {"key": "nothing", "exists": False, "region": "eu-west-1"}


def test_stack_reference_reads_another_engines_outputs_secrets_kept(make_engine: MakeEngine) -> None:
    def upstream_program() -> None:
        pulumi.export("build_id", "bld1")
        pulumi.export("token", pulumi.Output.secret(CANARY))

    upstream = make_engine(upstream_program, project="rollout", stack="prod")
    assert upstream.up().success

    def program() -> None:
        ref = pulumi.StackReference("organization/rollout/prod")
        pulumi.export("build_id", ref.require_output("build_id"))
        pulumi.export("token", ref.get_output("token"))
        pulumi.export("fixed", pulumi.StackReference("fixed").get_output("answer"))

    downstream = make_engine(
        program,
        stack_references={"organization/rollout/prod": upstream, "fixed": {"answer": 42}},
    )
    result = downstream.up()
    assert result.success, result.error
    assert result.outputs == {"build_id": "bld1", "token": CANARY, "fixed": 42}
    assert result.secret_outputs == {"token"}
    assert result.steps["organization/rollout/prod"] == "read"
    assert CANARY not in json.dumps(result.state)

    missing = make_engine(lambda: pulumi.StackReference("organization/nowhere/dev")).up()
    assert not missing.success
    assert missing.error is not None and "unknown stack 'organization/nowhere/dev'" in missing.error


EXPERIMENTAL_PLUGIN = [sys.executable, str(Path(__file__).with_name("experimental_plugin.py"))]


def test_a_plugin_on_the_sdks_experimental_provider_api_runs_unchanged(make_engine: MakeEngine) -> None:
    def program() -> None:
        echo = pulumi.CustomResource(
            "expprov:index:Echo", "echo", {"text": pulumi.Output.secret("hi"), "greeting": None, "previewed": None}
        )
        pulumi.export("greeting", echo.greeting)
        pulumi.export("previewed", echo.previewed)
        pulumi.export("text", echo.text)
        pulumi.export("shouted", pulumi.runtime.invoke("expprov:index:shout", {"text": "hello"}).value["shouted"])

    engine = make_engine(program, config={"expprov:greeting": "hello there"}, plugins={"expprov": EXPERIMENTAL_PLUGIN})
    preview = engine.preview()
    assert preview.success, preview.error
    # It supports previews (the SDK's default): Create ran with preview=true and its unknown came back unknown.
    assert preview.outputs == {"greeting": UNKNOWN, "previewed": True, "text": "hi", "shouted": "HELLO"}
    up = engine.up()
    assert up.success, up.error
    assert up.outputs == {"greeting": "hello there", "previewed": False, "text": "hi", "shouted": "HELLO"}
    assert up.secret_outputs == {"text"}
