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

**How, and why so.** Validation is strict first, entirely inside pydantic-core: a payload that fits (nearly every
one) never runs Python code per object. Only when it does not fit (a ``ValidationError``) does :func:`_tolerated`
drop what the errors point at and validate again, by the rule above: an error is settled by the innermost model
around it, which drops the field (or list item) holding it — unless the error is one of that model's own scalar
fields, then the model itself is dropped from its parent, and at the top level the payload fails.
``model_validate`` and ``model_validate_json`` do this; the constructor is strict (it takes what a program gives,
not what Nuon sent). A pydantic wrap validator on every model did this before, but it kept pydantic on its
Python path for every nested object (2.4x ``json.loads`` for a releases page).

A release's ``release_steps`` (the bulk of a releases page: steps, their deploys, builds and runner jobs) are kept
as the JSON text Nuon sent and built into models, by the same rule, the first time they are read:
:attr:`ComponentRelease.release_steps` is a property, ``release_steps_json`` the field holding the JSON (its wire
name is ``release_steps``, so ``ComponentRelease(release_steps=[...])`` and ``model_dump()`` are as before).

**A releases page** (:func:`parse_releases`) is read by msgspec into a ``msgspec.Struct`` derived from
:class:`ComponentRelease`'s own fields (:func:`wire_struct`: the same wire names, the same scalar types, the steps
as ``msgspec.Raw``, the text between their brackets, checked as JSON but not built), and each release is then
validated by pydantic from those values, as any other payload. There is one model definition; msgspec only decides
which bytes become Python values. It accepts a subset of what pydantic does (it is strict, and it refuses
``NaN``), so anything it refuses is parsed again by the pydantic path, :func:`parse_releases_by_pydantic`, which
has the last word on values and errors alike; the two are checked equal by ``tests/unit/test_models.py``.
Parsing a page thus costs a small fraction of ``json.loads`` of it and keeps its steps as bytes, not dicts.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import types
from collections.abc import Callable
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, computed_field

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
    "parse_releases_by_pydantic",
    "problems",
    "wire_struct",
]

_from_json: Callable[[str | bytes], Any] | None
try:  # pydantic-core's parser (pydantic >= 2.5) is faster than json.loads and shares repeated short strings
    from pydantic_core import from_json as _from_json
except ImportError:  # pydantic 2.1-2.4 (our floor is 2.1)
    _from_json = None


_KEYS_ONLY: dict[str, Any] = {}
if _from_json is not None:
    # Share repeated keys only (pydantic-core >= 2.16 takes cache_strings): on a real page ids, names and text are
    # unique, and caching every string made parsing a realistic releases page 1.5x json.loads instead of ~1.05x.
    try:
        _from_json(b"{}", cache_strings="keys")  # type: ignore[call-arg]
        _KEYS_ONLY = {"cache_strings": "keys"}
    except TypeError:
        pass


def from_json(data: str | bytes) -> Any:
    """JSON text as Python values: pydantic-core's parser where the installed pydantic has it, else ``json``."""
    return _from_json(data, **_KEYS_ONLY) if _from_json is not None else json.loads(data)


_log = logging.getLogger("pulumi_nuon")

JSON = Any
"""A JSON value kept as parsed (dicts, lists, strings, numbers, booleans, None)."""

# A sanity bound on how many rounds of dropping invalid parts one payload may need.
_MAX_REPAIR_ROUNDS = 8

M = TypeVar("M", bound="NuonModel")
T = TypeVar("T")


class NuonModel(BaseModel):
    """Base of every Nuon model: immutable, extra fields ignored, invalid nested parts dropped (see module doc).

    ``model_validate`` and ``model_validate_json`` drop what does not fit. The constructor validates strictly: it
    builds what a program gives it, not what Nuon sent (and overriding ``__init__`` would make pydantic call it, in
    Python, for every nested object).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def model_validate(cls: type[M], obj: Any, **kwargs: Any) -> M:
        """As pydantic's, with nested parts that do not fit dropped (see the module docstring)."""
        strict = _strict(cls, kwargs)
        try:
            return strict(obj)
        except ValidationError as err:
            return _tolerated(cls, obj, err, strict)

    @classmethod
    def model_validate_json(cls: type[M], json_data: str | bytes | bytearray, **kwargs: Any) -> M:
        """As pydantic's, with nested parts that do not fit dropped (see the module docstring)."""
        try:
            return cls.__pydantic_validator__.validate_json(json_data, **kwargs)  # type: ignore[no-any-return]
        except ValidationError as err:
            return _tolerated(cls, json_data, err, _strict(cls, kwargs), parse=from_json)


def _strict(cls: type[M], options: dict[str, Any]) -> Callable[[Any], M]:
    """Pydantic's own validation of Python values into ``cls``, with its ``options`` (strict, context, ...)."""

    def validate(data: Any) -> M:
        return cls.__pydantic_validator__.validate_python(data, **options)  # type: ignore[no-any-return]

    return validate


_SCALARS = (str, int, float, bool)


def _unwrap(annotation: Any) -> Any:
    """``X`` for ``X | None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _is_scalar(annotation: Any) -> bool:
    if annotation in _SCALARS:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return all(arg is type(None) or arg in _SCALARS for arg in get_args(annotation))
    return False


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, NuonModel)


@functools.cache
def _shape(cls: type[NuonModel]) -> tuple[frozenset[str], dict[str, tuple[str, type[NuonModel]]]]:
    """``cls``'s plain scalar fields (never dropped at its own level), and its fields holding models: key (alias
    where set) → ("model", class) or ("models", class of the list's items)."""
    scalars, nested = set(), {}
    for name, info in cls.model_fields.items():
        key, annotation = info.alias or name, _unwrap(info.annotation)
        if _is_scalar(info.annotation):
            scalars.add(key)
        elif _is_model(annotation):
            nested[key] = ("model", annotation)
        elif get_origin(annotation) is list and _is_model(get_args(annotation)[0]):
            nested[key] = ("models", get_args(annotation)[0])
    return frozenset(scalars), nested


def _drop_path(cls: type[NuonModel], loc: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    """What to drop for an error at ``loc`` in a ``cls`` payload (a path into it); None when the payload fails."""
    frames = [(0, cls)]  # where each model around the error starts in ``loc``
    model, at = cls, 0
    while at < len(loc):
        kind, inner = _shape(model)[1].get(str(loc[at]), ("", None))
        if kind == "model" and at + 1 < len(loc):
            at += 1
        elif kind == "models" and at + 2 < len(loc) and isinstance(loc[at + 1], int):
            at += 2
        else:
            break
        assert inner is not None
        model = inner
        frames.append((at, model))
    start, model = frames[-1]
    if start >= len(loc):
        return None
    if len(loc) - start == 1 and loc[start] in _shape(model)[0]:
        # One of the model's own scalars: the model goes, from its parent's field or list; at the top, all fails.
        return loc[:start] if len(frames) > 1 else None
    return loc[: start + 2] if len(loc) - start >= 2 and isinstance(loc[start + 1], int) else loc[: start + 1]


def _copied(value: Any) -> Any:
    """A copy of the dicts and lists of a JSON value (what repairs change), sharing everything else."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def _drop(data: Any, path: tuple[int | str, ...]) -> bool:
    """Remove the key or list item at ``path``; False when it is not there."""
    for part in path[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = path[-1]
    if isinstance(data, dict) and last in data:
        del data[last]
        return True
    if isinstance(data, list) and isinstance(last, int) and 0 <= last < len(data):
        del data[last]
        return True
    return False


def _tolerated(
    cls: type[NuonModel],
    data: Any,
    err: ValidationError,
    validate: Callable[[Any], T],
    *,
    parse: Callable[[Any], Any] | None = None,
) -> T:
    """``validate(data)`` after dropping what ``err`` (from validating ``data`` strictly) points at, as many rounds
    as it takes (within reason); raises the last ``ValidationError`` when what is wrong cannot be dropped.
    ``parse`` turns ``data`` into Python values first (JSON text); the caller's ``data`` is never changed."""
    fixed: Any = None
    for _ in range(_MAX_REPAIR_ROUNDS):
        paths = [_drop_path(cls, loc) for loc, _ in problems(err)]
        if any(path is None for path in paths):
            raise err
        if fixed is None:
            fixed = _copied(parse(data) if parse is not None else data)
            if not isinstance(fixed, dict):
                raise err
        # Deepest first, and a list's later items before its earlier ones, so no index moves under a later drop.
        ordered = sorted({p for p in paths if p}, key=lambda p: (len(p), p[-1] if isinstance(p[-1], int) else -1))
        if not any([_drop(fixed, path) for path in reversed(ordered)]):  # every path, not just up to the first
            raise err
        _log.debug(
            "ignored parts of a %s that do not match Nuon's spec: %s", _NAMES.get(cls, cls.__name__), _where(err)
        )
        try:
            return validate(fixed)
        except ValidationError as again:
            err = again
    raise err


def problems(err: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    """(location, pydantic's message) of each problem in ``err``, never the input value (the server's data).

    ``errors()`` is called without the ``include_*`` switches, which pydantic 2.1 (our floor) does not have.
    """
    return [(tuple(e["loc"]), str(e["msg"])) for e in err.errors()]


def _where(err: ValidationError) -> str:
    """Where each problem is and what pydantic said, without the input values (they are the server's data)."""
    return "; ".join(f"{'.'.join(str(part) for part in loc)}: {msg}" for loc, msg in problems(err))


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
    """``app.ComponentRelease``: a build rolled out to installs in steps. A legacy Nuon feature.

    ``release_steps`` are built from the JSON Nuon sent the first time they are read (see the module docstring).
    """

    build_id: str | None = None
    created_at: str | None = None
    created_by_id: str | None = None
    id: str | None = None
    release_steps_json: JSON = Field(default=None, alias="release_steps", exclude=True, repr=False)
    """``release_steps`` as Nuon sent them (wire name ``release_steps``): the JSON text (``bytes``) when read from a
    releases page, else the JSON value given. Read :attr:`release_steps` instead."""
    status: str | None = None
    status_description: str | None = None
    total_release_steps: int | None = None
    updated_at: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def release_steps(self) -> list[ComponentReleaseStep] | None:
        """The release's steps as models (those that do not match Nuon's spec are dropped, see the module doc)."""
        raw = self.release_steps_json
        cached = self.__dict__.get(_STEPS_CACHE)
        if cached is None or cached[0] is not raw:
            # Kept beside the fields, where hash, repr and dumps do not look (and == below): a cache, not a value.
            cached = self.__dict__[_STEPS_CACHE] = (raw, _steps_of(raw))
        return cached[1]

    def __eq__(self, other: object) -> bool:
        # pydantic before 2.6 compares the whole __dict__, which holds the cache of built steps once they are read;
        # and steps kept as text equal the same steps as values (or spelt with other spaces).
        if not isinstance(other, ComponentRelease):
            return NotImplemented
        return type(self) is type(other) and _fields_of(self) == _fields_of(other)

    def __hash__(self) -> int:
        # The steps are left out: equal steps may be text or values (lists, which do not hash).
        return hash((type(self), *(v for k, v in _fields_of(self).items() if k != _STEPS_FIELD)))


_STEPS_CACHE = "_release_steps"
_STEPS_FIELD = "release_steps_json"


def _fields_of(release: ComponentRelease) -> dict[str, Any]:
    """The release's fields, as compared: its steps as JSON values even when kept as text."""
    fields = {k: v for k, v in release.__dict__.items() if k != _STEPS_CACHE}
    if isinstance(fields.get(_STEPS_FIELD), bytes):
        with contextlib.suppress(ValueError):  # text pydantic-core cannot read (see _steps_of): compared as it is
            fields[_STEPS_FIELD] = from_json(fields[_STEPS_FIELD])
    return fields


class _ReleaseSteps(NuonModel):
    """Holds a release's steps while they are built, so they are dropped by the same rule as any nested part."""

    release_steps: list[ComponentReleaseStep] | None = None


_NAMES: dict[type[NuonModel], str] = {_ReleaseSteps: "ComponentRelease's release_steps"}


def _steps_of(raw: Any) -> list[ComponentReleaseStep] | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):  # the JSON text of a releases page's steps (msgspec checked it is JSON)
        try:
            raw = from_json(raw)
        except (ValueError, RecursionError) as err:
            # JSON that pydantic-core will not read (nested deeper than its limit, which msgspec's is not): a nested
            # part that does not fit, dropped as any other.
            _log.debug("ignored a ComponentRelease's release_steps that pydantic-core cannot read: %s", err)
            return None
    return _ReleaseSteps.model_validate({"release_steps": raw}).release_steps


class ErrorBody(NuonModel):
    """Nuon's error body, ``{"error", "user_error", "description"}``; any field may be missing."""

    error: str | None = None
    user_error: bool | None = None
    description: str | None = None


ComponentBuild.model_rebuild()

RELEASES = TypeAdapter(list[ComponentRelease])
"""A releases page, from Python values: ``RELEASES.validate_python(value)`` (see :func:`parse_releases`)."""


def parse_releases(body: bytes) -> list[ComponentRelease]:
    """Parse a releases page straight from bytes (raises ``ValueError`` for text that is not JSON, pydantic's
    ``ValidationError`` for JSON that is not a page; the client translates both).

    msgspec reads the page into :func:`wire_struct`'s structs, each release's steps kept as their JSON text, and
    pydantic validates each release from those values; a page msgspec refuses is parsed by
    :func:`parse_releases_by_pydantic` instead, whose result or error is the answer (see the module docstring).
    A release is strict throughout (its fields are all scalars but the steps): nothing to drop at this level.
    """
    values = _release_values(body)
    if values is None:
        return parse_releases_by_pydantic(body)
    return RELEASES.validate_python(values)


def parse_releases_by_pydantic(body: bytes) -> list[ComponentRelease]:
    """:func:`parse_releases` by pydantic alone: the page parsed by pydantic-core (steps built as JSON values, not
    kept as text), then validated. What a page that msgspec refuses gets, and what the fast path is checked against.
    """
    return RELEASES.validate_python(from_json(body))


@functools.cache
def wire_struct(cls: type[NuonModel], text_fields: frozenset[str] = frozenset()) -> type[Any]:
    """A ``msgspec.Struct`` reading ``cls``'s payloads: a field for each of ``cls``'s fields, by its wire name (the
    alias where set), of its own type (optional ``str``, ``int``, ``float`` or ``bool``: msgspec checks them
    strictly, a subset of what pydantic accepts), or ``msgspec.Raw`` for ``text_fields`` (kept as JSON text);
    a key that is absent reads as ``msgspec.UNSET``. Raises ``TypeError`` for a field of any other type: derived
    from the model, never kept beside it."""
    import msgspec

    fields: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for name, info in cls.model_fields.items():
        if name in text_fields:
            kind: Any = msgspec.Raw
        elif _is_scalar(info.annotation):
            kind = info.annotation
        else:
            raise TypeError(f"{cls.__name__}.{name}: {info.annotation!r} has no msgspec wire type")
        fields.append((name, kind, msgspec.UNSET))
        if info.alias and info.alias != name:
            rename[name] = info.alias
    return msgspec.defstruct(f"{cls.__name__}Wire", fields, rename=rename)


@functools.cache
def _release_decoder() -> tuple[Any, list[tuple[str, str]], type[Exception]]:
    """msgspec's decoder of a releases page, the (attribute, wire name) of each field, and the errors it raises.
    Built on the first page: msgspec is imported then, not with the package."""
    import msgspec

    struct = wire_struct(ComponentRelease, frozenset({_STEPS_FIELD}))
    names = [(name, info.alias or name) for name, info in ComponentRelease.model_fields.items()]
    return msgspec.json.Decoder(list[struct]), names, msgspec.DecodeError  # type: ignore[valid-type]


def _release_values(body: bytes) -> list[dict[str, Any]] | None:
    """Each release of a page as the Python values of its fields (steps as their JSON text, absent keys left out);
    None when msgspec refuses the page (pydantic then decides)."""
    import msgspec

    decoder, names, refused = _release_decoder()
    try:
        if not body.isascii():
            body.decode()  # msgspec does not check the UTF-8 inside text it keeps; pydantic-core refuses bad UTF-8
        structs = decoder.decode(body)
    except (refused, ValueError, RecursionError):  # a UnicodeDecodeError is a ValueError
        return None
    unset = msgspec.UNSET
    values = []
    for struct in structs:
        release: dict[str, Any] = {}
        for name, key in names:
            value = getattr(struct, name)
            if value is unset:
                continue
            if name == _STEPS_FIELD:
                value = bytes(value)
                value = None if value == b"null" else value
            release[key] = value
        values.append(release)
    return values
