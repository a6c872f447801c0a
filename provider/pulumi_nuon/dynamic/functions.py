"""Data-source functions: read a component's releases and an install's latest deploy from a Pulumi program.

They have the exact shape of generated Pulumi invoke functions: a plain form that returns an awaitable result, and
an ``_output`` form that takes ``Input``s and returns an ``Output``. Dynamic providers cannot serve invokes, so the
reads run program-side: the plain form with the process's shared sync client for the settings in force, the
``_output`` form with the event loop's async client (several ``_output`` reads run concurrently, share its
connections and never block the program); see :mod:`pulumi_nuon.api.shared`. The client and the models are
imported on the first read, so ``import pulumi_nuon`` stays light for a program that only declares resources.

The ``_output`` form is unknown while any input is unknown, secret when any input is secret, and carries its
inputs' dependencies. With ``opts=pulumi.InvokeOutputOptions(depends_on=[...])`` it waits for those resources, and
in a preview it is unknown while any of them is still to be created. Reads happen in preview and update alike, as
real invokes do; the functions never wait or poll (that is :class:`~pulumi_nuon.DeployGate`'s job).

Results are read-only, typed, and are also mappings of plain JSON values, so ``pulumi.export("x", result)``
shows JSON. The mapping holds the flat values (and small release summaries), not the nested payloads.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi

from pulumi_nuon.core.errors import InvalidArgumentError, NuonError
from pulumi_nuon.core.options import GET_COMPONENT_RELEASES, GET_LATEST_DEPLOY, Spec, check_limit, checked
from pulumi_nuon.core.status import DeployPhase
from pulumi_nuon.dynamic.stack_config import stack_config
from pulumi_nuon.gate.views import deploy_read, releases_read

if TYPE_CHECKING:  # the client (httpx) and the models (pydantic) load on the first read, not with the program
    from pulumi_nuon.api.models import ComponentRelease, InstallDeploy
    from pulumi_nuon.core.settings import Settings

__all__ = [
    "AwaitableGetComponentReleasesResult",
    "AwaitableGetLatestDeployResult",
    "GetComponentReleasesResult",
    "GetLatestDeployResult",
    "get_component_releases",
    "get_component_releases_output",
    "get_latest_deploy",
    "get_latest_deploy_output",
]

T = TypeVar("T")
R = TypeVar("R")


class _Result:
    """A read-only result with typed properties, whose plain JSON values are also readable by key.

    The values live as public instance attributes, so ``pulumi.export("x", result)`` (the SDK's ``massage``) shows
    them as a JSON object. The result is deliberately not iterable: the SDK exports any other iterable as a list of
    its items (for a mapping, its keys). ``result["status"]``, ``result.keys()`` and ``dict(result)`` work.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def _public(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def keys(self) -> list[str]:
        """The names of the JSON values (what ``pulumi.export`` shows)."""
        return list(self._public())

    def __getitem__(self, key: str) -> Any:
        if key.startswith("_") or key not in self.__dict__:
            raise KeyError(key)
        return self.__dict__[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._public()

    def __len__(self) -> int:
        return len(self._public())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._public()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Result) and type(self) is type(other) and self._public() == other._public()

    __hash__ = None  # type: ignore[assignment]


class GetComponentReleasesResult(_Result):
    """What :func:`get_component_releases` returns: a component's releases, newest first."""

    _releases: tuple[ComponentRelease, ...]

    def __init__(self, *, component_id: str, releases: Sequence[ComponentRelease]) -> None:
        super().__init__({**releases_read(component_id, releases), "_releases": tuple(releases)})

    @property
    def component_id(self) -> str:
        """The component whose releases these are."""
        return str(self["component_id"])

    @property
    def releases(self) -> list[ComponentRelease]:
        """The releases as typed models, newest first (a copy; the mapping holds small summaries instead)."""
        return list(self._releases)

    @property
    def release_ids(self) -> list[str | None]:
        """The release ids, newest first."""
        return list(self["release_ids"])

    @property
    def latest_release_id(self) -> str | None:
        """The newest release's id, or None when the component has no release."""
        return self["latest_release_id"]  # type: ignore[no-any-return]

    @property
    def latest_build_id(self) -> str | None:
        """The newest release's build id: what a :class:`~pulumi_nuon.DeployGate` should wait for."""
        return self["latest_build_id"]  # type: ignore[no-any-return]

    @property
    def release_count(self) -> int:
        """How many releases were read (at most ``limit``)."""
        return int(self["release_count"])


class AwaitableGetComponentReleasesResult(GetComponentReleasesResult):
    """The plain form's result, awaitable like a generated invoke's (``await`` gives the result itself)."""

    def __await__(self) -> Generator[Any, None, GetComponentReleasesResult]:
        if False:  # pragma: no cover - makes this a generator, as generated SDKs do
            yield self
        return GetComponentReleasesResult(component_id=self.component_id, releases=self._releases)


class GetLatestDeployResult(_Result):
    """What :func:`get_latest_deploy` returns. ``found`` is False (and the rest None) when there is no deploy."""

    _deploy: InstallDeploy | None

    def __init__(self, *, install_id: str, component_id: str, deploy: InstallDeploy | None) -> None:
        super().__init__({**deploy_read(install_id, component_id, deploy), "_deploy": deploy})

    def _get(self, key: str) -> str | None:
        return self[key]  # type: ignore[no-any-return]

    @property
    def install_id(self) -> str:
        """The install asked about."""
        return str(self["install_id"])

    @property
    def component_id(self) -> str:
        """The component asked about."""
        return str(self["component_id"])

    @property
    def found(self) -> bool:
        """False when Nuon has no deploy of this component on this install (or no such install component)."""
        return bool(self["found"])

    @property
    def deploy(self) -> InstallDeploy | None:
        """The deploy as a typed model (not part of the mapping, which holds only the flat values)."""
        return self._deploy

    @property
    def deploy_id(self) -> str | None:
        """The deploy's id (``dpl…``)."""
        return self._get("deploy_id")

    @property
    def status(self) -> str | None:
        """Nuon's status string, e.g. ``executing``, ``pending-approval``, ``active``, ``error``."""
        return self._get("status")

    @property
    def status_description(self) -> str | None:
        """Nuon's human description of the status."""
        return self._get("status_description")

    @property
    def phase(self) -> DeployPhase:
        """The status classified: in_progress, awaiting_approval, succeeded, failed, superseded, missing, unknown."""
        return DeployPhase(self["phase"])

    @property
    def build_id(self) -> str | None:
        """The build that was deployed; match it against a release's ``build_id``."""
        return self._get("build_id")

    @property
    def release_id(self) -> str | None:
        """The id of the release *step* that made this deploy (not a release id), if any."""
        return self._get("release_id")

    @property
    def install_deploy_type(self) -> str | None:
        """The kind of deploy, e.g. ``apply``, ``sync-image``, ``teardown``."""
        return self._get("install_deploy_type")

    @property
    def created_at(self) -> str | None:
        """When the deploy was created (RFC 3339)."""
        return self._get("created_at")

    @property
    def updated_at(self) -> str | None:
        """When the deploy last changed (RFC 3339)."""
        return self._get("updated_at")


class AwaitableGetLatestDeployResult(GetLatestDeployResult):
    """The plain form's result, awaitable like a generated invoke's."""

    def __await__(self) -> Generator[Any, None, GetLatestDeployResult]:
        if False:  # pragma: no cover
            yield self
        return GetLatestDeployResult(install_id=self.install_id, component_id=self.component_id, deploy=self._deploy)


# --- the reads ------------------------------------------------------------------------------------------------


def _named(function: str, err: NuonError) -> NuonError:
    """The same typed error, its message prefixed with the function the user called."""
    err.message = f"{function}: {err.message}"
    err.args = (err.message,)
    return err


def _call(function: str, read: Callable[[], R]) -> R:
    try:
        return read()
    except NuonError as err:
        raise _named(function, err) from err.__cause__


async def _acall(function: str, read: Callable[[], Awaitable[R]]) -> R:
    try:
        return await read()
    except NuonError as err:
        raise _named(function, err) from err.__cause__


# Settings resolved before, by the raw values they were resolved from (see _settings).
_RESOLVED: dict[tuple[str | None, ...], Settings] = {}
_MAX_RESOLVED = 16


def _settings() -> Settings:
    """The settings in force for a read: stack config, then the environment (errors name what to set).

    Every call reads the stack config key and the environment variable of each row of
    :data:`~pulumi_nuon.core.settings.SETTINGS` again, so a value changed between two reads takes effect at the next;
    what is cached is only the resolution of those raw values (their checks and parsing: ~18 of the ~44 µs a read
    spent on settings), keyed by the values themselves. A failed resolution is not cached: it raises again with the
    same message.
    """
    from pulumi_nuon.core.settings import SETTINGS, resolve_settings

    config = {row.config_key: stack_config(row.config_key) for row in SETTINGS}
    env = {row.env: os.environ.get(row.env) for row in SETTINGS}
    key = (*config.values(), *env.values())
    settings = _RESOLVED.get(key)
    if settings is None:
        settings = resolve_settings(
            config={k: v for k, v in config.items() if v is not None},
            env={k: v for k, v in env.items() if v is not None},
        )
        if len(_RESOLVED) >= _MAX_RESOLVED:
            _RESOLVED.clear()
        _RESOLVED[key] = settings
    return settings


def _check_limit(function: str, limit: object) -> int | None:
    try:
        return check_limit(limit)
    except InvalidArgumentError as err:
        raise _named(function, err) from None


def _check(function: str, spec: Spec, **values: Any) -> None:
    """The function's inputs checked by the option table (ids of the right kind and shape) before any request."""
    try:
        checked(spec, **values)
    except InvalidArgumentError as err:
        raise _named(function, err) from None


def get_component_releases(
    component_id: str, *, limit: int | None = None, opts: pulumi.InvokeOptions | None = None
) -> AwaitableGetComponentReleasesResult:
    """Read a component's releases, newest first (``limit`` newest only).

    Settings come from stack config (``nuon:apiToken``, ``nuon:orgId``, ``nuon:apiUrl``) or ``NUON_*`` variables.
    Raises :class:`~pulumi_nuon.ReleasesNotServedError` when the Nuon API no longer serves releases (a legacy
    feature), and other :class:`~pulumi_nuon.NuonError`\\ s prefixed with the function's name.
    """
    name = "get_component_releases"
    size = _check_limit(name, limit)
    _check(name, GET_COMPONENT_RELEASES, component_id=component_id)

    def read() -> list[ComponentRelease]:
        from pulumi_nuon.api.shared import sync_client

        with sync_client(_settings()) as client:
            return list(client.list_component_releases(component_id, limit=size))

    return AwaitableGetComponentReleasesResult(component_id=component_id, releases=_call(name, read))


def get_latest_deploy(
    install_id: str, component_id: str, *, opts: pulumi.InvokeOptions | None = None
) -> AwaitableGetLatestDeployResult:
    """Read the latest deploy of a component on an install; ``found=False`` when there is none yet.

    Nuon answers "not found" both for a component never deployed to the install and for an install that does not
    have the component; both give ``found=False``. Errors are :class:`~pulumi_nuon.NuonError`\\ s prefixed with
    the function's name.
    """
    name = "get_latest_deploy"
    _check(name, GET_LATEST_DEPLOY, install_id=install_id, component_id=component_id)

    def read() -> InstallDeploy | None:
        from pulumi_nuon.api.shared import sync_client

        with sync_client(_settings()) as client:
            return client.get_latest_deploy(install_id, component_id)

    deploy = _call(name, read)
    return AwaitableGetLatestDeployResult(install_id=install_id, component_id=component_id, deploy=deploy)


# --- the Output forms -----------------------------------------------------------------------------------------


def _depends_on(opts: pulumi.InvokeOptions | None) -> list[pulumi.Resource]:
    if not isinstance(opts, pulumi.InvokeOutputOptions) or opts.depends_on is None:
        return []
    deps = opts.depends_on
    if isinstance(deps, pulumi.Resource):
        return [deps]
    if isinstance(deps, Sequence):
        resources = [d for d in deps if isinstance(d, pulumi.Resource)]
        if len(resources) == len(deps):
            return resources
    raise InvalidArgumentError(
        "pulumi-nuon functions need InvokeOutputOptions.depends_on to be a Resource or a list of Resources", "opts"
    )


def _gated(inputs: pulumi.Output[T], depends_on: list[pulumi.Resource]) -> pulumi.Output[T]:
    """``inputs``, but resolving only after ``depends_on`` are registered, and unknown while any is being created.

    A resource is registered once the engine has created or updated it; in a preview, a resource that is still to
    be created has an unknown id, and then so is this read, as the engine does for a gated invoke.
    """
    if not depends_on:
        return inputs

    async def resources() -> set[pulumi.Resource]:
        return set(depends_on) | await inputs.resources()

    async def deps_known() -> bool:
        known = True
        for resource in depends_on:
            await resource.urn.future()
            if isinstance(resource, pulumi.CustomResource) and not await resource.id.is_known():
                known = False
        return known

    registered = asyncio.ensure_future(deps_known())  # awaited by both the value and the known flag

    async def is_known() -> bool:
        return await registered and await inputs.is_known()

    async def value() -> T | None:
        await registered
        return await inputs.future()

    async def is_secret() -> bool:
        return await inputs.is_secret()

    return pulumi.Output(resources(), value(), is_known(), is_secret())  # type: ignore[arg-type]


def get_component_releases_output(
    component_id: pulumi.Input[str],
    *,
    limit: pulumi.Input[int | None] = None,
    opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None = None,
) -> pulumi.Output[GetComponentReleasesResult]:
    """The Output form of :func:`get_component_releases`: takes ``Input``\\ s, returns an ``Output``.

    Unknown while an input (or, with ``InvokeOutputOptions.depends_on``, a dependency being created) is unknown;
    secret when an input is secret. Runs on the program's event loop with the async client.
    """
    name = "get_component_releases_output"
    inputs = pulumi.Output.all(pulumi.Output.from_input(component_id), pulumi.Output.from_input(limit))

    async def read(args: list[Any]) -> GetComponentReleasesResult:
        cid, size = args[0], _check_limit(name, args[1])
        _check(name, GET_COMPONENT_RELEASES, component_id=cid)

        async def fetch() -> list[ComponentRelease]:
            from pulumi_nuon.api.shared import async_client

            async with async_client(_settings()) as client:
                return [r async for r in client.list_component_releases(cid, limit=size)]

        return GetComponentReleasesResult(component_id=cid, releases=await _acall(name, fetch))

    return _gated(inputs, _depends_on(opts)).apply(read)


def get_latest_deploy_output(
    install_id: pulumi.Input[str],
    component_id: pulumi.Input[str],
    *,
    opts: pulumi.InvokeOptions | pulumi.InvokeOutputOptions | None = None,
) -> pulumi.Output[GetLatestDeployResult]:
    """The Output form of :func:`get_latest_deploy`: takes ``Input``\\ s, returns an ``Output``.

    Unknown while an input (or, with ``InvokeOutputOptions.depends_on``, a dependency being created) is unknown;
    secret when an input is secret. Runs on the program's event loop with the async client.
    """
    name = "get_latest_deploy_output"
    inputs = pulumi.Output.all(pulumi.Output.from_input(install_id), pulumi.Output.from_input(component_id))

    async def read(args: list[Any]) -> GetLatestDeployResult:
        iid, cid = args
        _check(name, GET_LATEST_DEPLOY, install_id=iid, component_id=cid)

        async def fetch() -> InstallDeploy | None:
            from pulumi_nuon.api.shared import async_client

            async with async_client(_settings()) as client:
                return await client.get_latest_deploy(iid, cid)

        return GetLatestDeployResult(install_id=iid, component_id=cid, deploy=await _acall(name, fetch))

    return _gated(inputs, _depends_on(opts)).apply(read)
