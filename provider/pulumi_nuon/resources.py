"""Dynamic resources: ``ComponentReleases`` and ``LatestDeploy`` keep Nuon's values in state; ``DeployGate`` waits.

Pulumi pickles each provider with dill into the stack's state and runs it later in a separate process
(``python -m pulumi.dynamic``, four worker threads, no engine connection). Hence the rules followed here:

- provider classes live in this installed module (pickled by reference, about 100 bytes) and carry no data: no
  secret can end up in the pickle, and a provider unpickled from an older state simply has nothing to miss;
- credentials arrive through ``configure`` (the engine passes the whole stack config: ``nuon:apiToken`` etc.) or
  ``NUON_*`` environment variables, and the HTTP client is built inside each method;
- ``check`` validates with ``CheckFailure``\\ s and accepts unknown values during a preview; ``diff`` compares only
  the inputs that identify what is read or waited for; ``read`` serves ``pulumi refresh``;
- ``custom_timeouts`` and Ctrl-C never reach a dynamic provider, so the gate has its own deadline and sleeps in
  short slices; one gate watches a whole fleet, because four gates would occupy all four provider threads;
- progress goes to stderr, one line per status change per install, never a secret.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from pulumi_nuon import _constants as C
from pulumi_nuon._core import validate_id
from pulumi_nuon.client import AsyncNuonClient, NuonClient
from pulumi_nuon.errors import InvalidIdError, NuonError
from pulumi_nuon.functions import GetComponentReleasesResult, GetLatestDeployResult
from pulumi_nuon.status import DeployPhase
from pulumi_nuon.wait import (
    InstallOutcome,
    InvalidWaitOptions,
    Verdict,
    WaitOptions,
    WaitResult,
    wait_for_deploys,
)

__all__ = [
    "ComponentReleases",
    "ComponentReleasesArgs",
    "DeployGate",
    "DeployGateArgs",
    "LatestDeploy",
    "LatestDeployArgs",
]

# What an unknown value looks like to a dynamic provider during a preview: the host deserializes the engine's
# sentinel into `pulumi.output.Unknown` for check and diff; the raw sentinel string is accepted too.
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_CONFIG_KEYS = (C.CONFIG_API_TOKEN, C.CONFIG_ORG_ID, C.CONFIG_API_URL)

DEFAULT_GATE_TIMEOUT = 1200.0
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_NOT_FOUND_GRACE = 300.0


def _known(value: Any) -> bool:
    if isinstance(value, Unknown) or (isinstance(value, str) and value == _UNKNOWN):
        return False
    if isinstance(value, Mapping):
        return all(_known(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_known(v) for v in value)
    return True


def _progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class _NuonProvider(ResourceProvider):
    """Shared provider plumbing: stack config from ``configure``, clients built per call, no instance data."""

    serialize_as_secret_always = False
    _identity: ClassVar[tuple[str, ...]] = ()
    """Inputs whose change means a different thing is read: the resource is replaced."""
    _refreshers: ClassVar[tuple[str, ...]] = ("triggers",)
    """Inputs whose change means a read (or wait) again: the resource is updated."""

    def configure(self, req: ConfigureRequest) -> None:
        # The config dict lives only in the host process's memory; it is never pickled (pickling happened in
        # the program, before configure) and never written to state.
        self._config = {k: v for k in _CONFIG_KEYS if isinstance(v := req.config.get(k), str) and v}

    def _settings(self) -> dict[str, str]:
        return dict(getattr(self, "_config", None) or {})  # tolerate a provider unpickled without configure

    def _client(self) -> NuonClient:
        return NuonClient(config=self._settings())

    def _async_client(self) -> AsyncNuonClient:
        return AsyncNuonClient(config=self._settings())

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in self._identity if olds.get(k) != news.get(k)]
        changed = [k for k in self._refreshers if _canonical(olds.get(k)) != _canonical(news.get(k))]
        always = bool(news.get("always_refresh"))
        return DiffResult(
            changes=bool(replaces or changed or always), replaces=replaces, delete_before_replace=False
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete in Nuon: these resources only read (and wait); removing them changes nothing there."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _id_failures(news: Mapping[str, Any], *names: str) -> list[CheckFailure]:
    failures = []
    for name in names:
        value = news.get(name)
        if not _known(value):
            continue
        try:
            validate_id(name, value)
        except InvalidIdError as err:
            failures.append(CheckFailure(name, str(err)))
    return failures


def _raise_clean(err: NuonError) -> None:
    """Re-raise without the chained traceback, so the engine shows Nuon's words, not ours."""
    raise err.with_traceback(None) from None


# --- ComponentReleases ------------------------------------------------------------------------------------------


class _ComponentReleasesProvider(_NuonProvider):
    _identity = ("component_id",)
    _refreshers = ("limit", "triggers")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = _id_failures(news, "component_id")
        limit = news.get("limit")
        if _known(limit) and limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                                                    or limit < 1 or int(limit) != limit):
            failures.append(CheckFailure("limit", f"limit must be a positive integer or unset, got {limit!r}"))
        return CheckResult(news, failures)

    def _outs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        component_id = props["component_id"]
        limit = props.get("limit")
        try:
            with self._client() as client:
                releases = list(client.list_component_releases(component_id, limit=int(limit) if limit else None))
        except NuonError as err:
            _raise_clean(err)
        read = GetComponentReleasesResult(component_id=component_id, releases=releases)
        return {
            **{k: props.get(k) for k in ("component_id", "limit", "triggers", "always_refresh")},
            "release_ids": read.release_ids,
            "latest_release_id": read.latest_release_id,
            "latest_build_id": read.latest_build_id,
            "release_count": read.release_count,
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["component_id"], self._outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = {**props, "component_id": props.get("component_id") or id_}
        return ReadResult(id_, self._outs(props))


@dataclass
class ComponentReleasesArgs:
    """Inputs of :class:`ComponentReleases`."""

    component_id: pulumi.Input[str]
    limit: pulumi.Input[int] | None = None
    triggers: pulumi.Input[Any] | None = None
    always_refresh: bool = False


def _merge(args: Any, kwargs: dict[str, Any], cls: type) -> dict[str, Any]:
    if args is not None and not isinstance(args, cls):
        raise TypeError(f"args must be a {cls.__name__}, got {type(args).__name__}")
    merged = dict(vars(args)) if args is not None else {}
    merged.update({k: v for k, v in kwargs.items() if v is not None})
    return merged


class ComponentReleases(pulumi.dynamic.Resource, module="nuon", name="ComponentReleases"):
    """A component's releases, held in state: ``pulumi refresh`` (or a change of ``triggers``) reads them again.

    Changing ``component_id`` replaces the resource. ``always_refresh=True`` re-reads on every ``pulumi up``, which
    then shows as an update each time. Releases are a legacy Nuon feature: against a Nuon API that no longer serves
    them, create and refresh fail with :class:`~pulumi_nuon.ReleasesNotServedError`'s message.
    """

    component_id: pulumi.Output[str]
    limit: pulumi.Output[int | None]
    release_ids: pulumi.Output[list[str]]
    latest_release_id: pulumi.Output[str | None]
    latest_build_id: pulumi.Output[str | None]
    release_count: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: ComponentReleasesArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        component_id: pulumi.Input[str] | None = None,
        limit: pulumi.Input[int] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        always_refresh: bool | None = None,
    ) -> None:
        inputs = _merge(args, {"component_id": component_id, "limit": limit, "triggers": triggers,
                               "always_refresh": always_refresh}, ComponentReleasesArgs)
        if opts is None or opts.id is None:
            _require(inputs, "component_id", type(self).__name__)
        props = {
            "component_id": inputs.get("component_id"),
            "limit": inputs.get("limit"),
            "triggers": inputs.get("triggers"),
            "always_refresh": bool(inputs.get("always_refresh", False)),
            "release_ids": None,
            "latest_release_id": None,
            "latest_build_id": None,
            "release_count": None,
        }
        super().__init__(_ComponentReleasesProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> ComponentReleases:
        """Adopt the releases of component ``id`` (a read, as ``pulumi import`` would do)."""
        return ComponentReleases(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))


def _require(inputs: Mapping[str, Any], name: str, resource: str) -> None:
    if inputs.get(name) is None:
        raise TypeError(f"{resource}: missing required argument '{name}'")


# --- LatestDeploy -----------------------------------------------------------------------------------------------


class _LatestDeployProvider(_NuonProvider):
    _identity = ("install_id", "component_id")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, _id_failures(news, "install_id", "component_id"))

    def _outs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        install_id, component_id = props["install_id"], props["component_id"]
        try:
            with self._client() as client:
                deploy = client.get_latest_deploy(install_id, component_id)
        except NuonError as err:
            _raise_clean(err)
        read = GetLatestDeployResult(install_id=install_id, component_id=component_id, deploy=deploy)
        return {**{k: props.get(k) for k in ("triggers", "always_refresh")}, **dict(read)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['install_id']}/{props['component_id']}", self._outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not props.get("install_id") or not props.get("component_id"):
            install_id, _, component_id = id_.partition("/")
            props = {**props, "install_id": install_id, "component_id": component_id}
        return ReadResult(id_, self._outs(props))


@dataclass
class LatestDeployArgs:
    """Inputs of :class:`LatestDeploy`."""

    install_id: pulumi.Input[str]
    component_id: pulumi.Input[str]
    triggers: pulumi.Input[Any] | None = None
    always_refresh: bool = False


class LatestDeploy(pulumi.dynamic.Resource, module="nuon", name="LatestDeploy"):
    """The latest deploy of a component on an install, held in state; ``pulumi refresh`` reads it again.

    ``found`` is False (and the rest None) while there is no deploy. Changing either id replaces the resource;
    changing ``triggers`` re-reads; ``always_refresh=True`` re-reads on every ``pulumi up`` (an update each time).
    The resource never waits: use :class:`DeployGate` for that.
    """

    install_id: pulumi.Output[str]
    component_id: pulumi.Output[str]
    found: pulumi.Output[bool]
    deploy_id: pulumi.Output[str | None]
    status: pulumi.Output[str | None]
    status_description: pulumi.Output[str | None]
    phase: pulumi.Output[str]
    build_id: pulumi.Output[str | None]
    release_id: pulumi.Output[str | None]
    install_deploy_type: pulumi.Output[str | None]
    created_at: pulumi.Output[str | None]
    updated_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: LatestDeployArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        install_id: pulumi.Input[str] | None = None,
        component_id: pulumi.Input[str] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        always_refresh: bool | None = None,
    ) -> None:
        inputs = _merge(args, {"install_id": install_id, "component_id": component_id, "triggers": triggers,
                               "always_refresh": always_refresh}, LatestDeployArgs)
        if opts is None or opts.id is None:
            _require(inputs, "install_id", type(self).__name__)
            _require(inputs, "component_id", type(self).__name__)
        props: dict[str, Any] = {
            "install_id": inputs.get("install_id"),
            "component_id": inputs.get("component_id"),
            "triggers": inputs.get("triggers"),
            "always_refresh": bool(inputs.get("always_refresh", False)),
        }
        props.update(dict.fromkeys(_DEPLOY_OUTPUTS))
        super().__init__(_LatestDeployProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> LatestDeploy:
        """Adopt a latest-deploy view by id ``"<install_id>/<component_id>"``."""
        return LatestDeploy(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))


_DEPLOY_OUTPUTS = ("found", "deploy_id", "status", "status_description", "phase", "build_id", "release_id",
                   "install_deploy_type", "created_at", "updated_at")


# --- DeployGate -------------------------------------------------------------------------------------------------

_GATE_NUMBERS = ("timeout_seconds", "poll_interval_seconds", "approval_timeout_seconds", "not_found_grace_seconds")


class _DeployGateProvider(_NuonProvider):
    _refreshers = ("install_ids", "component_id", "build_id", "triggers")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = _id_failures(news, "component_id")
        single, fleet = news.get("install_id"), news.get("install_ids")
        if single is not None and fleet is not None:
            failures.append(CheckFailure("install_ids", "set install_id or install_ids, not both"))
        elif single is None and fleet is None:
            failures.append(CheckFailure("install_id", "set install_id (one install) or install_ids (a fleet)"))
        elif single is not None:
            failures += _id_failures(news, "install_id")
            if _known(single):
                news = {**news, "install_ids": [single]}
        elif _known(fleet):
            if not isinstance(fleet, list) or not fleet:
                failures.append(CheckFailure("install_ids", "install_ids must be a non-empty list of install ids"))
            else:
                for i, install in enumerate(fleet):
                    if _known(install):
                        try:
                            validate_id(f"install_ids[{i}]", install)
                        except InvalidIdError as err:
                            failures.append(CheckFailure("install_ids", str(err)))
                news = {**news, "install_ids": list(dict.fromkeys(fleet))}
        if news.get("build_id") is not None:
            failures += _id_failures(news, "build_id")
        numbers = {k: news.get(k) for k in _GATE_NUMBERS}
        for name, value in numbers.items():
            if _known(value) and value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                failures.append(CheckFailure(name, f"{name} must be a number of seconds, got {value!r}"))
        if all(_known(v) and (v is None or isinstance(v, (int, float))) for v in numbers.values()):
            try:
                self._options(news)
            except InvalidWaitOptions as err:
                failures += [CheckFailure(name, reason) for name, reason in err.problems]
        return CheckResult(news, failures)

    @staticmethod
    def _options(props: Mapping[str, Any]) -> WaitOptions:
        return WaitOptions(
            build_id=props.get("build_id"),
            timeout_seconds=_float_or(props.get("timeout_seconds"), DEFAULT_GATE_TIMEOUT),
            poll_interval_seconds=_float_or(props.get("poll_interval_seconds"), DEFAULT_POLL_INTERVAL),
            accept_auto_skipped=bool(props.get("accept_auto_skipped", True)),
            approval_timeout_seconds=_float_or_none(props.get("approval_timeout_seconds")),
            fail_on_pending_approval=bool(props.get("fail_on_pending_approval", False)),
            not_found_grace_seconds=_float_or_none(props.get("not_found_grace_seconds", DEFAULT_NOT_FOUND_GRACE)),
        )

    def _wait(self, props: Mapping[str, Any]) -> dict[str, Any]:
        component_id, installs = props["component_id"], list(props["install_ids"])
        single = props.get("install_id")
        if props.get("skip_wait"):
            result = self._snapshot(component_id, installs)
        else:
            _progress(f"DeployGate: waiting for component {component_id} on {len(installs)} install(s)"
                      + (f", build {props['build_id']}" if props.get("build_id") else ""))
            result = asyncio.run(self._run(component_id, installs, self._options(props)))
        statuses = result.statuses
        outs = {k: props.get(k) for k in props if k != "__provider"}
        outs.update(
            phase=_overall_phase(result),
            deploy_ids=result.deploy_ids,
            statuses=statuses,
            deploy_id=result.deploy_ids.get(single) if single else None,
            status=statuses.get(single) if single else None,
            passed_at=result.passed_at,
        )
        return outs

    async def _run(self, component_id: str, installs: list[str], options: WaitOptions) -> WaitResult:
        try:
            async with self._async_client() as client:
                return await wait_for_deploys(component_id, installs, options=options, client=client,
                                              on_progress=_progress)
        except NuonError as err:
            _raise_clean(err)
            raise  # unreachable; keeps mypy sure of the return type

    def _snapshot(self, component_id: str, installs: list[str]) -> WaitResult:
        """skip_wait: one read per install, no waiting."""
        outcomes = {}
        try:
            with self._client() as client:
                for install in installs:
                    deploy = client.get_latest_deploy(install, component_id)
                    outcomes[install] = InstallOutcome.of(install, Verdict.PASS, "skip_wait", deploy, 0.0)
        except NuonError as err:
            _raise_clean(err)
        return WaitResult(component_id, outcomes, 0.0, None)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"gate-{uuid.uuid4().hex}", self._wait(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # diff reports changes only when what is waited for changed (ids, build, triggers): wait again.
        return UpdateResult(self._wait(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # A gate's outputs record when it passed; a refresh keeps them rather than waiting again.
        return ReadResult(id_, props)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _float_or(value: Any, default: float) -> float:
    return default if value is None else float(value)


def _overall_phase(result: WaitResult) -> str:
    phases = [o.phase for o in result.installs.values()]
    for phase in phases:
        if phase is not DeployPhase.SUCCEEDED:
            return str(phase)
    return str(DeployPhase.SUCCEEDED)


@dataclass
class DeployGateArgs:
    """Inputs of :class:`DeployGate` (see its docstring)."""

    component_id: pulumi.Input[str]
    install_id: pulumi.Input[str] | None = None
    install_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    build_id: pulumi.Input[str] | None = None
    timeout_seconds: pulumi.Input[float] | None = None
    poll_interval_seconds: pulumi.Input[float] | None = None
    accept_auto_skipped: pulumi.Input[bool] | None = None
    fail_on_pending_approval: pulumi.Input[bool] | None = None
    approval_timeout_seconds: pulumi.Input[float] | None = None
    not_found_grace_seconds: pulumi.Input[float] | None = None
    triggers: pulumi.Input[Any] | None = None
    skip_wait: pulumi.Input[bool] | None = None


class DeployGate(pulumi.dynamic.Resource, module="nuon", name="DeployGate"):
    """Waits until the latest deploy of a component is done on one install or a fleet; fails the update if not.

    Put ``depends_on=[gate]`` on whatever must only happen after Nuon says the deploy is ``active``: a DNS switch,
    a smoke test, the next environment's rollout. Per install, the gate

    - waits while Nuon answers 404 (no deploy yet), for at most ``not_found_grace_seconds`` (default 300);
    - waits while the deploy is queued, planning, syncing or executing, and in ``pending-approval`` (failing after
      ``approval_timeout_seconds`` there, or after one poll interval with ``fail_on_pending_approval=True``);
    - with ``build_id``, waits past deploys of other builds until one of that build is done (pass it only when the
      deploy to wait for is of that build, e.g. ``get_component_releases_output(c).latest_build_id``);
    - passes on ``active`` or ``inactive``, and on ``auto-skipped`` unless ``accept_auto_skipped=False``;
    - fails the update at once on ``error``, ``cancelled``, ``approval-denied``, ``noop`` or ``unknown``, with the
      install, deploy id, status and Nuon's description in the message;
    - follows the newer deploy after ``discarded`` or ``retried``; waits on statuses it does not know;
    - rides out transient API errors until the deadline.

    After ``timeout_seconds`` (default 1200) it fails with each pending install's last status and how long it was
    watched. It polls every ``poll_interval_seconds`` (default 10, less up to 10% jitter) with at most 8 requests
    in flight, and writes one progress line per status change per install to stderr.

    It waits on create, and on update only when ``install_id``/``install_ids``, ``component_id``, ``build_id`` or
    ``triggers`` changed; otherwise ``pulumi up`` leaves it as it is. A preview never waits. ``skip_wait=True``
    records the current deploys without waiting (an escape hatch). ``pulumi refresh`` keeps the recorded outputs.
    Deleting the gate does nothing in Nuon.

    Outputs: ``phase`` (``succeeded`` when passed), ``deploy_ids`` and ``statuses`` (maps by install id),
    ``deploy_id`` and ``status`` (with ``install_id``), ``passed_at`` (RFC 3339, UTC).
    """

    component_id: pulumi.Output[str]
    install_id: pulumi.Output[str | None]
    install_ids: pulumi.Output[list[str]]
    build_id: pulumi.Output[str | None]
    phase: pulumi.Output[str]
    deploy_ids: pulumi.Output[dict[str, str | None]]
    statuses: pulumi.Output[dict[str, str | None]]
    deploy_id: pulumi.Output[str | None]
    status: pulumi.Output[str | None]
    passed_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: DeployGateArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        component_id: pulumi.Input[str] | None = None,
        install_id: pulumi.Input[str] | None = None,
        install_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        build_id: pulumi.Input[str] | None = None,
        timeout_seconds: pulumi.Input[float] | None = None,
        poll_interval_seconds: pulumi.Input[float] | None = None,
        accept_auto_skipped: pulumi.Input[bool] | None = None,
        fail_on_pending_approval: pulumi.Input[bool] | None = None,
        approval_timeout_seconds: pulumi.Input[float] | None = None,
        not_found_grace_seconds: pulumi.Input[float] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        skip_wait: pulumi.Input[bool] | None = None,
    ) -> None:
        given = {
            "component_id": component_id, "install_id": install_id, "install_ids": install_ids,
            "build_id": build_id, "timeout_seconds": timeout_seconds, "poll_interval_seconds": poll_interval_seconds,
            "accept_auto_skipped": accept_auto_skipped, "fail_on_pending_approval": fail_on_pending_approval,
            "approval_timeout_seconds": approval_timeout_seconds, "not_found_grace_seconds": not_found_grace_seconds,
            "triggers": triggers, "skip_wait": skip_wait,
        }
        inputs = _merge(args, given, DeployGateArgs)
        _require(inputs, "component_id", type(self).__name__)
        props: dict[str, Any] = {
            "component_id": inputs.get("component_id"),
            "install_id": inputs.get("install_id"),
            "install_ids": inputs.get("install_ids"),
            "build_id": inputs.get("build_id"),
            "timeout_seconds": inputs.get("timeout_seconds", DEFAULT_GATE_TIMEOUT),
            "poll_interval_seconds": inputs.get("poll_interval_seconds", DEFAULT_POLL_INTERVAL),
            "accept_auto_skipped": inputs.get("accept_auto_skipped", True),
            "fail_on_pending_approval": inputs.get("fail_on_pending_approval", False),
            "approval_timeout_seconds": inputs.get("approval_timeout_seconds"),
            "not_found_grace_seconds": inputs.get("not_found_grace_seconds", DEFAULT_NOT_FOUND_GRACE),
            "triggers": inputs.get("triggers"),
            "skip_wait": inputs.get("skip_wait", False),
            "phase": None,
            "deploy_ids": None,
            "statuses": None,
            "deploy_id": None,
            "status": None,
            "passed_at": None,
        }
        super().__init__(_DeployGateProvider(), resource_name, props, opts)


