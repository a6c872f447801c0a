"""``DeployGate``: waits until the latest deploy of a component is done on one install or a fleet.

One resource per module with its ``*Args``, as in a generated Pulumi SDK. The inputs, their docs, defaults and bounds
are the option table's (:data:`pulumi_nuon.core.options.DEPLOY_GATE`); they are written out here so type checkers
and IDEs see them, and a test keeps them equal to the table. The provider Pulumi pickles into state is
:class:`pulumi_nuon.dynamic.providers.DeployGateProvider`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import pulumi

from pulumi_nuon.core.options import DEPLOY_GATE
from pulumi_nuon.dynamic.inputs import resource_props
from pulumi_nuon.dynamic.providers import DeployGateProvider
from pulumi_nuon.gate.state import FLEET, by_install

__all__ = ["DeployGate", "DeployGateArgs"]


@dataclass
class DeployGateArgs:
    """The inputs of :class:`DeployGate`: pass one as ``args``, or the same names as keywords (not both)."""

    component_id: pulumi.Input[str]
    """The component whose deploys to wait for (`cmp…`). A Nuon id, required."""
    install_id: pulumi.Input[str] | None = None
    """One install to wait on (`inl…`); or use `install_ids`. A Nuon id."""
    install_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """Installs to wait on concurrently (a fleet); or use `install_id`. A non-empty list of Nuon ids."""
    build_id: pulumi.Input[str] | None = None
    """Wait for a deploy of this build (`bld…`): the pin that says which deploy counts. Deploys of other builds are
    waited past. A Nuon id."""
    timeout_seconds: pulumi.Input[float] | None = None
    """Give up after this many seconds. A number greater than 0 and at most 604800; default 1200."""
    poll_interval_seconds: pulumi.Input[float] | None = None
    """Seconds between polls of each install (less up to 10% jitter). A number at least 1 (0.01 on a loopback API URL)
    and at most 604800; default 10."""
    accept_auto_skipped: pulumi.Input[bool] | None = None
    """Pass on `auto-skipped` (a no-op plan; nothing was applied). True or false; default true."""
    fail_on_pending_approval: pulumi.Input[bool] | None = None
    """Fail when a deploy still waits for approval one poll interval after it was first seen there. True or false;
    default false."""
    approval_timeout_seconds: pulumi.Input[float] | None = None
    """Fail when a deploy waits for approval longer than this (default: no separate limit). A number at least 0 and at
    most 604800."""
    not_found_grace_seconds: pulumi.Input[float] | None = None
    """Fail when Nuon still answers 404 (no deploy) after this many seconds. A number at least 0 and at most 604800;
    default 300."""
    max_concurrency: pulumi.Input[int] | None = None
    """At most this many requests to Nuon in flight while watching a fleet. Default: enough for one round of polls to
    take 50% of the poll interval at 200 ms a read, from 8 to 32 (at a 10 s interval: 8 for 200 installs, 20 for
    500). A whole number at least 1 and at most 64; default by fleet size (8–32)."""
    triggers: pulumi.Input[Any] | None = None
    """Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image tag."""
    skip_wait: pulumi.Input[bool] | None = None
    """Record the current deploys without waiting (an escape hatch). True or false; default false."""


class DeployGate(pulumi.dynamic.Resource, module="nuon", name="DeployGate"):
    """Waits until the latest deploy of a component is done on one install or a fleet; fails the update if not.

    Put ``depends_on=[gate]`` on whatever must only happen after Nuon says the deploy is ``active``: a DNS switch,
    a smoke test, the next environment's rollout. What the gate does with each install's latest deploy is the
    behaviour table :data:`pulumi_nuon.gate.rules.GATE_RULES` (the README and ``pulumi-nuon wait --help`` show it);
    what a change of each input means is the option table's (:data:`pulumi_nuon.core.options.DEPLOY_GATE`).

    It waits on create, and on update only when the option table says a change waits again; otherwise
    ``pulumi up`` leaves it as it is. A preview never waits. ``pulumi refresh`` keeps the recorded outputs.
    Deleting the gate does nothing in Nuon. While it waits it writes one progress line per status change per
    install to stderr.
    """

    component_id: pulumi.Output[str]
    """The component whose deploys to wait for (`cmp…`)."""
    install_id: pulumi.Output[str | None]
    """One install to wait on (`inl…`); or use `install_ids`."""
    install_ids: pulumi.Output[list[str]]
    """Installs to wait on concurrently (a fleet); or use `install_id`."""
    build_id: pulumi.Output[str | None]
    """Wait for a deploy of this build (`bld…`): the pin that says which deploy counts. Deploys of other builds are
    waited past."""
    phase: pulumi.Output[str]
    """`succeeded` when the gate passed (else the first install's phase)."""
    deploy_id: pulumi.Output[str | None]
    """With `install_id`: the deploy that passed."""
    status: pulumi.Output[str | None]
    """With `install_id`: that deploy's status."""
    deploy_ids: pulumi.Output[dict[str, str | None]]
    """The deploy seen on each install, by install id."""
    statuses: pulumi.Output[dict[str, str | None]]
    """The status seen on each install, by install id."""
    passed_at: pulumi.Output[str | None]
    """When the gate passed (RFC 3339, UTC); empty with `skip_wait`."""

    @overload
    def __init__(
        self, resource_name: str, args: DeployGateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        args: None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        component_id: pulumi.Input[str],
        install_id: pulumi.Input[str] | None = None,
        install_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        build_id: pulumi.Input[str] | None = None,
        timeout_seconds: pulumi.Input[float] | None = None,
        poll_interval_seconds: pulumi.Input[float] | None = None,
        accept_auto_skipped: pulumi.Input[bool] | None = None,
        fail_on_pending_approval: pulumi.Input[bool] | None = None,
        approval_timeout_seconds: pulumi.Input[float] | None = None,
        not_found_grace_seconds: pulumi.Input[float] | None = None,
        max_concurrency: pulumi.Input[int] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        skip_wait: pulumi.Input[bool] | None = None,
    ) -> None: ...

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
        max_concurrency: pulumi.Input[int] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        skip_wait: pulumi.Input[bool] | None = None,
    ) -> None:
        """Declare the resource: its inputs as ``args`` (a :class:`DeployGateArgs`) or as keywords.

        :param resource_name: The resource's name in the stack.
        :param args: The inputs, instead of the keywords.
        :param opts: Pulumi's options for the resource.
        :param component_id: The component whose deploys to wait for (`cmp…`). A Nuon id, required.
        :param install_id: One install to wait on (`inl…`); or use `install_ids`. A Nuon id.
        :param install_ids: Installs to wait on concurrently (a fleet); or use `install_id`. A non-empty list of Nuon
            ids.
        :param build_id: Wait for a deploy of this build (`bld…`): the pin that says which deploy counts. Deploys of
            other builds are waited past. A Nuon id.
        :param timeout_seconds: Give up after this many seconds. A number greater than 0 and at most 604800; default
            1200.
        :param poll_interval_seconds: Seconds between polls of each install (less up to 10% jitter). A number at least 1
            (0.01 on a loopback API URL) and at most 604800; default 10.
        :param accept_auto_skipped: Pass on `auto-skipped` (a no-op plan; nothing was applied). True or false; default
            true.
        :param fail_on_pending_approval: Fail when a deploy still waits for approval one poll interval after it was
            first seen there. True or false; default false.
        :param approval_timeout_seconds: Fail when a deploy waits for approval longer than this (default: no separate
            limit). A number at least 0 and at most 604800.
        :param not_found_grace_seconds: Fail when Nuon still answers 404 (no deploy) after this many seconds. A number
            at least 0 and at most 604800; default 300.
        :param max_concurrency: At most this many requests to Nuon in flight while watching a fleet. Default: enough for
            one round of polls to take 50% of the poll interval at 200 ms a read, from 8 to 32 (at a 10 s interval: 8
            for 200 installs, 20 for 500). A whole number at least 1 and at most 64; default by fleet size (8–32).
        :param triggers: Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image
            tag.
        :param skip_wait: Record the current deploys without waiting (an escape hatch). True or false; default false.
        """
        given = {
            "component_id": component_id,
            "install_id": install_id,
            "install_ids": install_ids,
            "build_id": build_id,
            "timeout_seconds": timeout_seconds,
            "poll_interval_seconds": poll_interval_seconds,
            "accept_auto_skipped": accept_auto_skipped,
            "fail_on_pending_approval": fail_on_pending_approval,
            "approval_timeout_seconds": approval_timeout_seconds,
            "not_found_grace_seconds": not_found_grace_seconds,
            "max_concurrency": max_concurrency,
            "triggers": triggers,
            "skip_wait": skip_wait,
        }
        self._internal_init(resource_name, args, opts, given)

    def _internal_init(
        self,
        resource_name: str,
        args: DeployGateArgs | None,
        opts: pulumi.ResourceOptions | None,
        given: dict[str, Any],
    ) -> None:
        props = resource_props(DEPLOY_GATE, args, given, DeployGateArgs)
        super().__init__(DeployGateProvider(), resource_name, {**props, FLEET: None}, opts)
        # State keeps deploy_ids and statuses compact, as one output (pulumi_nuon.gate.state.FLEET); the program
        # reads them by install id, named from the install ids it passed.
        fleet = self.__dict__.pop(FLEET)  # state's own: not an attribute of the gate
        installs = props["install_ids"] if props["install_ids"] is not None else [props["install_id"]]
        shown_deploys, shown_statuses = self.deploy_ids, self.statuses
        self.deploy_ids = pulumi.Output.all(shown_deploys, fleet, installs).apply(
            lambda v: by_install("deploy_ids", *v)
        )
        self.statuses = pulumi.Output.all(shown_statuses, fleet, installs).apply(lambda v: by_install("statuses", *v))
