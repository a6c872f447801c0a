"""Dynamic resources: ``ComponentReleases`` and ``LatestDeploy`` keep Nuon's values in state; ``DeployGate`` waits.

The classes here are what a Python program constructs; their providers (what Pulumi pickles into state and runs in
the dynamic-provider host) are in :mod:`pulumi_nuon.dynamic.providers`. Inputs, defaults, checks and the diff rule
come from the option table (:mod:`pulumi_nuon.core.options`); the signatures below are written out for type
checkers, and a test keeps them equal to the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from pulumi_nuon.core.options import COMPONENT_RELEASES, DEPLOY_GATE, LATEST_DEPLOY, Spec
from pulumi_nuon.dynamic.providers import ComponentReleasesProvider, DeployGateProvider, LatestDeployProvider

__all__ = [
    "ComponentReleases",
    "ComponentReleasesArgs",
    "DeployGate",
    "DeployGateArgs",
    "LatestDeploy",
    "LatestDeployArgs",
]


def _props(spec: Spec, args: Any, given: dict[str, Any], args_type: type, *, adopting: bool = False) -> dict[str, Any]:
    """The resource's property map: each input (given, from ``args``, or its default) and each output unset.

    ``args`` and keywords are alternatives, as in generated SDKs; a required input missing is a TypeError unless
    the resource is being adopted (``opts.id``), when the provider's ``read`` supplies it.
    """
    if args is not None and not isinstance(args, args_type):
        raise TypeError(f"args must be a {args_type.__name__}, got {type(args).__name__}")
    merged = dict(vars(args)) if args is not None else {}
    merged.update({k: v for k, v in given.items() if v is not None})
    props: dict[str, Any] = {}
    for option in spec.inputs:
        value = merged.get(option.name)
        if value is None and option.required and not adopting:
            raise TypeError(f"{spec.name}: missing required argument '{option.name}'")
        props[option.name] = option.default if value is None else value
    props.update(dict.fromkeys(o.name for o in spec.outputs))
    return props


def _adopting(opts: pulumi.ResourceOptions | None) -> bool:
    return opts is not None and opts.id is not None


# --- ComponentReleases ------------------------------------------------------------------------------------------


@dataclass
class ComponentReleasesArgs:
    """Inputs of :class:`ComponentReleases`."""

    component_id: pulumi.Input[str]
    limit: pulumi.Input[int] | None = None
    triggers: pulumi.Input[Any] | None = None
    always_refresh: pulumi.Input[bool] | None = None


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
        given = {"component_id": component_id, "limit": limit, "triggers": triggers, "always_refresh": always_refresh}
        props = _props(COMPONENT_RELEASES, args, given, ComponentReleasesArgs, adopting=_adopting(opts))
        super().__init__(ComponentReleasesProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> ComponentReleases:
        """Adopt the releases of component ``id`` (a read, as ``pulumi import`` would do)."""
        return ComponentReleases(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))


# --- LatestDeploy -----------------------------------------------------------------------------------------------


@dataclass
class LatestDeployArgs:
    """Inputs of :class:`LatestDeploy`."""

    install_id: pulumi.Input[str]
    component_id: pulumi.Input[str]
    triggers: pulumi.Input[Any] | None = None
    always_refresh: pulumi.Input[bool] | None = None


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
        given = {
            "install_id": install_id,
            "component_id": component_id,
            "triggers": triggers,
            "always_refresh": always_refresh,
        }
        props = _props(LATEST_DEPLOY, args, given, LatestDeployArgs, adopting=_adopting(opts))
        super().__init__(LatestDeployProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> LatestDeploy:
        """Adopt a latest-deploy view by id ``"<install_id>/<component_id>"``."""
        return LatestDeploy(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))


# --- DeployGate -------------------------------------------------------------------------------------------------

_GATE_INPUTS = frozenset(o.name for o in DEPLOY_GATE.inputs)


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
    max_concurrency: pulumi.Input[int] | None = None
    triggers: pulumi.Input[Any] | None = None
    skip_wait: pulumi.Input[bool] | None = None


class DeployGate(pulumi.dynamic.Resource, module="nuon", name="DeployGate"):
    """Waits until the latest deploy of a component is done on one install or a fleet; fails the update if not.

    Put ``depends_on=[gate]`` on whatever must only happen after Nuon says the deploy is ``active``: a DNS switch,
    a smoke test, the next environment's rollout. What the gate does with each install's latest deploy is the
    behaviour table below (:data:`pulumi_nuon.core.status.GATE_RULES`); its inputs, their defaults and what a
    change of each means are the option table below (:data:`pulumi_nuon.core.options.DEPLOY_GATE`).

    It waits on create, and on update only when the option table says a change waits again; otherwise
    ``pulumi up`` leaves it as it is. A preview never waits. ``pulumi refresh`` keeps the recorded outputs.
    Deleting the gate does nothing in Nuon. While it waits it writes one progress line per status change per
    install to stderr.

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
        max_concurrency: pulumi.Input[int] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        skip_wait: pulumi.Input[bool] | None = None,
    ) -> None:
        given = {name: value for name, value in locals().items() if name in _GATE_INPUTS}
        props = _props(DEPLOY_GATE, args, given, DeployGateArgs)
        super().__init__(DeployGateProvider(), resource_name, props, opts)


def _append_tables() -> None:
    """Show the option and behaviour tables in ``help()`` (written once, in the core; not retyped here)."""
    from pulumi_nuon.core.status import render_rules_text

    def options_text(spec: Spec) -> str:
        return "\n".join(f"    {o.name}: {o.doc} ({o.bounds_text()})" for o in spec.inputs)

    DeployGate.__doc__ = (
        f"{DeployGate.__doc__}\n    Inputs:\n\n{options_text(DEPLOY_GATE)}\n\n    Behaviour:\n\n"
        + "\n".join("  " + line for line in render_rules_text(100).splitlines())
        + "\n"
    )
    for cls, spec in ((LatestDeploy, LATEST_DEPLOY), (ComponentReleases, COMPONENT_RELEASES)):
        cls.__doc__ = f"{cls.__doc__}\n    Inputs:\n\n{options_text(spec)}\n"


_append_tables()
