"""The representative part of the fault matrix that goes through LocalEngine: a real dynamic-provider host polls
the shared loopback server. One program holds one resource per case (each on its own component and install, with
its own faults), so a single ``up`` runs them all, concurrently as the engine does; one ``preview`` checks the
inputs that must be refused by ``check``.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

import pulumi
import pytest

import pulumi_nuon as nuon
from nuon_localengine import LocalEngine, Secret
from pulumi_nuon.testing.simulator import Fault, Timeline
from pulumi_nuon.testing.simulator.faults import ECHO_FORMS
from pulumi_nuon.testing.simulator.simulator import echoed
from tests.conftest import CANARY_TOKEN, ORG_ID, tally
from tests.reliability.conftest import Ids, Lab

GATE_TIMEOUT = 3.0

# (resource kind, name, faults, what its outcome must show): "ok" or words of the error.
CASES: list[tuple[str, str, list[tuple[Fault, int | None]], str]] = [
    ("releases", "rel-flaky", [(Fault.http_status(503), 1), (Fault.reset(), 1)], "ok"),
    ("releases", "rel-repeat", [(Fault.repeat_page(), None)], "repeats"),
    ("releases", "rel-html404", [(Fault.html(404), None)], "no longer serves component releases"),
    ("releases", "rel-echo", [(Fault.echo("base64"), None)], "ok"),
    ("deploy", "ld-flaky", [(Fault.truncated_json(), 1), (Fault.cut(), 1)], "ok"),
    ("deploy", "ld-gzip", [(Fault.gzip_lie(), None)], "could not be decoded"),
    ("deploy", "ld-html404", [(Fault.html(404), None)], "is not Nuon's JSON error"),
    ("deploy", "ld-empty-object", [(Fault.answer("{}"), None)], "no id and no status"),
    ("deploy", "ld-never-answers", [(Fault.hang(30), None)], "timed out"),
    ("deploy", "ld-echo", [(Fault.echo("json_escaped"), None)], "ok"),
    ("gate", "gate-flaky", [(Fault.http_status(502), 2), (Fault.rate_limit(1), 1), (Fault.cut(), 1)], "ok"),
    ("gate", "gate-never-answers", [(Fault.hang(30), None)], "Nuon never answered"),
    ("gate", "gate-slow-body", [(Fault.trickle(chunk_size=1, seconds_per_chunk=1.0), None)], "last API error"),
    ("gate", "gate-wrong-shape", [(Fault.answer('{"id": "dpl1", "status": 5}'), None)], "last API error"),
]


def _program(cases: list[tuple[str, str, Ids]]) -> Any:
    def program() -> None:
        for kind, name, ids in cases:
            if kind == "releases":
                r = nuon.ComponentReleases(name, component_id=ids.component)
                pulumi.export(name, r.latest_release_id)
            elif kind == "deploy":
                d = nuon.LatestDeploy(name, install_id=ids.install, component_id=ids.component)
                pulumi.export(name, d.status_description)
            else:
                g = nuon.DeployGate(
                    name,
                    component_id=ids.component,
                    install_id=ids.install,
                    timeout_seconds=GATE_TIMEOUT,
                    poll_interval_seconds=0.2,
                )
                pulumi.export(name, g.phase)

    return program


def _config(url: str) -> dict[str, Any]:
    return {
        "nuon:apiUrl": url,
        "nuon:orgId": ORG_ID,
        "nuon:apiToken": Secret(CANARY_TOKEN),
        "nuon:requestTimeout": "3",
    }


def _error_of(error: str, name: str) -> str:
    """The part of the engine's error message about resource ``name``."""
    parts = re.split(r"(?m)^(?=pulumi-python:dynamic/nuon:\w+ \()", error)
    return "".join(p for p in parts if p.startswith("pulumi-python:dynamic/nuon:") and f"({name})" in p)


@pytest.mark.timeout(120)
def test_resources_and_gates_end_in_success_or_their_typed_error_in_time(lab: Lab) -> None:
    placed = []
    for kind, name, faults, _ in CASES:
        ids = lab.case(timeline=Timeline.constant("active"))
        route = "releases" if kind == "releases" else "latest_deploy"
        for fault, times in faults:
            lab.sim.inject(fault, route=route, times=times, path=ids.component)
        placed.append((kind, name, ids))
    started = time.monotonic()
    with LocalEngine(_program(placed), project="faults", stack="dev", config=_config(lab.url)) as engine:
        result = engine.up()
    elapsed = time.monotonic() - started
    error = result.error or ""
    created = {r["name"]: r["outputs"] for r in result.state["resources"] if r["custom"]}
    wrong = []
    for kind, name, _, words in CASES:
        mine = _error_of(error, name)
        if words == "ok":
            if mine or name not in created:
                wrong.append(f"{name}: expected success, got {mine[-400:]!r}")
            elif kind == "gate" and created[name].get("phase") != "succeeded":
                wrong.append(f"{name}: passed without phase succeeded: {created[name]}")
        elif words not in mine:
            wrong.append(f"{name}: expected {words!r} in its error, got {mine[-600:]!r}")
        if kind == "gate" and words != "ok":
            watched = re.search(r"watched (\d+)s", mine)
            if watched is None or int(watched.group(1)) > GATE_TIMEOUT + 1:
                wrong.append(f"{name}: watched {watched and watched.group(1)}s past {GATE_TIMEOUT}s + 1s")
    shown = json.dumps(result.state) + json.dumps(result.outputs) + error + result.host_stderr + result.host_stdout
    for form in ECHO_FORMS:
        if echoed(CANARY_TOKEN, form) in shown:
            wrong.append(f"the token shows ({form}) in state, outputs, errors or host output")
    # Every gate ends by its own deadline; the engine adds its start-ups.
    if elapsed > GATE_TIMEOUT + 1 + 15:
        wrong.append(f"the update took {elapsed:.1f}s")
    tally("fault matrix (LocalEngine)", len(CASES), len(wrong))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("url", ["loopback", "https://api.nuon.example"])
def test_check_refuses_what_cannot_work_naming_the_property(lab: Lab, url: str) -> None:
    cmp, inl = "cmp" + "0" * 23, "inl" + "0" * 23

    def program() -> None:
        nuon.ComponentReleases("limit-nan", component_id=cmp, limit=math.nan)
        nuon.ComponentReleases("limit-inf", component_id=cmp, limit=math.inf)
        nuon.DeployGate("nested-ids", component_id=cmp, install_ids=[[inl]])  # type: ignore[list-item]
        nuon.DeployGate("timeout-inf", component_id=cmp, install_id=inl, timeout_seconds=math.inf)
        nuon.DeployGate("bidi-id", component_id=cmp[:-1] + "\u202e", install_id=inl)
        nuon.DeployGate("fast-poll", component_id=cmp, install_id=inl, poll_interval_seconds=0.05)

    with LocalEngine(program, project="check", stack="dev", config=_config(lab.url if url == "loopback" else url)) as e:
        result = e.preview()
    error = result.error or ""
    expected = {
        "limit-nan": "limit must be a whole number at least 1 and at most 100000, got nan",
        "limit-inf": "limit must be a whole number at least 1 and at most 100000, got inf",
        "nested-ids": "install_ids[0] must be a string, got list",
        "timeout-inf": "timeout_seconds must be a number greater than 0 and at most 604800, got inf",
        "bidi-id": "invisible or reordering character U+202E",
    }
    if url != "loopback":
        expected["fast-poll"] = "poll_interval_seconds must be a number at least 1 (0.01 on a loopback API URL)"
    wrong = [name for name, words in expected.items() if words not in _error_of(error, name)]
    assert ("fast-poll" in error) == (url != "loopback")
    assert "Traceback" not in error
    tally("hostile input (LocalEngine check)", len(expected), len(wrong))
    assert not wrong, (wrong, error)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ("id", "invisible or reordering character U+200B"),
        ("limit", "limit must be a whole number at least 1 and at most 100000, got inf"),
        ("name", "install_id 'web-app' is not a Nuon install id"),
        ("swapped", "is not a Nuon component id"),
    ],
)
def test_output_functions_refuse_hostile_input_before_any_request(call: str, words: str) -> None:
    from pulumi_nuon.testing.simulator import Simulator

    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    cmp = "cmp" + "0" * 23

    def program() -> None:
        if call == "id":
            pulumi.export("a", nuon.get_latest_deploy_output("inl\u200b" + "0" * 22, cmp).status)
        elif call == "name":  # URL-safe but not an id: refused like the gate refuses it, not read as "no deploy"
            pulumi.export("a", nuon.get_latest_deploy_output("web-app", cmp).found)
        elif call == "swapped":
            pulumi.export("a", nuon.get_component_releases_output("inl" + "0" * 23).release_count)
        else:
            pulumi.export("b", nuon.get_component_releases_output(cmp, limit=math.inf).release_count)

    with sim.serve() as server, LocalEngine(program, project="outputs", stack="dev", config=_config(server.url)) as e:
        result = e.preview()
    error = result.error or ""
    tally("hostile input (output functions)", 1, 0 if words in error else 1)
    assert not result.success and words in error, error
    assert len(sim.log) == 0 and CANARY_TOKEN not in error
