"""What each resource and function does, once, for every front end: its id, its reads, the gate's wait, its outputs.

The dynamic providers run these coroutines with ``asyncio.run`` in the dynamic-provider host's threads; the native
provider awaits them on its one event loop. Either way the rules — which id a resource gets, what a read returns,
how the gate waits and what it records — are these, over an :class:`~pulumi_nuon.core.client.AsyncNuonClient`.
Inputs and outputs are the option table's names (snake_case) with plain JSON values. No Pulumi here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pulumi_nuon.core.errors import DeployTimeoutError
from pulumi_nuon.core.options import (
    COMPONENT_RELEASES,
    DEPLOY_GATE,
    GET_COMPONENT_RELEASES,
    GET_LATEST_DEPLOY,
    LATEST_DEPLOY,
    Spec,
    check_limit,
)
from pulumi_nuon.core.views import deploy_values, gate_values, releases_values
from pulumi_nuon.core.wait import (
    InstallOutcome,
    Verdict,
    WaitOptions,
    WaitResult,
    previous_passes,
    wait_for_deploys,
)

if TYPE_CHECKING:
    from pulumi_nuon.core.client import AsyncNuonClient

__all__ = [
    "gate_waiting_line",
    "inputs_from_id",
    "pass_gate",
    "read_values",
    "resource_id",
    "resource_outputs",
    "snapshot_deploys",
]


def resource_id(spec: Spec, inputs: Mapping[str, Any]) -> str:
    """The id a resource gets when it is created: what it reads, or a fresh ``gate-…`` for a gate."""
    if spec is DEPLOY_GATE:
        return f"gate-{uuid.uuid4().hex}"
    if spec is LATEST_DEPLOY:
        return f"{inputs['install_id']}/{inputs['component_id']}"
    if spec is COMPONENT_RELEASES:
        return str(inputs["component_id"])
    raise KeyError(spec.name)


def inputs_from_id(spec: Spec, id_: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``inputs`` with the identifying inputs taken from the resource's id where they are missing (a resource read by
    id alone, as ``pulumi import`` or ``Resource.get`` do)."""
    out = dict(inputs)
    if spec is LATEST_DEPLOY and not (out.get("install_id") and out.get("component_id")):
        out["install_id"], _, out["component_id"] = id_.partition("/")
    elif spec is COMPONENT_RELEASES and not out.get("component_id"):
        out["component_id"] = id_
    return out


def resource_outputs(spec: Spec, inputs: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's outputs: its inputs (the table's, nothing else) and the values it read or waited for."""
    return {**{o.name: inputs.get(o.name) for o in spec.inputs}, **values}


async def read_values(spec: Spec, client: AsyncNuonClient, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The flat values a read shows: ``LatestDeploy`` and ``getLatestDeploy`` read the latest deploy,
    ``ComponentReleases`` and ``getComponentReleases`` the releases (newest first, at most ``limit``)."""
    if spec is LATEST_DEPLOY or spec is GET_LATEST_DEPLOY:
        return deploy_values(await client.get_latest_deploy(inputs["install_id"], inputs["component_id"]))
    if spec is COMPONENT_RELEASES or spec is GET_COMPONENT_RELEASES:
        listing = client.list_component_releases(inputs["component_id"], limit=check_limit(inputs.get("limit")))
        return releases_values([release async for release in listing])
    raise KeyError(spec.name)


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
    (:func:`~pulumi_nuon.core.wait.previous_passes`). ``on_warning`` gets what the user should know although the gate
    passed (it also went to ``on_progress``). ``deadline_seconds`` is a limit from outside the inputs (the engine's
    ``customTimeouts``): the wait ends at the earlier of it and ``timeout_seconds``, and a timeout message then says
    which limit ended it. Raises what :func:`~pulumi_nuon.core.wait.wait_for_deploys` raises.
    """
    component_id, installs = inputs["component_id"], list(inputs["install_ids"])
    if inputs.get("skip_wait"):
        return gate_values(await snapshot_deploys(client, component_id, installs), inputs.get("install_id"))
    passed_before = previous_passes(previous, inputs) if previous is not None else {}
    if on_progress is not None:
        on_progress(gate_waiting_line(inputs, passed_before))
    options = WaitOptions.from_inputs(inputs)
    capped = deadline_seconds is not None and 0 < deadline_seconds < options.timeout_seconds
    if capped:
        assert deadline_seconds is not None
        options = dataclasses.replace(
            options,
            timeout_seconds=deadline_seconds,
            poll_interval_seconds=min(options.poll_interval_seconds, deadline_seconds),
        )
    try:
        result = await wait_for_deploys(
            component_id, installs, options=options, client=client, on_progress=on_progress, passed_before=passed_before
        )
    except DeployTimeoutError as err:
        if not capped:
            raise
        lines = str(err).splitlines()
        lines.insert(
            len(lines) - 1,  # before the closing hint
            f"The limit was the resource's customTimeouts ({deadline_seconds:g}s), shorter than timeout_seconds "
            f"({WaitOptions.from_inputs(inputs).timeout_seconds:g}s).",
        )
        raise DeployTimeoutError("\n".join(lines), result=err.result) from None
    if on_warning is not None:
        for warning in result.warnings:
            on_warning(warning)
    return gate_values(result, inputs.get("install_id"))
