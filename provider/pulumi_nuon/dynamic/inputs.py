"""A dynamic resource's property map from its inputs, given as an ``*Args`` or as keywords (the resource modules:
:mod:`~pulumi_nuon.dynamic.deploy_gate`, :mod:`~pulumi_nuon.dynamic.latest_deploy`,
:mod:`~pulumi_nuon.dynamic.component_releases`)."""

from __future__ import annotations

from typing import Any

import pulumi

from pulumi_nuon.core.options import Spec

__all__ = ["adopting", "resource_props"]


def resource_props(
    spec: Spec, args: Any, given: dict[str, Any], args_type: type, *, adopting: bool = False
) -> dict[str, Any]:
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


def adopting(opts: pulumi.ResourceOptions | None) -> bool:
    """The resource is adopted by id (``opts.id``: ``Resource.get``, ``pulumi import``)."""
    return opts is not None and opts.id is not None
