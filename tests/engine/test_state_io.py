"""LocalEngine's state out and in, as `pulumi stack export` and `pulumi stack import`: `export_stack` and
`import_stack` (nuon_localengine/deployment.py)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from nuon_localengine import EngineClosedError, LocalEngine, LocalEngineError, StateImportError

MakeEngine = Callable[..., LocalEngine]
CANARY = "secret-canary-0b7d2e"
STACK_URN = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"


class Widget(pulumi.CustomResource):
    """A resource of a package with no plugin: the engine echoes its inputs as outputs."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("widgets:index:Widget", name, {"size": None, "token": None, **props}, opts)

    size: pulumi.Output[Any]
    token: pulumi.Output[Any]


def program() -> None:
    group = pulumi.ComponentResource("widgets:index:Group", "group")
    first = Widget(
        "first",
        {"size": 3, "token": pulumi.Output.secret(CANARY)},
        pulumi.ResourceOptions(parent=group),
    )
    second = Widget(
        "second",
        {"size": first.size.apply(lambda s: s + 1)},
        pulumi.ResourceOptions(depends_on=[first], custom_timeouts=pulumi.CustomTimeouts(create="90s")),
    )
    pulumi.export("token", first.token)
    pulumi.export("size", second.size)


def _resources(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deployment["deployment"]["resources"])


def test_an_export_imports_into_another_engine_which_then_changes_nothing(make_engine: MakeEngine) -> None:
    source = make_engine(program)
    up = source.up()
    assert up.success, up.error
    redacted = source.export_stack()
    exported = json.loads(json.dumps(source.export_stack(show_secrets=True)))  # through JSON, as a file would be
    assert exported["version"] == 3
    assert [r["name"] for r in _resources(exported)] == ["p-dev", "group", "first", "second"]
    by_name = {r["name"]: r for r in _resources(exported)}
    assert by_name["first"]["parent"] == by_name["group"]["urn"]
    assert by_name["second"]["dependencies"] == [by_name["first"]["urn"]]
    assert by_name["second"]["customTimeouts"] == {"create": 90.0}
    # Secrets: redacted unless asked for, then as the CLI's `--show-secrets` shows them.
    assert CANARY not in json.dumps(redacted) and CANARY not in json.dumps(source.state)
    assert by_name["first"]["outputs"]["token"]["plaintext"] == json.dumps(CANARY)
    assert _resources(redacted) == source.state["resources"]

    target = make_engine(program)
    target.import_stack(exported)
    assert _resources(target.export_stack(show_secrets=True)) == _resources(exported)
    assert target.state == source.state and target.stack_outputs == {"token": CANARY, "size": 4}
    again = target.up()
    assert again.success, again.error
    assert set(again.steps.values()) == {"same"} and again.outputs == up.outputs
    assert again.secret_outputs == up.secret_outputs == {"token"}


def test_an_edited_export_is_the_state_the_next_operation_starts_from(make_engine: MakeEngine) -> None:
    engine = make_engine(program)
    assert engine.up().success
    deployment = engine.export_stack(show_secrets=True)
    (second,) = [r for r in _resources(deployment) if r["name"] == "second"]
    second["inputs"]["size"] = second["outputs"]["size"] = 40  # as if an earlier program had said 40
    engine.import_stack(deployment)
    assert {r["name"]: r for r in engine.state["resources"]}["second"]["outputs"]["size"] == 40
    updated = engine.up()
    assert updated.success and updated.steps["second"] == "update", updated.error
    assert updated.outputs["size"] == 4

    engine.import_stack({"version": 3, "deployment": {"resources": []}})  # an empty stack: everything is new
    assert engine.state["resources"] == [] and engine.stack_outputs == {}
    assert set(engine.up().steps.values()) == {"create"}


def _exported(make_engine: MakeEngine) -> tuple[LocalEngine, dict[str, Any]]:
    engine = make_engine(program)
    assert engine.up().success
    return engine, engine.export_stack(show_secrets=True)


def _edit(where: str, change: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """An edit of the resource named `where` in a deployment ("*": of the deployment itself)."""

    def edit(deployment: dict[str, Any]) -> Any:
        if where == "*":
            return change(deployment)
        (resource,) = [r for r in _resources(deployment) if r["name"] == where]
        change(resource)
        return deployment

    return edit


BAD = {
    "not an object": (_edit("*", lambda d: [d]), "a deployment is a JSON object"),
    "version 2": (_edit("*", lambda d: {**d, "version": 2}), "deployment version 2 is not supported"),
    "no deployment": (_edit("*", lambda d: {"version": 3}), 'a deployment has a "deployment" object'),
    "resources not a list": (
        _edit("*", lambda d: {"version": 3, "deployment": {"resources": {}}}),
        '"deployment.resources" is a list',
    ),
    "pending operations": (
        _edit("*", lambda d: {**d, "deployment": {**d["deployment"], "pending_operations": [{"type": "creating"}]}}),
        "pending operations",
    ),
    "another stack": (
        _edit("first", lambda r: r.update(urn=r["urn"].replace(":dev::", ":prod::"))),
        "resources[2]: urn 'urn:pulumi:prod::p::widgets:index:Group$widgets:index:Widget::first' is not a resource"
        " of this stack",
    ),
    "twice": (
        _edit("*", lambda d: {**d, "deployment": {"resources": [*_resources(d), _resources(d)[-1]]}}),
        "is in the deployment twice",
    ),
    "type not the urn's": (_edit("first", lambda r: r.update(type="widgets:index:Gadget")), "is not the type"),
    "name not the urn's": (_edit("first", lambda r: r.update(name="other")), "is not the name its urn ends with"),
    "custom without an id": (_edit("first", lambda r: r.update(id="")), "a custom resource has an id"),
    "unknown parent": (
        _edit("first", lambda r: r.update(parent=r["parent"] + "x")),
        "its parent 'urn:pulumi:dev::p::widgets:index:Group::groupx' is not a resource before it",
    ),
    "dependency after it": (
        _edit("first", lambda r: r.update(dependencies=[r["urn"].replace("first", "second")])),
        "its dependency",
    ),
    "unknown provider": (
        _edit("first", lambda r: r.update(provider=f"{STACK_URN}::id")),
        "is not `<urn>::<id>` of a provider resource before it",
    ),
    "wrong kind": (_edit("first", lambda r: r.update(custom="yes")), "custom is str, not bool"),
    "a dependency not a URN": (_edit("second", lambda r: r.update(dependencies=[1])), "a list of URNs"),
    "bad timeouts": (
        _edit("second", lambda r: r.update(customTimeouts={"create": "90s"})),
        "customTimeouts holds seconds",
    ),
    "an unknown value": (
        _edit("second", lambda r: r["outputs"].update(size="04da6b54-80e4-46f7-96ec-b56ff0331ba9")),
        "outputs.size is unknown",
    ),
    "a redacted secret": (
        _edit("first", lambda r: r["outputs"]["token"].update(plaintext=None, ciphertext="[secret]")),
        "outputs.token is a secret without its plaintext",
    ),
    "a secret's plaintext not JSON": (
        _edit("first", lambda r: r["outputs"]["token"].update(plaintext=CANARY)),
        "outputs.token: a secret's plaintext is its value as JSON",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_deployment_is_a_clear_error_and_leaves_the_state(make_engine: MakeEngine, case: str) -> None:
    engine, deployment = _exported(make_engine)
    before = engine.export_stack(show_secrets=True)["deployment"]["resources"]
    edit, message = BAD[case]
    with pytest.raises(StateImportError) as caught:
        engine.import_stack(edit(copy.deepcopy(deployment)))
    assert message in str(caught.value)
    assert isinstance(caught.value, LocalEngineError) and isinstance(caught.value, ValueError)
    assert CANARY not in str(caught.value)  # a secret's value is never in the message
    assert engine.export_stack(show_secrets=True)["deployment"]["resources"] == before


def test_a_redacted_export_does_not_import(make_engine: MakeEngine) -> None:
    engine, _ = _exported(make_engine)
    with pytest.raises(StateImportError, match=r"export with show_secrets=True to import"):
        engine.import_stack(engine.export_stack())


def test_no_import_while_an_operation_runs_or_after_close_and_an_export_reads_the_last_state(
    make_engine: MakeEngine,
) -> None:
    engine, deployment = _exported(make_engine)
    inside = threading.Event()
    release = threading.Event()

    def slow() -> None:
        program()
        inside.set()
        release.wait(30)

    worker = threading.Thread(target=lambda: engine.up(slow))
    worker.start()
    try:
        assert inside.wait(30)
        with pytest.raises(StateImportError, match="an operation is running"):
            engine.import_stack(deployment)
        assert engine.export_stack(show_secrets=True)["deployment"]["resources"] == _resources(deployment)
    finally:
        release.set()
        worker.join(30)
    engine.import_stack(deployment)
    engine.close()
    with pytest.raises(EngineClosedError):
        engine.import_stack(deployment)
