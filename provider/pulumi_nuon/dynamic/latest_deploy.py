"""``LatestDeploy``: the latest deploy of a component on an install, held in state.

One resource per module with its ``*Args``, as in a generated Pulumi SDK. The inputs, their docs and defaults are the
option table's (:data:`pulumi_nuon.core.options.LATEST_DEPLOY`); they are written out here so type checkers and IDEs
see them, and a test keeps them equal to the table. The provider Pulumi pickles into state is
:class:`pulumi_nuon.dynamic.providers.LatestDeployProvider`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import pulumi

from pulumi_nuon.core.options import LATEST_DEPLOY
from pulumi_nuon.dynamic.inputs import adopting, resource_props
from pulumi_nuon.dynamic.providers import LatestDeployProvider

__all__ = ["LatestDeploy", "LatestDeployArgs"]


@dataclass
class LatestDeployArgs:
    """The inputs of :class:`LatestDeploy`: pass one as ``args``, or the same names as keywords (not both)."""

    install_id: pulumi.Input[str]
    """The install's id (`inl…`). A Nuon id, required."""
    component_id: pulumi.Input[str]
    """The component's id (`cmp…`). A Nuon id, required."""
    triggers: pulumi.Input[Any] | None = None
    """Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image tag."""
    always_refresh: pulumi.Input[bool] | None = None
    """Read again on every update (shows as an update each time). True or false; default false."""


class LatestDeploy(pulumi.dynamic.Resource, module="nuon", name="LatestDeploy"):
    """The latest deploy of a component on an install, held in state; ``pulumi refresh`` reads it again.

    ``found`` is False (and the rest None) while there is no deploy. Changing either id replaces the resource;
    changing ``triggers`` re-reads; ``always_refresh=True`` re-reads on every ``pulumi up`` (an update each time).
    The resource never waits: use :class:`~pulumi_nuon.DeployGate` for that.
    """

    install_id: pulumi.Output[str]
    """The install's id (`inl…`)."""
    component_id: pulumi.Output[str]
    """The component's id (`cmp…`)."""
    found: pulumi.Output[bool]
    """False when Nuon has no deploy of the component on the install yet."""
    deploy_id: pulumi.Output[str | None]
    """The deploy's id (`dpl…`)."""
    status: pulumi.Output[str | None]
    """Nuon's status, e.g. `executing`, `pending-approval`, `active`, `error`."""
    status_description: pulumi.Output[str | None]
    """Nuon's human description of the status."""
    phase: pulumi.Output[str]
    """The status classified: in_progress, awaiting_approval, succeeded, failed, superseded, missing, unknown."""
    build_id: pulumi.Output[str | None]
    """The build that was deployed (match it to a release's `build_id`)."""
    release_id: pulumi.Output[str | None]
    """The release *step* that made the deploy (not a release id)."""
    install_deploy_type: pulumi.Output[str | None]
    """The kind of deploy, e.g. `apply`, `sync-image`, `teardown`."""
    created_at: pulumi.Output[str | None]
    """When the deploy was created (RFC 3339)."""
    updated_at: pulumi.Output[str | None]
    """When the deploy last changed (RFC 3339)."""

    @overload
    def __init__(
        self, resource_name: str, args: LatestDeployArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        args: None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        install_id: pulumi.Input[str],
        component_id: pulumi.Input[str],
        triggers: pulumi.Input[Any] | None = None,
        always_refresh: pulumi.Input[bool] | None = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: LatestDeployArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        install_id: pulumi.Input[str] | None = None,
        component_id: pulumi.Input[str] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        always_refresh: pulumi.Input[bool] | None = None,
    ) -> None:
        """Declare the resource: its inputs as ``args`` (a :class:`LatestDeployArgs`) or as keywords.

        :param resource_name: The resource's name in the stack.
        :param args: The inputs, instead of the keywords.
        :param opts: Pulumi's options for the resource.
        :param install_id: The install's id (`inl…`). A Nuon id, required.
        :param component_id: The component's id (`cmp…`). A Nuon id, required.
        :param triggers: Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image
            tag.
        :param always_refresh: Read again on every update (shows as an update each time). True or false; default false.
        """
        given = {
            "install_id": install_id,
            "component_id": component_id,
            "triggers": triggers,
            "always_refresh": always_refresh,
        }
        self._internal_init(resource_name, args, opts, given)

    def _internal_init(
        self,
        resource_name: str,
        args: LatestDeployArgs | None,
        opts: pulumi.ResourceOptions | None,
        given: dict[str, Any],
    ) -> None:
        props = resource_props(LATEST_DEPLOY, args, given, LatestDeployArgs, adopting=adopting(opts))
        super().__init__(LatestDeployProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> LatestDeploy:
        """Adopt a latest-deploy view by id ``"<install_id>/<component_id>"``."""
        resource = LatestDeploy.__new__(LatestDeploy)
        resource._internal_init(
            resource_name, None, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)), {}
        )
        return resource
