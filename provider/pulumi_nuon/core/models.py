"""Typed views of Nuon's payloads for the two calls this package makes, built from Nuon's published spec.

Every field is optional, as in the spec; unknown fields are ignored; statuses and enum-like values are plain
strings, because Nuon adds values over time. Timestamps stay RFC 3339 strings, exactly as Nuon sent them.

Nuon's payloads nest deeply (a release embeds steps, each embedding full deploys with builds and runner jobs) and
the nested parts are the least stable. So a nested value that does not match its declared shape is dropped (set to
``None``, or left out of its list) and logged at debug level (where, and pydantic's complaint; never the value),
instead of failing the whole response: a change deep inside a build record must never stop a deploy gate from
reading ``status``. The top level is strict: a scalar field of the object asked for (a deploy's ``id``, ``status``,
``build_id``; a release's ``id``) of the wrong type fails validation rather than reading as ``None``, since a
front end would show that ``None`` as Nuon's answer. Parts of the payload that users are
unlikely to read (workflows, action runs, policy reports) are kept as plain JSON values.
"""

from __future__ import annotations

import functools
import logging
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from pulumi_nuon.core.status import DeployPhase, classify

__all__ = [
    "RELEASES",
    "Account",
    "ComponentBuild",
    "ComponentRelease",
    "ComponentReleaseStep",
    "CompositeStatus",
    "ErrorBody",
    "InstallDeploy",
    "LogStream",
    "NuonModel",
    "OCIArtifact",
    "RunnerJob",
    "RunnerJobExecution",
    "RunnerJobExecutionResult",
    "VCSConnectionCommit",
    "parse_releases",
]

_log = logging.getLogger("pulumi_nuon")

JSON = Any
"""A JSON value kept as parsed (dicts, lists, strings, numbers, booleans, None)."""

# A sanity bound on how many rounds of dropping invalid parts one object may need.
_MAX_REPAIR_ROUNDS = 8


class NuonModel(BaseModel):
    """Base of every Nuon model: immutable, extra fields ignored, invalid nested parts dropped (see module doc)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _drop_invalid_parts(cls, data: Any, handler: ModelWrapValidatorHandler[NuonModel]) -> NuonModel:
        for _ in range(_MAX_REPAIR_ROUNDS):
            try:
                return handler(data)
            except ValidationError as err:
                if not isinstance(data, dict):
                    raise
                repaired = _without_invalid_parts(data, err, _scalar_keys(cls))
                if repaired is None:
                    raise
                _log.debug("ignored parts of a %s that do not match Nuon's spec: %s", cls.__name__, _where(err))
                data = repaired
        return handler(data)


_SCALARS = (str, int, float, bool)


def _is_scalar(annotation: Any) -> bool:
    if annotation in _SCALARS:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return all(arg is type(None) or arg in _SCALARS for arg in get_args(annotation))
    return False


@functools.cache
def _scalar_keys(cls: type[BaseModel]) -> frozenset[str]:
    """The keys (aliases where set) of ``cls``'s plain scalar fields: those are never dropped at its own level."""
    return frozenset(info.alias or name for name, info in cls.model_fields.items() if _is_scalar(info.annotation))


def _where(err: ValidationError) -> str:
    """Where each problem is and what pydantic said, without the input values (they are the server's data)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}"
        for e in err.errors(include_url=False, include_context=False, include_input=False)
    )


def _without_invalid_parts(data: dict[str, Any], err: ValidationError, strict: frozenset[str]) -> dict[str, Any] | None:
    """A copy of ``data`` without the fields or list items ``err`` points at; None if nothing can be dropped
    (or a problem is a plain scalar field of this object itself, in ``strict``: that one fails the object)."""
    repaired = dict(data)
    bad_items: dict[str, set[int]] = {}
    changed = False
    for error in err.errors(include_url=False, include_context=False, include_input=False):
        loc = error["loc"]
        if len(loc) == 1 and loc[0] in strict:
            return None
        if not loc or not isinstance(loc[0], str) or loc[0] not in repaired:
            continue
        key = loc[0]
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(repaired[key], list):
            bad_items.setdefault(key, set()).add(loc[1])
        else:
            del repaired[key]
            bad_items.pop(key, None)
        changed = True
    for key, indexes in bad_items.items():
        if key in repaired:
            repaired[key] = [item for i, item in enumerate(repaired[key]) if i not in indexes]
    return repaired if changed else None


class CompositeStatus(NuonModel):
    """``app.CompositeStatus``: a status with its human description and history (``status_v2`` on a deploy)."""

    created_at_ts: int | None = None
    created_by_id: str | None = None
    history: list[CompositeStatus] | None = None
    metadata: dict[str, JSON] | None = None
    status: str | None = None
    status_human_description: str | None = None


class VCSConnectionCommit(NuonModel):
    """``app.VCSConnectionCommit``: the git commit a build was made from."""

    author_email: str | None = None
    author_name: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    id: str | None = None
    message: str | None = None
    sha: str | None = None
    updated_at: str | None = None
    vcs_connection_id: str | None = None


class OCIArtifact(NuonModel):
    """``app.OCIArtifact``: the image or bundle a deploy shipped."""

    annotations: dict[str, str] | None = None
    architecture: str | None = None
    artifact_type: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    digest: str | None = None
    id: str | None = None
    media_type: str | None = None
    org_id: str | None = None
    os: str | None = None
    os_features: list[str] | None = None
    os_version: str | None = None
    owner_id: str | None = None
    owner_type: str | None = None
    repository: str | None = None
    size: int | None = None
    tag: str | None = None
    updated_at: str | None = None
    urls: list[str] | None = None
    variant: str | None = None


class LogStream(NuonModel):
    """``app.LogStream``. ``write_token`` is a credential of Nuon's runner and is kept out of ``repr``."""

    attrs: dict[str, str] | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    id: str | None = None
    open: bool | None = None
    org_id: str | None = None
    owner_id: str | None = None
    owner_type: str | None = None
    runner_api_url: str | None = None
    updated_at: str | None = None
    write_token: str | None = Field(default=None, repr=False)


class Account(NuonModel):
    """``app.Account``: who created something."""

    account_type: str | None = None
    created_at: str | None = None
    email: str | None = None
    id: str | None = None
    org_ids: list[str] | None = None
    permissions: JSON = None
    roles: list[JSON] | None = None
    subject: str | None = None
    updated_at: str | None = None
    user_journeys: list[JSON] | None = None


class RunnerJobExecutionResult(NuonModel):
    """``app.RunnerJobExecutionResult``: how one execution of a runner job ended."""

    contents: str | None = None
    contents_display: str | None = None
    contents_display_gzip: str | None = None
    contents_gzip: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    error_code: int | None = None
    error_metadata: dict[str, str] | None = None
    id: str | None = None
    org_id: str | None = None
    runner_job_execution_id: str | None = None
    success: bool | None = None
    updated_at: str | None = None


class RunnerJobExecution(NuonModel):
    """``app.RunnerJobExecution``: one attempt at a runner job."""

    created_at: str | None = None
    created_by_id: str | None = None
    id: str | None = None
    metadata: dict[str, str] | None = None
    org_id: str | None = None
    outputs: JSON = None
    result: RunnerJobExecutionResult | None = None
    runner_job_id: str | None = None
    status: str | None = None
    updated_at: str | None = None


class RunnerJob(NuonModel):
    """``app.RunnerJob``: the work a Nuon runner did for a build or deploy. Timeouts are in nanoseconds."""

    available_timeout: int | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    execution_count: int | None = None
    execution_time: int | None = None
    execution_timeout: int | None = None
    executions: list[RunnerJobExecution] | None = None
    final_runner_job_execution_id: str | None = None
    finished_at: str | None = None
    group: str | None = None
    id: str | None = None
    # Called "json" by Nuon, a name pydantic models reserve.
    plan: JSON = Field(default=None, alias="json")
    log_stream_id: str | None = None
    max_executions: int | None = None
    metadata: dict[str, str] | None = None
    operation: str | None = None
    org_id: str | None = None
    outputs: dict[str, JSON] | None = None
    outputs_json: str | None = None
    overall_timeout: int | None = None
    owner_id: str | None = None
    owner_type: str | None = None
    queue_timeout: int | None = None
    runner_id: str | None = None
    started_at: str | None = None
    status: str | None = None
    status_description: str | None = None
    type: str | None = None
    updated_at: str | None = None


class ComponentBuild(NuonModel):
    """``app.ComponentBuild``: a built version of a component; deploys and releases point at it by ``build_id``."""

    checksum: str | None = None
    component_config_connection: JSON = None
    component_config_connection_id: str | None = None
    component_config_version: int | None = None
    component_id: str | None = None
    component_name: str | None = None
    created_at: str | None = None
    created_by: Account | None = None
    created_by_id: str | None = None
    git_ref: str | None = None
    id: str | None = None
    install_deploys: list[InstallDeploy] | None = None
    log_stream: LogStream | None = None
    policy_reports: list[JSON] | None = None
    releases: list[ComponentRelease] | None = None
    runner_job: RunnerJob | None = None
    status: str | None = None
    status_description: str | None = None
    status_v2: CompositeStatus | None = None
    updated_at: str | None = None
    vcs_connection_commit: VCSConnectionCommit | None = None


class InstallDeploy(NuonModel):
    """``app.InstallDeploy``: one deploy of a component build to an install.

    Read ``status`` (Nuon copies ``status_v2.status`` over it). ``release_id`` is the id of a release *step*,
    not of a release: match deploys to releases by ``build_id``.
    """

    action_workflow_runs: list[JSON] | None = None
    build_id: str | None = None
    component_build: ComponentBuild | None = None
    component_config_version: int | None = None
    component_id: str | None = None
    component_name: str | None = None
    created_at: str | None = None
    created_by: Account | None = None
    created_by_id: str | None = None
    id: str | None = None
    install_component_id: str | None = None
    install_deploy_type: str | None = None
    install_id: str | None = None
    install_workflow_id: str | None = None
    log_stream: LogStream | None = None
    oci_artifact: OCIArtifact | None = None
    outputs: dict[str, JSON] | None = None
    plan_only: bool | None = None
    policy_reports: list[JSON] | None = None
    release_id: str | None = None
    role: str | None = None
    runner_jobs: list[RunnerJob] | None = None
    status: str | None = None
    status_description: str | None = None
    status_v2: CompositeStatus | None = None
    updated_at: str | None = None
    workflow: JSON = None
    workflow_id: str | None = None

    @property
    def phase(self) -> DeployPhase:
        """``status`` classified (see :mod:`pulumi_nuon.core.status`)."""
        return classify(self.status)

    @property
    def status_text(self) -> str | None:
        """The most helpful human description Nuon gave: ``status_description`` or ``status_v2``'s."""
        if self.status_description:
            return self.status_description
        return self.status_v2.status_human_description if self.status_v2 else None


class ComponentReleaseStep(NuonModel):
    """``app.ComponentReleaseStep``: one wave of a release, with the deploys it created."""

    component_release_id: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    delay: str | None = None
    id: str | None = None
    install_deploys: list[InstallDeploy] | None = None
    requested_install_ids: list[str] | None = None
    status: str | None = None
    status_description: str | None = None
    updated_at: str | None = None


class ComponentRelease(NuonModel):
    """``app.ComponentRelease``: a build rolled out to installs in steps. A legacy Nuon feature."""

    build_id: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    id: str | None = None
    release_steps: list[ComponentReleaseStep] | None = None
    status: str | None = None
    status_description: str | None = None
    total_release_steps: int | None = None
    updated_at: str | None = None


class ErrorBody(NuonModel):
    """Nuon's error body, ``{"error", "user_error", "description"}``; any field may be missing."""

    error: str | None = None
    user_error: bool | None = None
    description: str | None = None


ComponentBuild.model_rebuild()

RELEASES = TypeAdapter(list[ComponentRelease])
"""A releases page: ``RELEASES.validate_json(body)``."""


def parse_releases(body: bytes) -> list[ComponentRelease]:
    """Parse a releases page straight from bytes (raises pydantic's ValidationError; the client translates it)."""
    return RELEASES.validate_json(body)
