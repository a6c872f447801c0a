"""``ComponentReleases``: a component's releases, held in state.

One resource per module with its ``*Args``, as in a generated Pulumi SDK. The inputs, their docs and defaults are the
option table's (:data:`pulumi_nuon.core.options.COMPONENT_RELEASES`); they are written out here so type checkers and
IDEs see them, and a test keeps them equal to the table. The provider Pulumi pickles into state is
:class:`pulumi_nuon.dynamic.providers.ComponentReleasesProvider`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import pulumi

from pulumi_nuon.core.options import COMPONENT_RELEASES
from pulumi_nuon.dynamic.inputs import adopting, resource_props
from pulumi_nuon.dynamic.providers import ComponentReleasesProvider

__all__ = ["ComponentReleases", "ComponentReleasesArgs"]


@dataclass
class ComponentReleasesArgs:
    """The inputs of :class:`ComponentReleases`: pass one as ``args``, or the same names as keywords (not both)."""

    component_id: pulumi.Input[str]
    """The component's id (`cmp…`). A Nuon id, required."""
    limit: pulumi.Input[int] | None = None
    """Read only the newest N releases (default: all). A whole number at least 1 and at most 100000."""
    triggers: pulumi.Input[Any] | None = None
    """Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image tag."""
    always_refresh: pulumi.Input[bool] | None = None
    """Read again on every update (shows as an update each time). True or false; default false."""


class ComponentReleases(pulumi.dynamic.Resource, module="nuon", name="ComponentReleases"):
    """A component's releases, held in state: ``pulumi refresh`` (or a change of ``triggers``) reads them again.

    Changing ``component_id`` replaces the resource. ``always_refresh=True`` re-reads on every ``pulumi up``, which
    then shows as an update each time. Releases are a legacy Nuon feature: against a Nuon API that no longer serves
    them, create and refresh fail with :class:`~pulumi_nuon.ReleasesNotServedError`'s message.
    """

    component_id: pulumi.Output[str]
    """The component's id (`cmp…`)."""
    limit: pulumi.Output[int | None]
    """Read only the newest N releases (default: all)."""
    release_ids: pulumi.Output[list[str]]
    """The release ids, newest first."""
    latest_release_id: pulumi.Output[str | None]
    """The newest release's id."""
    latest_build_id: pulumi.Output[str | None]
    """The newest release's build id: what a DeployGate can wait for."""
    release_count: pulumi.Output[int]
    """How many releases were read (at most `limit`)."""

    @overload
    def __init__(
        self, resource_name: str, args: ComponentReleasesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        args: None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        component_id: pulumi.Input[str],
        limit: pulumi.Input[int] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        always_refresh: pulumi.Input[bool] | None = None,
    ) -> None: ...

    def __init__(
        self,
        resource_name: str,
        args: ComponentReleasesArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        component_id: pulumi.Input[str] | None = None,
        limit: pulumi.Input[int] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        always_refresh: pulumi.Input[bool] | None = None,
    ) -> None:
        """Declare the resource: its inputs as ``args`` (a :class:`ComponentReleasesArgs`) or as keywords.

        :param resource_name: The resource's name in the stack.
        :param args: The inputs, instead of the keywords.
        :param opts: Pulumi's options for the resource.
        :param component_id: The component's id (`cmp…`). A Nuon id, required.
        :param limit: Read only the newest N releases (default: all). A whole number at least 1 and at most 100000.
        :param triggers: Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image
            tag.
        :param always_refresh: Read again on every update (shows as an update each time). True or false; default false.
        """
        given = {
            "component_id": component_id,
            "limit": limit,
            "triggers": triggers,
            "always_refresh": always_refresh,
        }
        self._internal_init(resource_name, args, opts, given)

    def _internal_init(
        self,
        resource_name: str,
        args: ComponentReleasesArgs | None,
        opts: pulumi.ResourceOptions | None,
        given: dict[str, Any],
    ) -> None:
        props = resource_props(COMPONENT_RELEASES, args, given, ComponentReleasesArgs, adopting=adopting(opts))
        super().__init__(ComponentReleasesProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> ComponentReleases:
        """Adopt the releases of component ``id`` (a read, as ``pulumi import`` would do)."""
        resource = ComponentReleases.__new__(ComponentReleases)
        resource._internal_init(
            resource_name, None, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)), {}
        )
        return resource
