"""Programs using the native `nuon` resources, run through LocalEngine with the plugin started as Pulumi starts a
plugin directory (`python provider <engine address>`): the TypeScript example as its own Node.js process, and Python
programs; Ctrl-C (`engine.cancel()`), `customTimeouts`, ten gates at once, and what the gate's row shows."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from nuon_localengine import UNKNOWN, LocalEngine
from pulumi_nuon.core.options import DEPLOY_GATE, LATEST_DEPLOY
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, Org, new_org, require_node
from tests.native.plugin import DoneOnceAllPolled

ROOT = Path(__file__).resolve().parents[2]
TS_EXAMPLE = ROOT / "examples" / "typescript-gate"
PLUGINS = {"nuon": [sys.executable, str(ROOT / "provider")]}


class Gate(pulumi.CustomResource):
    """`nuon:index:DeployGate` as a generated Python SDK declares it (`pulumi_nuon_native.DeployGate`)."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(o.camel_name for o in DEPLOY_GATE.outputs)
        super().__init__("nuon:index:DeployGate", name, {**props, **outputs}, opts)


class LatestDeploy(pulumi.CustomResource):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        outputs = dict.fromkeys(o.camel_name for o in LATEST_DEPLOY.outputs)
        super().__init__("nuon:index:LatestDeploy", name, {**props, **outputs}, opts)


@pytest.fixture
def org() -> Iterator[Org]:
    yield from new_org().served()


def engine(org: Org, program: Any = None, **config: Any) -> LocalEngine:
    return LocalEngine(program, project="native", stack="dev", config={**org.nuon_config(), **config}, plugins=PLUGINS)


def gates(org: Org, installs: list[str], **props: Any) -> Callable[[], None]:
    def program() -> None:
        for i, install in enumerate(installs):
            gate = Gate(f"gate-{i}", {"componentId": org.app.id, "installId": install, **props})
            pulumi.export(f"status-{i}", gate.status)  # type: ignore[attr-defined]

    return program


def everything(result: Any) -> str:
    return repr(result.state) + repr(result.outputs) + (result.error or "") + result.host_stderr + repr(result.log)


def test_the_typescript_example_gates_on_a_simulated_deploy_through_the_plugin(org: Org) -> None:
    require_node(TS_EXAMPLE)
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=2))
    org.sim.auto_advance(2)
    config = {"componentId": org.app.id, "installId": org.prod.id, "buildId": deploy.build_id}
    with LocalEngine(
        TS_EXAMPLE,
        project="typescript-gate",
        stack="dev",
        config={**org.nuon_config(), **config, "pollIntervalSeconds": "0.05"},
        plugins=PLUGINS,
        env={"PULUMI_NODEJS_TRANSPILE_ONLY": "true"},  # tsc checks the types once (test_examples); here just run
    ) as ts:
        preview = ts.preview()
        assert preview.success, preview.error
        assert preview.steps["web-app-rollout"] == "create" and preview.outputs["gatePhase"] == UNKNOWN
        result = ts.up()
        assert result.success, result.error
        out = result.outputs
        assert (out["gatePhase"], out["deployId"], out["status"], out["snapshotStatus"]) == (
            "succeeded",
            deploy.id,
            "active",
            "active",
        )
        assert out["switchedTo"] == deploy.id and out["build"] == deploy.build_id
        rows = result.status_lines("web-app-rollout")
        assert any(f"deploy {deploy.id} is executing" in line for line in rows), rows
        assert any(m.message.startswith("DeployGate passed") for m in result.diagnostics_for("web-app-rollout"))
        assert CANARY_TOKEN not in everything(result) + result.program_stdout + result.program_stderr


def test_a_python_program_on_the_native_resources_and_what_the_gates_row_shows(org: Org) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=2))
    org.sim.auto_advance(2)

    def program() -> None:
        gate = Gate("gate", {"componentId": org.app.id, "installId": org.prod.id, "pollIntervalSeconds": 0.05})
        after = LatestDeploy(
            "after", {"installId": org.prod.id, "componentId": org.app.id}, pulumi.ResourceOptions(depends_on=[gate])
        )
        pulumi.export("deployId", gate.deployId)  # type: ignore[attr-defined]
        pulumi.export("after", after.status)  # type: ignore[attr-defined]

    with engine(org, program) as native:
        result = native.up()
        assert result.success, result.error
        assert result.outputs == {"deployId": deploy.id, "after": "active"}
        rows = result.status_lines("gate")
        assert rows[0] == f"DeployGate: waiting for component {org.app.id} on 1 install(s)"
        assert any(f"deploy {deploy.id} is pending-approval: waiting for approval" in row for row in rows), rows
        assert result.status_lines("after") == []
        assert CANARY_TOKEN not in everything(result)


def test_ctrl_c_stops_a_waiting_gate_within_a_second(org: Org) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    with engine(org, gates(org, [org.prod.id], pollIntervalSeconds=0.1, timeoutSeconds=60)) as native:
        ended: list[Any] = []
        update = threading.Thread(target=lambda: ended.append(native.up()))
        update.start()
        while org.sim.log.count("latest_deploy") < 2:
            time.sleep(0.01)
        cancelled = time.monotonic()
        native.cancel()
        update.join(timeout=10)
        assert time.monotonic() - cancelled < 1.0
    [result] = ended
    assert not result.success
    assert "DeployGate cancelled (the operation was interrupted)" in (result.error or "")


def test_custom_timeouts_shorter_than_timeout_seconds_end_the_wait(org: Org) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))

    def program() -> None:
        props = {"componentId": org.app.id, "installId": org.prod.id, "pollIntervalSeconds": 0.1, "timeoutSeconds": 60}
        Gate("gate", props, pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="1s")))

    started = time.monotonic()
    with engine(org, program) as native:
        result = native.up()
    assert not result.success and time.monotonic() - started < 10
    assert "Deploy gate timed out after 1s" in (result.error or "")
    assert "customTimeouts (1s), shorter than timeoutSeconds (60s)" in (result.error or "")


def test_ten_gates_in_one_program_wait_at_once(org: Org) -> None:
    installs = [org.sim.add_install(f"customer-{i}", components=[org.app]) for i in range(10)]
    deploys = [org.sim.trigger_deploy(install, org.app) for install in installs]
    # No deploy is done before all ten gates have polled: gates taken some at a time (a program with two RPC
    # workers, say) would leave the first waiting to their timeout.
    program = gates(org, [i.id for i in installs], pollIntervalSeconds=0.1, timeoutSeconds=20)
    with engine(org, program) as native, DoneOnceAllPolled(org.sim, deploys) as done:
        result = native.up()
    assert result.success, result.error
    assert done.all_polled
    assert sorted(result.outputs.values()) == ["active"] * 10
