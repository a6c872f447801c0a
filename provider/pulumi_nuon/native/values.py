"""Pulumi property values to and from the core's plain values, by the option table's names.

The engine speaks camelCase ``PropertyValue`` maps; the core speaks the table's snake_case names with plain JSON
values. Going in, secrets are unwrapped (and remembered by name, so the same outputs go back secret) and unknowns
stay the SDK's unknown sentinel string (:data:`UNKNOWN`). Going out, numbers are floats (the SDK's
``PropertyValue`` takes no ``int``) and unknowns are that sentinel too (``PropertyValue.computed()`` cannot be sent
back through the experimental server). Keys that are not in the table are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN

from pulumi_nuon.core.options import Spec, camel

__all__ = ["UNKNOWN", "Plain", "from_plain", "is_known", "plain_inputs", "property_map", "to_plain"]


def to_plain(value: PropertyValue) -> Any:
    """The plain value inside ``value`` (secrets unwrapped, unknowns as :data:`UNKNOWN`)."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: to_plain(v) for k, v in inner.items()}
    if isinstance(inner, (list, tuple)):
        return [to_plain(v) for v in inner]
    return inner


def from_plain(value: Any, *, secret: bool = False) -> PropertyValue:
    """A ``PropertyValue`` holding the plain JSON ``value`` (``int`` as ``float``)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        inner: Any = value
    elif isinstance(value, (int, float)):
        inner = float(value)
    elif isinstance(value, Mapping):
        inner = {str(k): from_plain(v) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        inner = [from_plain(v) for v in value]
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")
    return PropertyValue(inner, is_secret=secret)


def is_known(value: Any) -> bool:
    """False for a plain value that is, or holds, the unknown sentinel (an input not known during a preview)."""
    if isinstance(value, str):
        return value != UNKNOWN
    if isinstance(value, Mapping):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


class Plain(NamedTuple):
    """A resource's or function's inputs as the core sees them, and which of them arrived secret."""

    values: dict[str, Any]
    secrets: frozenset[str]


def plain_inputs(spec: Spec, properties: Mapping[str, PropertyValue], *, outputs: bool = False) -> Plain:
    """``spec``'s inputs (and with ``outputs``, its outputs: a resource's state) found in ``properties`` (camelCase
    keys) under the table's names, as plain values."""
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    names = [o.name for o in spec.inputs] + ([o.name for o in spec.outputs] if outputs else [])
    for name in names:
        prop = properties.get(camel(name))
        if prop is None or prop.value is None:
            continue
        values[name] = to_plain(prop)
        if prop.contains_secret():
            secrets.add(name)
    return Plain(values, frozenset(secrets))


def property_map(
    values: Mapping[str, Any], *, secrets: Iterable[str] = (), unknown: Iterable[str] = ()
) -> dict[str, PropertyValue]:
    """``values`` (the table's names) as camelCase ``PropertyValue``s; names in ``secrets`` go secret, names in
    ``unknown`` go unknown; ``None`` values are left out."""
    secret, hidden = set(secrets), set(unknown)
    out: dict[str, PropertyValue] = {}
    for name, value in values.items():
        if name in hidden:
            value = UNKNOWN
        elif value is None:
            continue
        out[camel(name)] = from_plain(value, secret=name in secret)
    return out
