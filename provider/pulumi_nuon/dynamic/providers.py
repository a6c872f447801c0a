"""The dynamic providers behind ``ComponentReleases``, ``LatestDeploy`` and ``DeployGate``.

**This module's path and its class names are stored in users' state**: Pulumi pickles each provider with dill by
reference (``pulumi_nuon.dynamic.providers.DeployGateProvider``, under 100 bytes) and unpickles it in the
dynamic-provider host on every later operation. Never move or rename them; ``pulumi_nuon.resources`` keeps the
names that version 0.1.0 wrote (``_DeployGateProvider`` …) importing too. A test pins both.

Pulumi runs them in a separate process (``python -m pulumi.dynamic``, four worker threads, no engine connection).
Hence:

- the providers carry no data: no secret can end up in the pickle, and one unpickled from an older state has
  nothing to miss; credentials arrive through ``configure`` (the engine passes the whole stack config) or
  ``NUON_*`` environment variables, and the HTTP client is built inside each method;
- the module imports only the option table at the top; the client, the waiter and the views are imported by the
  methods that use them. A program imports this module to pickle its providers and never runs them, and a host
  that only runs ``check`` and ``diff`` never loads httpx, pydantic or the models (~100 ms);
- ``check`` and ``diff`` are the option table's (:mod:`pulumi_nuon.core.options`), tolerating unknown values
  during a preview; ``read`` serves ``pulumi refresh``;
- ``custom_timeouts`` and Ctrl-C never reach a dynamic provider, so the gate has its own deadline and sleeps in
  short slices; one gate watches a whole fleet, because four gates would occupy all four provider threads;
- progress goes to stderr, one line per status change per install, never a secret.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

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
from pulumi.runtime.rpc import UNKNOWN

from pulumi_nuon.core.errors import NuonError
from pulumi_nuon.core.options import (
    COMPONENT_RELEASES,
    DEPLOY_GATE,
    LATEST_DEPLOY,
    Spec,
    check_inputs,
    check_limit,
    diff_inputs,
)
from pulumi_nuon.dynamic.host import install_clean_errors

if TYPE_CHECKING:
    from pulumi_nuon.core.client import AsyncNuonClient, NuonClient
    from pulumi_nuon.core.wait import WaitOptions, WaitResult

__all__ = ["ComponentReleasesProvider", "DeployGateProvider", "LatestDeployProvider", "NuonProvider", "is_known"]

# Unpickling a provider imports this module in the dynamic-provider host: from then on our failures reach the engine
# as their own short message, not a Python traceback (see pulumi_nuon.dynamic.host).
install_clean_errors()


def is_known(value: Any) -> bool:
    """False for a value (or a container holding one) that is unknown during a preview.

    The dynamic-provider host hands ``check`` and ``diff`` the SDK's ``Unknown`` objects; the raw sentinel string
    ``pulumi.runtime.rpc.UNKNOWN`` is accepted too.
    """
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return False
    if isinstance(value, Mapping):
        return all(is_known(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_known(v) for v in value)
    return True


def _progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _raise_clean(err: NuonError) -> None:
    """Re-raise without the chained traceback, so the engine shows Nuon's words, not ours."""
    raise err.with_traceback(None) from None


class NuonProvider(ResourceProvider):
    """Shared provider plumbing: stack config from ``configure``, clients built per call, no instance data."""

    serialize_as_secret_always = False
    spec: ClassVar[Spec]

    def configure(self, req: ConfigureRequest) -> None:
        # The config dict lives only in the host process's memory; it is never pickled (pickling happened in
        # the program, before configure) and never written to state.
        from pulumi_nuon.core.settings import CONFIG_KEYS

        self._config = {k: v for k in CONFIG_KEYS if isinstance(v := req.config.get(k), str) and v}

    def settings(self) -> dict[str, str]:
        """The stack config `configure` gave (empty before configure, e.g. in a provider just unpickled)."""
        return dict(getattr(self, "_config", None) or {})  # tolerate a provider unpickled without configure

    def _client(self) -> NuonClient:
        from pulumi_nuon.core.client import NuonClient

        return NuonClient(config=self.settings())

    def _async_client(self) -> AsyncNuonClient:
        from pulumi_nuon.core.client import AsyncNuonClient

        return AsyncNuonClient(config=self.settings())

    def _checked(self, news: dict[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
        inputs, problems = check_inputs(self.spec, news, known=is_known)
        return inputs, [CheckFailure(name, reason) for name, reason in problems]

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = self._checked(news)
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces, updates = diff_inputs(self.spec, olds, news)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete in Nuon: these resources only read (and wait); removing them changes nothing there."""


def _inputs_of(spec: Spec, props: Mapping[str, Any]) -> dict[str, Any]:
    return {o.name: props.get(o.name) for o in spec.inputs}


class ComponentReleasesProvider(NuonProvider):
    """Reads a component's releases on create, update and refresh."""

    spec = COMPONENT_RELEASES

    def _outs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        from pulumi_nuon.core.views import releases_values

        component_id, limit = props["component_id"], props.get("limit")
        try:
            with self._client() as client:
                releases = list(client.list_component_releases(component_id, limit=check_limit(limit)))
        except NuonError as err:
            _raise_clean(err)
        return {**_inputs_of(self.spec, props), **releases_values(releases)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["component_id"], self._outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = {**props, "component_id": props.get("component_id") or id_}
        return ReadResult(id_, self._outs(props))


class LatestDeployProvider(NuonProvider):
    """Reads the latest deploy of a component on an install on create, update and refresh."""

    spec = LATEST_DEPLOY

    def _outs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        from pulumi_nuon.core.views import deploy_values

        install_id, component_id = props["install_id"], props["component_id"]
        try:
            with self._client() as client:
                deploy = client.get_latest_deploy(install_id, component_id)
        except NuonError as err:
            _raise_clean(err)
        return {**_inputs_of(self.spec, props), **deploy_values(deploy)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['install_id']}/{props['component_id']}", self._outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not props.get("install_id") or not props.get("component_id"):
            install_id, _, component_id = id_.partition("/")
            props = {**props, "install_id": install_id, "component_id": component_id}
        return ReadResult(id_, self._outs(props))


class DeployGateProvider(NuonProvider):
    """Waits on create, and on update when the diff (the option table's ``change`` rules) says so."""

    spec = DEPLOY_GATE

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        from pulumi_nuon.core.settings import is_loopback_url, resolve_api_url
        from pulumi_nuon.core.wait import check_gate_inputs

        loopback = is_loopback_url(resolve_api_url(self.settings()))
        inputs, problems = check_gate_inputs(news, known=is_known, loopback=loopback)
        return CheckResult(inputs, [CheckFailure(name, reason) for name, reason in problems])

    def _wait(self, props: Mapping[str, Any], passed_before: Mapping[str, str] | None = None) -> dict[str, Any]:
        from pulumi_nuon.core.views import gate_values
        from pulumi_nuon.core.wait import WaitOptions

        component_id, installs = props["component_id"], list(props["install_ids"])
        if props.get("skip_wait"):
            result = self._snapshot(component_id, installs)
        else:
            _progress(
                f"DeployGate: waiting for component {component_id} on {len(installs)} install(s)"
                + (f", build {props['build_id']}" if props.get("build_id") else "")
                + (", for deploys newer than those it passed last" if passed_before else "")
            )
            options = WaitOptions.from_inputs(props)
            result = asyncio.run(self._run(component_id, installs, options, passed_before))
        return {**{k: v for k, v in props.items() if k != "__provider"}, **gate_values(result, props.get("install_id"))}

    async def _run(
        self,
        component_id: str,
        installs: list[str],
        options: WaitOptions,
        passed_before: Mapping[str, str] | None,
    ) -> WaitResult:
        from pulumi_nuon.core.wait import wait_for_deploys

        try:
            async with self._async_client() as client:
                return await wait_for_deploys(
                    component_id,
                    installs,
                    options=options,
                    client=client,
                    on_progress=_progress,
                    passed_before=passed_before,
                )
        except NuonError as err:
            _raise_clean(err)
            raise  # unreachable; keeps mypy sure of the return type

    def _snapshot(self, component_id: str, installs: list[str]) -> WaitResult:
        """skip_wait: one read per install, no waiting."""
        from pulumi_nuon.core.wait import InstallOutcome, Verdict, WaitResult

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

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # diff reports changes only when what is waited for changed (ids, build, triggers, a stricter rule).
        from pulumi_nuon.core.wait import previous_passes

        return UpdateResult(self._wait(news, previous_passes(olds, news)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # A gate's outputs record when it passed; a refresh keeps them rather than waiting again.
        return ReadResult(id_, props)
