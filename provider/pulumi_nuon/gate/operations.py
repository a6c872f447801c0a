"""What each resource and function does, once, for every front end: its id, its reads, the gate's wait, its outputs.

The dynamic providers run these coroutines with ``asyncio.run`` in the dynamic-provider host's threads; the native
provider awaits them on its one event loop. Either way the rules — which id a resource gets, what a read returns,
how the gate waits and what it records — are these, over an :class:`~pulumi_nuon.api.client.AsyncNuonClient`.
Inputs and outputs are the option table's names (snake_case) with plain JSON values. No Pulumi here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pulumi_nuon.core.options import Spec, check_inputs, check_limit
from pulumi_nuon.gate.inputs import WaitOptions, check_gate_inputs, previous_passes
from pulumi_nuon.gate.rules import Verdict
from pulumi_nuon.gate.views import deploy_values, gate_values, releases_values
from pulumi_nuon.gate.wait import InstallOutcome, WaitResult, wait_for_deploys

if TYPE_CHECKING:
    from pulumi_nuon.api.client import AsyncNuonClient

__all__ = [
    "check_spec_inputs",
    "gate_waiting_line",
    "inputs_from_id",
    "pass_gate",
    "read_values",
    "resource_id",
    "resource_outputs",
    "snapshot_deploys",
]


def resource_id(spec: Spec, inputs: Mapping[str, Any]) -> str:
    """The id a resource gets when it is created: its ``id_inputs`` joined by ``/`` (what it reads), or a fresh
    ``<id_prefix>-<uuid>`` (a gate)."""
    if spec.id_inputs:
        return "/".join(str(inputs[name]) for name in spec.id_inputs)
    return f"{spec.id_prefix}-{uuid.uuid4().hex}"


def inputs_from_id(spec: Spec, id_: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``inputs`` with the identifying inputs taken from the resource's id where they are missing (a resource read by
    id alone, as ``pulumi import`` or ``Resource.get`` do)."""
    out = dict(inputs)
    names = spec.id_inputs
    if names and not all(out.get(name) for name in names):
        parts = id_.split("/", len(names) - 1)
        out.update(zip(names, parts + [""] * (len(names) - len(parts)), strict=True))
    return out


def resource_outputs(spec: Spec, inputs: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's outputs: its inputs (the table's, nothing else) and the values it read or waited for."""
    return {**{o.name: inputs.get(o.name) for o in spec.inputs}, **values}


def check_spec_inputs(
    spec: Spec, values: Mapping[str, Any], *, known: Callable[[Any], bool] = lambda _: True, loopback: bool = False
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``values`` checked as every front end checks ``spec``'s inputs: the option table's checks, and for a spec that
    waits the gate's rules across inputs (:func:`~pulumi_nuon.gate.wait.check_gate_inputs`)."""
    if spec.waits:
        return check_gate_inputs(values, known=known, loopback=loopback)
    return check_inputs(spec, values, known=known, loopback=loopback)


async def _latest_deploy(client: AsyncNuonClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return deploy_values(await client.get_latest_deploy(inputs["install_id"], inputs["component_id"]))


async def _releases(client: AsyncNuonClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
    listing = client.list_component_releases(inputs["component_id"], limit=check_limit(inputs.get("limit")))
    return releases_values([release async for release in listing])


_READS: dict[str, Callable[[AsyncNuonClient, Mapping[str, Any]], Awaitable[dict[str, Any]]]] = {
    "latest_deploy": _latest_deploy,
    "releases": _releases,
}


async def read_values(spec: Spec, client: AsyncNuonClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The flat values a read shows, by the spec's ``operation``: the latest deploy (``LatestDeploy``,
    ``getLatestDeploy``) or the releases, newest first, at most ``limit`` (``ComponentReleases``,
    ``getComponentReleases``). A spec that waits is not read: KeyError."""
    return await _READS[spec.operation](client, inputs)


async def snapshot_deploys(client: AsyncNuonClient, component_id: str, installs: Sequence[str]) -> WaitResult:
    """Each install's latest deploy as it stands, without waiting (the gate's ``skip_wait``)."""
    deploys = await asyncio.gather(*(client.get_latest_deploy(i, component_id) for i in installs))
    outcomes = {
        install: InstallOutcome.of(install, Verdict.PASS, "skip_wait", deploy, 0.0)
        for install, deploy in zip(installs, deploys, strict=True)
    }
    return WaitResult(component_id, outcomes, 0.0, None)


def gate_waiting_line(inputs: Mapping[str, Any], passed_before: Mapping[str, str] | None = None) -> str:
    """The first progress line of a gate that waits."""
    installs, build = len(inputs["install_ids"]), f", build {inputs['build_id']}" if inputs.get("build_id") else ""
    newer = ", for deploys newer than those it passed last" if passed_before else ""
    return f"DeployGate: waiting for component {inputs['component_id']} on {installs} install(s){build}{newer}"


async def pass_gate(
    client: AsyncNuonClient,
    inputs: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None = None,
    on_progress: Callable[[str], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    deadline_seconds: float | None = None,
) -> dict[str, Any]:
    """Wait as a gate with these (checked) ``inputs`` says, and return the gate's output values.

    ``previous`` is the gate's outputs before an update: which deploys it passed then decides which count now
    (:func:`~pulumi_nuon.gate.wait.previous_passes`). ``on_warning`` gets what the user should know although the gate
    passed (it also went to ``on_progress``). ``deadline_seconds`` is a limit from outside the inputs (the engine's
    ``customTimeouts``): the wait ends at the earlier of it and ``timeout_seconds``, and a timeout message then says
    which limit ended it. Raises what :func:`~pulumi_nuon.gate.wait.wait_for_deploys` raises.
    """
    component_id, installs = inputs["component_id"], list(inputs["install_ids"])
    if inputs.get("skip_wait"):
        return gate_values(await snapshot_deploys(client, component_id, installs), inputs.get("install_id"))
    passed_before = previous_passes(previous, inputs) if previous is not None else {}
    if on_progress is not None:
        on_progress(gate_waiting_line(inputs, passed_before))
    options = WaitOptions.from_inputs(inputs)
    if deadline_seconds is not None and 0 < deadline_seconds < options.timeout_seconds:
        options = dataclasses.replace(
            options,
            timeout_seconds=deadline_seconds,
            poll_interval_seconds=min(options.poll_interval_seconds, deadline_seconds),
            timeout_from=f"the resource's customTimeouts ({deadline_seconds:g}s), shorter than timeout_seconds "
            f"({options.timeout_seconds:g}s)",
        )
    result = await wait_for_deploys(
        component_id, installs, options=options, client=client, on_progress=on_progress, passed_before=passed_before
    )
    if on_warning is not None:
        for warning in result.warnings:
            on_warning(warning)
    return gate_values(result, inputs.get("install_id"))
