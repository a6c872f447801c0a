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
- ``check`` and ``diff`` are the option table's (:mod:`pulumi_nuon.core.options`), tolerating unknown values
  during a preview; ``read`` serves ``pulumi refresh``;
- ``custom_timeouts`` and Ctrl-C never reach a dynamic provider, so the gate has its own deadline and sleeps in
  short slices; one gate watches a whole fleet, because four gates would occupy all four provider threads;
- progress goes to stderr, one line per status change per install, never a secret.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

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
from pulumi_nuon.core.options import COMPONENT_RELEASES, DEPLOY_GATE, LATEST_DEPLOY, Spec, diff_inputs
from pulumi_nuon.core.settings import CONFIG_KEYS, is_loopback_url, resolve_api_url
from pulumi_nuon.dynamic.host import install_clean_errors
from pulumi_nuon.gate.operations import (
    check_spec_inputs,
    inputs_from_id,
    pass_gate,
    read_values,
    resource_id,
    resource_outputs,
)
from pulumi_nuon.gate.state import gate_outputs_read, stored_gate_outputs

if TYPE_CHECKING:
    from pulumi_nuon.api.client import AsyncNuonClient

__all__ = ["ComponentReleasesProvider", "DeployGateProvider", "LatestDeployProvider", "NuonProvider", "is_known"]

_T = TypeVar("_T")

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
        self._config = {k: v for k in CONFIG_KEYS if isinstance(v := req.config.get(k), str) and v}

    def settings(self) -> dict[str, str]:
        """The stack config `configure` gave (empty before configure, e.g. in a provider just unpickled)."""
        return dict(getattr(self, "_config", None) or {})  # tolerate a provider unpickled without configure

    def _run(self, work: Callable[[AsyncNuonClient], Awaitable[_T]]) -> _T:
        """Run ``work`` with a client on an event loop of its own (the host calls providers from its threads)."""

        from pulumi_nuon.api.client import AsyncNuonClient  # only when reading: check and diff need no client

        async def main() -> _T:
            async with AsyncNuonClient(config=self.settings()) as client:
                return await work(client)

        try:
            return asyncio.run(main())
        except NuonError as err:
            _raise_clean(err)
            raise  # unreachable; keeps mypy sure of the return type

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        loopback = self.spec.checks_depend_on_url and is_loopback_url(resolve_api_url(self.settings()))
        inputs, problems = check_spec_inputs(self.spec, news, known=is_known, loopback=loopback)
        return CheckResult(inputs, [CheckFailure(name, reason) for name, reason in problems])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces, updates = diff_inputs(self.spec, olds, news)
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete in Nuon: these resources only read (and wait); removing them changes nothing there."""


class _ReadingProvider(NuonProvider):
    """A resource that reads (the core's :func:`~pulumi_nuon.gate.operations.read_values`) on create, update and
    refresh."""

    def _outs(self, props: Mapping[str, Any]) -> dict[str, Any]:
        values = self._run(lambda client: read_values(self.spec, client, props))
        return resource_outputs(self.spec, props, values)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(resource_id(self.spec, props), self._outs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._outs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, self._outs(inputs_from_id(self.spec, id_, props)))


class ComponentReleasesProvider(_ReadingProvider):
    """Reads a component's releases on create, update and refresh."""

    spec = COMPONENT_RELEASES


class LatestDeployProvider(_ReadingProvider):
    """Reads the latest deploy of a component on an install on create, update and refresh."""

    spec = LATEST_DEPLOY


class DeployGateProvider(NuonProvider):
    """Waits on create, and on update when the diff (the option table's ``change`` rules) says so.

    Its outputs go into state compact (:func:`~pulumi_nuon.gate.state.stored_gate_outputs`), and its diff and update
    read them, in any form a version stored them, back (:func:`~pulumi_nuon.gate.state.gate_outputs_read`)."""

    spec = DEPLOY_GATE

    def _wait(self, props: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values = self._run(lambda client: pass_gate(client, props, previous=previous, on_progress=_progress))
        return stored_gate_outputs(resource_outputs(self.spec, props, values))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return super().diff(_id, gate_outputs_read(olds, news), news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(resource_id(self.spec, props), self._wait(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # diff reports changes only when what is waited for changed (ids, build, triggers, a stricter rule).
        return UpdateResult(self._wait(news, gate_outputs_read(olds, news)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # A gate's outputs record when it passed; a refresh keeps them rather than waiting again.
        return ReadResult(id_, props)
