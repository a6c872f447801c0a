"""A gate's outputs as state keeps them (pulumi_nuon.gate.state): compact, without an install id, and read back
into the shape users read from every form a version stored. The lifecycle through a real dynamic-provider host is
in tests/resources/test_gate.py."""

from __future__ import annotations

import json
from typing import Any

from pulumi_nuon.core.options import DEPLOY_GATE
from pulumi_nuon.gate.inputs import previous_passes
from pulumi_nuon.gate.state import FLEET, by_install, gate_outputs_read, install_key, stored_gate_outputs
from tests.conftest import CMP1, DATA, nuon_id

IDS = [nuon_id("inl", n) for n in (3, 1, 2)]
DEPLOYS = {i: nuon_id("dpl", n) for n, i in enumerate(IDS, 1)}


def outputs(ids: list[str] = IDS, statuses: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A passed gate's outputs as the front ends build them (its inputs and :func:`gate_values`)."""
    return {
        "component_id": CMP1,
        "install_ids": ids,
        "triggers": "r1",
        "phase": "succeeded",
        "deploy_ids": {i: DEPLOYS.get(i) for i in ids},
        "statuses": statuses if statuses is not None else dict.fromkeys(ids, "active"),
        "passed_at": "2026-12-01T10:00:00Z",
        **extra,
    }


def test_state_keeps_no_install_id_and_reads_back_to_the_same_outputs() -> None:
    full = outputs()
    stored = stored_gate_outputs(full)
    assert not {"install_ids", "deploy_ids", "statuses"} & set(stored)
    assert not any(i in json.dumps(stored) for i in IDS)
    assert stored[FLEET] == {
        "install_keys": "".join(install_key(i) for i in sorted(IDS)),
        "deploy_ids": [DEPLOYS[i] for i in sorted(IDS)],
        "statuses": "active",  # one status everywhere: stored once
    }
    assert gate_outputs_read(stored, {"install_ids": IDS}) == full
    reordered = gate_outputs_read(stored, {"install_ids": IDS[::-1]})  # the same fleet in another order
    assert reordered == {**full, "install_ids": IDS[::-1]}


def test_statuses_that_differ_are_stored_one_per_install() -> None:
    statuses = {IDS[0]: "active", IDS[1]: "auto-skipped", IDS[2]: None}
    stored = stored_gate_outputs(outputs(statuses=statuses))
    assert stored[FLEET]["statuses"] == [statuses[i] for i in sorted(IDS)]
    assert gate_outputs_read(stored, {"install_ids": IDS})["statuses"] == statuses


def test_outputs_that_are_not_by_distinct_install_ids_are_stored_as_they_are() -> None:
    for full in (
        outputs(ids=[IDS[0], IDS[0]]),  # a repeated install
        {**outputs(), "deploy_ids": {IDS[0]: "dpl"}},  # maps over other installs
        {**outputs(), "install_ids": None},
    ):
        assert stored_gate_outputs(full) == full
        assert gate_outputs_read(stored_gate_outputs(full), {"install_ids": IDS}) == full


def test_a_changed_fleet_reads_as_changed_and_keeps_what_the_installs_that_stay_passed() -> None:
    stored = stored_gate_outputs(outputs())
    new = nuon_id("inl", 9)
    news = {"component_id": CMP1, "install_ids": [IDS[0], IDS[1], new], "triggers": "r2"}
    read = gate_outputs_read(stored, news)
    gone = f"?{install_key(IDS[2])}"
    assert sorted(read["install_ids"]) == sorted([IDS[0], IDS[1], gone]) and read["install_ids"] != news["install_ids"]
    assert read["deploy_ids"] == {IDS[0]: DEPLOYS[IDS[0]], IDS[1]: DEPLOYS[IDS[1]], gone: DEPLOYS[IDS[2]]}
    # The diff sees the fleet change; with a new release, the installs that stay do not count what they passed.
    from pulumi_nuon.core.options import diff_inputs

    assert "install_ids" in diff_inputs(DEPLOY_GATE, read, news)[1]
    passes = previous_passes(read, news)
    assert {i: passes[i] for i in news["install_ids"] if i in passes} == {i: DEPLOYS[i] for i in IDS[:2]}


def test_earlier_forms_read_as_they_did() -> None:
    full = outputs()
    assert gate_outputs_read(full, {"install_ids": IDS[::-1]}) == full  # 0.1.0: everything, as it is
    previous = {k: v for k, v in full.items() if k != "install_ids"}  # 0.2: the maps, no install list
    assert gate_outputs_read(previous, {"install_ids": IDS[::-1]}) == {**previous, "install_ids": IDS[::-1]}
    assert gate_outputs_read(previous, {"install_ids": IDS[:2]}) == {**previous, "install_ids": sorted(IDS)}
    recorded = json.loads((DATA / "gate-state-0.2.json").read_text())
    news = recorded["inputs"]
    assert gate_outputs_read(recorded["outputs"], news)["install_ids"] == news["install_ids"]


def test_the_program_reads_the_maps_by_install_id() -> None:
    stored = stored_gate_outputs(outputs())
    fleet = stored[FLEET]
    assert by_install("deploy_ids", None, fleet, IDS[::-1]) == DEPLOYS
    assert by_install("statuses", None, fleet, IDS) == dict.fromkeys(IDS, "active")
    # A state older than the program's inputs (the gate left out of `pulumi up --target`): named as far as known.
    new = nuon_id("inl", 9)
    shown = by_install("deploy_ids", None, fleet, [IDS[0], new])
    assert shown == {
        IDS[0]: DEPLOYS[IDS[0]],
        f"?{install_key(IDS[1])}": DEPLOYS[IDS[1]],
        f"?{install_key(IDS[2])}": DEPLOYS[IDS[2]],
    }
    # Without a fleet (an earlier form, or outputs that were not compacted), what state shows is already by install.
    assert by_install("deploy_ids", DEPLOYS, None, IDS) == DEPLOYS
    assert by_install("statuses", None, None, IDS) is None


def test_the_fleet_is_no_option_of_the_gate() -> None:
    """State's own key: it must not shadow an input or an output users read."""
    assert FLEET not in {o.name for o in (*DEPLOY_GATE.inputs, *DEPLOY_GATE.outputs)}
