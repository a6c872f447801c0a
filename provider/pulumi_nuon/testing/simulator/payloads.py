"""Turns the simulator's records into payloads shaped like `app.ComponentRelease` and `app.InstallDeploy`.

A handful of functions build the nested pieces (status_v2 with history, component build, OCI artifact, runner
job, log stream, workflow) from a deploy's few facts, so payloads are as deep as the real ones without anyone
writing them by hand. `install_deploy(..., latest=True)` gives the latest-deploy route's form: `install_id`
is `""`, `component_id`, `component_name`, `runner_jobs` and `workflow` are absent, `outputs` is `{}`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pulumi_nuon.core.status import FAILED_STATUSES, STATUSES, SUCCEEDED_STATUSES

from .model import Component, Deploy, Release, Stamps, derived_id
from .timeline import TimelineStep

__all__: list[str] = []

_Json = dict[str, Any]
_ACCOUNT = "acc0simulatorsimulator0000"
_ORG = "org0simulatorsimulator0000"

# Statuses, their phases and Nuon's words for them are the core's vocabulary (pulumi_nuon.core.status.STATUSES);
# what a runner job reports alongside each is the simulator's own (a test keeps its keys equal to the vocabulary).
_HUMAN: dict[str, str] = {status.value: status.meaning for status in STATUSES}
_RUNNER_STATUS: dict[str, str] = {
    "queued": "queued",
    "pending": "queued",
    "planning": "in-progress",
    "syncing": "in-progress",
    "executing": "in-progress",
    "pending-approval": "finished",
    "active": "finished",
    "inactive": "finished",
    "auto-skipped": "finished",
    "error": "failed",
    "noop": "not-attempted",
    "cancelled": "cancelled",
    "approval-denied": "cancelled",
    "discarded": "cancelled",
    "retried": "cancelled",
    "unknown": "unknown",
}
_RUNNER_JOB_TYPE: dict[str, str] = {
    "helm_chart": "helm-chart-deploy",
    "terraform_module": "terraform-deploy",
    "job": "job-deploy",
    "kubernetes_manifest": "kubernetes-manifest-deploy",
    "docker_build": "noop-deploy",
    "container_image": "noop-deploy",
}
_SUCCEEDED = SUCCEEDED_STATUSES
_FAILED = FAILED_STATUSES


def _describe(step: TimelineStep) -> str:
    return step.description or _HUMAN.get(step.status, f"Deploy is {step.status}")


def _composite(step: TimelineStep, start: float, stamps: Stamps) -> _Json:
    return {
        "status": step.status,
        "status_human_description": _describe(step),
        "created_at_ts": stamps.unix(start + step.at),
        "created_by_id": _ACCOUNT,
        "metadata": {},
    }


def _status_v2(passed: Sequence[TimelineStep], start: float, stamps: Stamps) -> _Json:
    """The current status plus the earlier ones, oldest first, as Nuon's `app.CompositeStatus`."""
    return {
        **_composite(passed[-1], start, stamps),
        "history": [_composite(step, start, stamps) for step in passed[:-1]],
    }


def _timestamps(created: float, updated: float, stamps: Stamps) -> _Json:
    return {"created_at": stamps.iso(created), "updated_at": stamps.iso(updated), "created_by_id": _ACCOUNT}


def _component_build(build_id: str, component: Component, at: float, stamps: Stamps) -> _Json:
    sha = hashlib.sha1(build_id.encode()).hexdigest()
    return {
        "id": build_id,
        "component_id": component.id,
        "component_name": component.name,
        "component_config_version": component.config_version,
        "component_config_connection_id": derived_id("cfg", component.id, str(component.config_version)),
        "checksum": hashlib.sha256(build_id.encode()).hexdigest(),
        "git_ref": sha,
        "status": "active",
        "status_description": "build is active",
        "status_v2": _status_v2([TimelineStep(0.0, "active", "Build is active")], at, stamps),
        "vcs_connection_commit": {
            "id": derived_id("vcc", build_id, "commit"),
            "sha": sha,
            "message": f"release {build_id[-6:]}",
            "author_name": "Sim Vendor",
            "author_email": "dev@vendor.example",
            **_timestamps(at, at, stamps),
        },
        **_timestamps(at, at + 95.25, stamps),
    }


def _oci_artifact(build_id: str, component: Component, at: float, stamps: Stamps) -> _Json:
    return {
        "id": derived_id("oci", build_id, "artifact"),
        "org_id": _ORG,
        "owner_id": build_id,
        "owner_type": "component_builds",
        "repository": f"registry.nuon.example/{component.name}",
        "tag": build_id,
        "digest": "sha256:" + hashlib.sha256(f"{build_id}/image".encode()).hexdigest(),
        "media_type": "application/vnd.oci.image.manifest.v1+json",
        "artifact_type": "application/vnd.oci.image.config.v1+json",
        "size": 48_213_377 + len(component.name) * 1024,
        "os": "linux",
        "architecture": "amd64",
        "annotations": {"org.opencontainers.image.revision": hashlib.sha1(build_id.encode()).hexdigest()},
        "urls": [],
        **_timestamps(at, at, stamps),
    }


def _log_stream(owner_id: str, created: float, updated: float, open_: bool, stamps: Stamps) -> _Json:
    return {
        "id": derived_id("lgs", owner_id, "log"),
        "org_id": _ORG,
        "owner_id": owner_id,
        "owner_type": "install_deploys",
        "open": open_,
        "attrs": {},
        **_timestamps(created, updated, stamps),
    }


def _runner_job(deploy: Deploy, component: Component, now_step: TimelineStep, updated: float, stamps: Stamps) -> _Json:
    job_id = derived_id("rnj", deploy.id, "job")
    status = _RUNNER_STATUS.get(now_step.status, "unknown")
    return {
        "id": job_id,
        "org_id": _ORG,
        "runner_id": derived_id("run", deploy.install_id, "runner"),
        "owner_id": deploy.id,
        "owner_type": "install_deploys",
        "group": "deploy",
        "type": _RUNNER_JOB_TYPE.get(component.type, "noop-deploy"),
        "operation": "apply-plan",
        "status": status,
        "status_description": _describe(now_step),
        "log_stream_id": derived_id("lgs", deploy.id, "log"),
        "queue_timeout": 3600,
        "available_timeout": 30,
        "execution_timeout": 3600,
        "overall_timeout": 7200,
        "max_executions": 1,
        "execution_count": 0 if status == "queued" else 1,
        "executions": [],
        "metadata": {},
        **_timestamps(deploy.start, updated, stamps),
    }


def _workflow(deploy: Deploy, passed: Sequence[TimelineStep], stamps: Stamps) -> _Json:
    current = passed[-1]
    finished = current.status in _SUCCEEDED | _FAILED
    return {
        "id": derived_id("inw", deploy.id, "workflow"),
        "name": "deploy components",
        "type": "manual_deploy",
        "owner_id": deploy.install_id,
        "owner_type": "installs",
        "approval_option": "prompt",
        "plan_only": deploy.plan_only,
        "finished": finished,
        "status": _status_v2(passed, deploy.start, stamps),
        "metadata": {},
        **_timestamps(deploy.start, deploy.start + current.at, stamps),
    }


def install_deploy(
    deploy: Deploy,
    component: Component,
    install_component_id: str,
    now: float,
    stamps: Stamps,
    *,
    latest: bool,
) -> _Json:
    """An `app.InstallDeploy` as it reads at `now`; `latest=True` gives the latest-deploy route's leaner
    form."""
    passed = deploy.passed(now)
    current = passed[-1]
    updated = deploy.start + current.at
    build_at = deploy.start - 600.5
    body: _Json = {
        "id": deploy.id,
        "build_id": deploy.build_id,
        "release_id": deploy.release_id,
        "install_id": "" if latest else deploy.install_id,
        "install_component_id": install_component_id,
        "install_deploy_type": deploy.deploy_type,
        "install_workflow_id": derived_id("inw", deploy.id, "workflow"),
        "workflow_id": derived_id("inw", deploy.id, "workflow"),
        "component_config_version": component.config_version,
        "plan_only": deploy.plan_only,
        "role": "",
        "status": current.status,
        "status_description": _describe(current),
        "status_v2": _status_v2(passed, deploy.start, stamps),
        "outputs": {},
        "action_workflow_runs": [],
        "policy_reports": [],
        "component_build": _component_build(deploy.build_id, component, build_at, stamps),
        "oci_artifact": _oci_artifact(deploy.build_id, component, build_at + 95.25, stamps),
        "log_stream": _log_stream(deploy.id, deploy.start, updated, current.status not in _SUCCEEDED | _FAILED, stamps),
        **_timestamps(deploy.start, updated, stamps),
    }
    if not latest:
        body["component_id"] = component.id
        body["component_name"] = component.name
        body["runner_jobs"] = [_runner_job(deploy, component, current, updated, stamps)]
        body["workflow"] = _workflow(deploy, passed, stamps)
    return body


def _rollup(statuses: Sequence[str], *, empty: str) -> str:
    if not statuses:
        return empty
    if any(s in _FAILED for s in statuses):
        return "error"
    if all(s in _SUCCEEDED for s in statuses):
        return "active"
    return ""


def component_release(
    release: Release, component: Component, step_deploys: Sequence[Sequence[_Json]], stamps: Stamps
) -> _Json:
    """An `app.ComponentRelease` whose steps embed `step_deploys` (full `app.InstallDeploy` payloads)."""
    steps: list[_Json] = []
    step_statuses: list[str] = []
    for step, deploys in zip(release.steps, step_deploys, strict=True):
        status = _rollup([d["status"] for d in deploys], empty="active" if not step.install_ids else "")
        status = status or ("polling_install_deploys" if deploys else "creating_install_deploys")
        step_statuses.append(status)
        steps.append(
            {
                "id": step.id,
                "component_release_id": release.id,
                "status": status,
                "status_description": {
                    "active": "release step is active",
                    "error": "one or more deploys failed",
                }.get(status, "release step is in progress"),
                "delay": step.delay,
                "requested_install_ids": list(step.install_ids),
                "install_deploys": list(deploys),
                **_timestamps(release.created, release.created + 1.5, stamps),
            }
        )
    status = (
        release.status
        or _rollup(
            ["error" if s == "error" else "active" if s == "active" else "executing" for s in step_statuses],
            empty="active",
        )
        or "executing_release_steps"
    )
    description = release.status_description or {
        "active": "release is active",
        "error": "one or more release steps failed",
    }.get(status, "release steps are executing")
    return {
        "id": release.id,
        "build_id": release.build_id,
        "status": status,
        "status_description": description,
        "total_release_steps": len(release.steps),
        "release_steps": steps,
        **_timestamps(release.created, release.created + 2.0, stamps),
    }
