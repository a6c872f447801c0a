"""One table of gate scenarios, run against both front ends with the same expected outcomes, so they cannot drift:
the dynamic `DeployGate` through LocalEngine (a real `python -m pulumi.dynamic` host) and `nuon:index:DeployGate`
through the plugin process over gRPC. Both watch the same simulated org; each scenario runs on installs of its own.

Messages are compared after `in_camel_case` (the native provider names inputs as its users write them).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest

import pulumi_nuon as nuon
from nuon_localengine import LocalEngine
from pulumi_nuon.core.options import DEPLOY_GATE
from pulumi_nuon.native.schema import in_camel_case
from pulumi_nuon.testing.simulator import Install, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, new_org
from tests.native.plugin import Plugin, Secret, camel_inputs, reveal, snake_outputs

FAST = {"poll_interval_seconds": 0.01, "timeout_seconds": 20}
_names = itertools.count()


@dataclass
class Expect:
    """What a scenario must end in, whichever front end runs it."""

    passed: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    """Outputs that must have these values (snake_case names)."""
    words: list[str] = field(default_factory=list)
    """Fragments the failure message must contain."""


Scenario = Callable[[Org], tuple[dict[str, Any], Expect]]


def _install(org: Org) -> Install:
    return org.sim.add_install(f"customer-{next(_names)}", components=[org.app])


def success(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    deploy = org.sim.trigger_deploy(install, org.app, timeline=Timeline.apply_success())
    expect = {"phase": "succeeded", "status": "active", "deploy_id": deploy.id, "statuses": {install.id: "active"}}
    return {"install_id": install.id}, Expect(True, expect)


def failure(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    deploy = org.sim.trigger_deploy(
        install, org.app, timeline=Timeline.failure(description="helm upgrade failed: timed out waiting")
    )
    words = [
        f"Deploy gate failed on install {install.id} (component {org.app.id}): deploy {deploy.id} ended in status "
        "'error': helm upgrade failed: timed out waiting.",
        "See the deploy's logs in Nuon, fix the cause and deploy again",
    ]
    return {"install_id": install.id}, Expect(False, words=words)


def pending_approval(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    deploy = org.sim.trigger_deploy(install, org.app, timeline=Timeline.pending_approval())
    words = [f"deploy {deploy.id} has waited for approval", "(limit 0.3s)", "Approve or deny the deploy in Nuon"]
    return {"install_id": install.id, "approval_timeout_seconds": 0.3}, Expect(False, words=words)


def superseded(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    first = org.sim.trigger_deploy(install, org.app, timeline=Timeline.discarded(then=Timeline.apply_success()))
    assert first.next is not None
    return {"install_id": install.id}, Expect(True, {"deploy_id": first.next.id, "status": "active"})


def timeout(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    org.sim.trigger_deploy(install, org.app, timeline=Timeline.of((0, "queued"), (5, "hibernating")))
    # 1.5 s: the gate must poll twice (queued, then hibernating: the clock moves 5 s per poll) before it times out,
    # which a gate at 0.6 s did not always manage at load ~8.
    inputs = {"install_id": install.id, "timeout_seconds": 1.5, "poll_interval_seconds": 0.05}
    words = ["timed out after 1.5s", f"{install.id}: ", "statuses seen: queued → hibernating", "raise timeout_seconds"]
    return inputs, Expect(False, words=words)


def not_found_within_the_grace(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    deploy = org.sim.trigger_deploy(install, org.app, timeline=Timeline.apply_success().delayed(30))
    return {"install_id": install.id, "not_found_grace_seconds": 10}, Expect(True, {"deploy_id": deploy.id})


def not_found_past_the_grace(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    words = [
        f"on install {install.id} (component {org.app.id}): no deploy of the component appeared within the 0.2s grace",
        "Check the install and component ids",
    ]
    return {"install_id": install.id, "not_found_grace_seconds": 0.2}, Expect(False, words=words)


def fleet(org: Org) -> tuple[dict[str, Any], Expect]:
    installs = [_install(org) for _ in range(4)]
    deploys = {i.id: org.sim.trigger_deploy(i, org.app, timeline=Timeline.apply_success()).id for i in installs}
    expect = {"phase": "succeeded", "deploy_ids": deploys, "statuses": dict.fromkeys(deploys, "active")}
    return {"install_ids": list(deploys)}, Expect(True, expect)


def fleet_with_a_failure(org: Org) -> tuple[dict[str, Any], Expect]:
    installs = [_install(org) for _ in range(3)]
    for install in installs[:2]:
        org.sim.trigger_deploy(install, org.app, timeline=Timeline.apply_success())
    bad = org.sim.trigger_deploy(installs[2], org.app, timeline=Timeline.failure(description="terraform apply failed"))
    words = [
        f"on install {installs[2].id} (component {org.app.id}): deploy {bad.id} ended in status 'error': terraform "
        "apply failed.",
        "See the deploy's logs in Nuon",
    ]
    return {"install_ids": [i.id for i in installs]}, Expect(False, words=words)


def auto_skipped_refused(org: Org) -> tuple[dict[str, Any], Expect]:
    install = _install(org)
    org.sim.trigger_deploy(install, org.app, timeline=Timeline.auto_skipped())
    words = ["was auto-skipped", "accept_auto_skipped is False", "set accept_auto_skipped to accept no-op deploys"]
    return {"install_id": install.id, "accept_auto_skipped": False}, Expect(False, words=words)


SCENARIOS: list[Scenario] = [
    success,
    failure,
    pending_approval,
    superseded,
    timeout,
    not_found_within_the_grace,
    not_found_past_the_grace,
    fleet,
    fleet_with_a_failure,
    auto_skipped_refused,
]


@dataclass
class Ended:
    passed: bool
    outputs: dict[str, Any]
    error: str


@pytest.fixture(scope="module")
def shared() -> Iterator[Org]:
    org = new_org()
    org.sim.auto_advance(5)
    yield from org.served()


@pytest.fixture(scope="module")
def dynamic(shared: Org) -> Iterator[Callable[[str, dict[str, Any]], Ended]]:
    with LocalEngine(project="test", stack="dev", config=shared.nuon_config()) as engine:

        def run(name: str, inputs: dict[str, Any]) -> Ended:
            def program() -> None:
                gate = nuon.DeployGate(name, component_id=shared.app.id, **inputs)
                for output in DEPLOY_GATE.outputs:
                    pulumi.export(output.name, getattr(gate, output.name))

            result = engine.up(program)
            return Ended(result.success, result.outputs, result.error or "")

        yield run


@pytest.fixture
def native(shared: Org, plugin: Plugin) -> Callable[[str, dict[str, Any]], Ended]:
    plugin.configure({"apiUrl": shared.url, "orgId": ORG_ID, "apiToken": Secret(CANARY_TOKEN)})

    def run(name: str, inputs: dict[str, Any]) -> Ended:
        outcome = plugin.create("DeployGate", name, camel_inputs({"component_id": shared.app.id, **inputs}))
        return Ended(outcome.ok, snake_outputs(DEPLOY_GATE, reveal(outcome.outputs)), outcome.error)

    return run


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
@pytest.mark.parametrize("front_end", ["dynamic", "native"])
def test_both_front_ends_end_each_scenario_alike(
    front_end: str, scenario: Scenario, shared: Org, request: pytest.FixtureRequest
) -> None:
    inputs, expect = scenario(shared)
    run = request.getfixturevalue(front_end)
    ended = run(f"gate-{scenario.__name__.replace('_', '-')}", {**FAST, **inputs})
    assert ended.passed is expect.passed, ended.error
    assert {k: ended.outputs.get(k) for k in expect.outputs} == expect.outputs
    error = in_camel_case(ended.error)
    assert [w for w in expect.words if in_camel_case(w) not in error] == [], error
    if front_end == "native" and not ended.passed:  # one clean paragraph; the dynamic host shows a traceback
        assert len(ended.error.splitlines()) <= 6 and "Traceback" not in ended.error, ended.error
