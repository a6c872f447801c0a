"""The flat values every front end shows for a read: one function per output table of :mod:`~pulumi_nuon.core.options`.

The data-source functions' results, the dynamic resources' outputs, the native provider's outputs and the CLI's
``--json`` are all these dictionaries of plain JSON values, so they cannot disagree. No Pulumi here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pulumi_nuon.core.status import DeployPhase

if TYPE_CHECKING:  # only types: a front end that shows no read yet loads neither pydantic nor the waiter
    from pulumi_nuon.api.models import ComponentRelease, InstallDeploy
    from pulumi_nuon.gate.wait import WaitResult

__all__ = [
    "deploy_read",
    "deploy_values",
    "gate_phase",
    "gate_values",
    "release_summary",
    "releases_read",
    "releases_values",
]


def deploy_values(deploy: InstallDeploy | None) -> dict[str, Any]:
    """The ``LATEST_DEPLOY`` outputs of ``deploy`` (None: Nuon has no deploy, ``found`` is False)."""
    d = deploy
    return {
        "found": d is not None,
        "deploy_id": d.id if d else None,
        "status": d.status if d else None,
        "status_description": d.status_text if d else None,
        "phase": (d.phase if d else DeployPhase.MISSING).value,
        "build_id": d.build_id if d else None,
        "release_id": d.release_id if d else None,
        "install_deploy_type": d.install_deploy_type if d else None,
        "created_at": d.created_at if d else None,
        "updated_at": d.updated_at if d else None,
    }


def release_summary(release: ComponentRelease) -> dict[str, Any]:
    """A small JSON summary of one release (the nested payload can weigh megabytes)."""
    return {"id": release.id, "build_id": release.build_id, "status": release.status, "created_at": release.created_at}


def releases_values(releases: Sequence[ComponentRelease]) -> dict[str, Any]:
    """The ``COMPONENT_RELEASES`` outputs of ``releases`` (newest first)."""
    latest = releases[0] if releases else None
    return {
        "release_ids": [r.id for r in releases],
        "latest_release_id": latest.id if latest else None,
        "latest_build_id": latest.build_id if latest else None,
        "release_count": len(releases),
    }


def deploy_read(install_id: str, component_id: str, deploy: InstallDeploy | None) -> dict[str, Any]:
    """What a latest-deploy read shows (the function's result mapping, ``pulumi-nuon deploy --json``)."""
    return {"install_id": install_id, "component_id": component_id, **deploy_values(deploy)}


def releases_read(component_id: str, releases: Sequence[ComponentRelease]) -> dict[str, Any]:
    """What a releases read shows (the function's result mapping, ``pulumi-nuon releases --json``): the flat
    values plus a small summary of each release."""
    return {
        "component_id": component_id,
        **releases_values(releases),
        "releases": [release_summary(r) for r in releases],
    }


def gate_phase(result: WaitResult) -> str:
    """``succeeded`` when every install's deploy succeeded, else the first other phase seen."""
    for outcome in result.installs.values():
        if outcome.phase is not DeployPhase.SUCCEEDED:
            return str(outcome.phase)
    return str(DeployPhase.SUCCEEDED)


def gate_values(result: WaitResult, install_id: str | None) -> dict[str, Any]:
    """The ``DEPLOY_GATE`` outputs of a wait (``install_id``: the single install the gate was given, if any)."""
    deploy_ids, statuses = result.deploy_ids, result.statuses
    return {
        "phase": gate_phase(result),
        "deploy_id": deploy_ids.get(install_id) if install_id else None,
        "status": statuses.get(install_id) if install_id else None,
        "deploy_ids": deploy_ids,
        "statuses": statuses,
        "passed_at": result.passed_at,
    }
