"""Property values for `LocalEngine`: the wire form (`google.protobuf.Struct`) and the plain forms tests see.

The engine keeps every property map in the wire form the SDKs and the providers speak: secrets are wrapped in
the SDK's secret signature object and unknowns are its unknown sentinel string (both from `sdk`). From there this
module converts

- to what a provider receives: as is when it accepts secrets, else with the wrappers stripped and the top-level
  keys that held one remembered, so the engine marks the same keys secret in what comes back;
- to plain Python values for results (secrets unwrapped, unknowns as the `UNKNOWN` object);
- to JSON-able state (secrets redacted the way a checkpoint holds them, as ciphertext, never as plaintext, unless
  an export asks to show them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.protobuf import struct_pb2

from .sdk import SECRET_SIG, SIG_KEY, UNKNOWN_WIRE

__all__ = [
    "UNKNOWN",
    "UnknownValue",
    "contains_unknowns",
    "copy_struct",
    "from_plain",
    "mark_secrets",
    "secret_keys_of",
    "strip_secrets",
    "structs_equal",
    "to_json",
    "to_plain",
]

_REDACTED = "[secret]"


class UnknownValue:
    """The type of `UNKNOWN`: a value the engine does not know yet (a preview of a create or an update)."""

    _instance: UnknownValue | None = None

    def __new__(cls) -> UnknownValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = UnknownValue()


def copy_struct(struct: struct_pb2.Struct) -> struct_pb2.Struct:
    """A deep copy of `struct`."""
    out = struct_pb2.Struct()
    out.CopyFrom(struct)
    return out


def _is_secret_value(value: struct_pb2.Value) -> bool:
    if value.WhichOneof("kind") != "struct_value":
        return False
    fields = value.struct_value.fields
    return SIG_KEY in fields and fields[SIG_KEY].string_value == SECRET_SIG


def _unwrap_value(value: struct_pb2.Value) -> tuple[struct_pb2.Value, bool]:
    """`value` with every secret wrapper removed (deeply), and whether it held a secret."""
    if _is_secret_value(value):
        inner, _ = _unwrap_value(value.struct_value.fields["value"])
        return inner, True
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        out = struct_pb2.Value()
        out.struct_value.SetInParent()
        secret = False
        for key, item in value.struct_value.fields.items():
            plain, item_secret = _unwrap_value(item)
            out.struct_value.fields[key].CopyFrom(plain)
            secret = secret or item_secret
        return out, secret
    if kind == "list_value":
        out = struct_pb2.Value()
        out.list_value.SetInParent()
        secret = False
        for item in value.list_value.values:
            plain, item_secret = _unwrap_value(item)
            out.list_value.values.add().CopyFrom(plain)
            secret = secret or item_secret
        return out, secret
    return value, False


def strip_secrets(struct: struct_pb2.Struct) -> tuple[struct_pb2.Struct, set[str]]:
    """The struct as sent to a provider that does not accept secrets, and its top-level keys that held one."""
    out = struct_pb2.Struct()
    secret_keys: set[str] = set()
    for key, value in struct.fields.items():
        plain, secret = _unwrap_value(value)
        out.fields[key].CopyFrom(plain)
        if secret:
            secret_keys.add(key)
    return out, secret_keys


def _wrap_secret(value: struct_pb2.Value) -> struct_pb2.Value:
    out = struct_pb2.Value()
    out.struct_value.fields[SIG_KEY].string_value = SECRET_SIG
    out.struct_value.fields["value"].CopyFrom(value)
    return out


def mark_secrets(struct: struct_pb2.Struct, keys: Iterable[str]) -> struct_pb2.Struct:
    """A copy of `struct` with the given top-level keys wrapped as secrets (if present and not already)."""
    out = copy_struct(struct)
    for key in keys:
        if key in out.fields and not _is_secret_value(out.fields[key]):
            out.fields[key].CopyFrom(_wrap_secret(out.fields[key]))
    return out


def secret_keys_of(struct: struct_pb2.Struct) -> set[str]:
    """Top-level keys whose value is or contains a secret."""
    return {key for key, value in struct.fields.items() if _unwrap_value(value)[1]}


def contains_unknowns(value: struct_pb2.Value | struct_pb2.Struct) -> bool:
    """Whether the value holds the unknown sentinel anywhere."""
    if isinstance(value, struct_pb2.Struct):
        return any(contains_unknowns(v) for v in value.fields.values())
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return bool(value.string_value == UNKNOWN_WIRE)
    if kind == "struct_value":
        return contains_unknowns(value.struct_value)
    if kind == "list_value":
        return any(contains_unknowns(v) for v in value.list_value.values)
    return False


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _plain_value(value: struct_pb2.Value, *, on_secret: Callable[[Any], Any], unknown: Any) -> Any:
    if _is_secret_value(value):
        return on_secret(_plain_value(value.struct_value.fields["value"], on_secret=on_secret, unknown=unknown))
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return unknown if value.string_value == UNKNOWN_WIRE else value.string_value
    if kind == "number_value":
        return _number(value.number_value)
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return {
            key: _plain_value(item, on_secret=on_secret, unknown=unknown)
            for key, item in value.struct_value.fields.items()
        }
    if kind == "list_value":
        return [_plain_value(item, on_secret=on_secret, unknown=unknown) for item in value.list_value.values]
    return None


def to_plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Plain Python values: secrets unwrapped, unknowns as `UNKNOWN`, whole numbers as `int`."""
    return {key: _plain_value(value, on_secret=lambda v: v, unknown=UNKNOWN) for key, value in struct.fields.items()}


def _redacted_secret(_: Any) -> dict[str, str]:
    return {SIG_KEY: SECRET_SIG, "ciphertext": _REDACTED}


def _plaintext_secret(value: Any) -> dict[str, str]:
    return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


def to_json(struct: struct_pb2.Struct, *, show_secrets: bool = False) -> dict[str, Any]:
    """JSON-able values as a checkpoint holds them: secrets as a ciphertext object with the plaintext gone (or, with
    `show_secrets`, as `pulumi stack export --show-secrets` shows them: the value's JSON as `plaintext`), unknowns as
    the engine's unknown sentinel string."""
    on_secret = _plaintext_secret if show_secrets else _redacted_secret
    return {key: _plain_value(value, on_secret=on_secret, unknown=UNKNOWN_WIRE) for key, value in struct.fields.items()}


def _json_default(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_WIRE
    raise TypeError(f"{type(value).__name__} is not a plain JSON value")


def from_plain(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> struct_pb2.Struct:
    """A struct from plain JSON-able values, with the given top-level keys wrapped as secrets."""
    out = struct_pb2.Struct()
    out.update(json.loads(json.dumps(dict(values), default=_json_default)))
    return mark_secrets(out, secret_keys)


def structs_equal(a: struct_pb2.Struct, b: struct_pb2.Struct) -> bool:
    """Equal values and the same secret keys."""
    return to_plain(a) == to_plain(b) and secret_keys_of(a) == secret_keys_of(b)
