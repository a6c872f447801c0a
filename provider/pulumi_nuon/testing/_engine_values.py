"""Property values for `LocalEngine`: the wire form (`google.protobuf.Struct`) and the plain forms tests see.

The engine keeps every property map in the wire form the SDK and the providers speak: secrets are wrapped in
the secret signature object and unknowns are the `UNKNOWN` sentinel string. From there this module converts

- to what a dynamic provider receives (it does not accept secrets, so the engine strips the wrappers and
  remembers which top-level keys were secret, to mark the same keys secret in what comes back);
- to plain Python values for results (secrets unwrapped, unknowns as the `UNKNOWN` object);
- to JSON-able state (secrets redacted the way a checkpoint holds them, as ciphertext, never as plaintext).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.protobuf import struct_pb2

__all__: list[str] = []

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_REDACTED = "[secret]"


class _UnknownType:
    """The type of `UNKNOWN`: a value the engine does not know yet (a preview of a create or an update)."""

    _instance: _UnknownType | None = None

    def __new__(cls) -> _UnknownType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _UnknownType()


def _copy(struct: struct_pb2.Struct) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.CopyFrom(struct)
    return out


def _is_secret_value(value: struct_pb2.Value) -> bool:
    if value.WhichOneof("kind") != "struct_value":
        return False
    fields = value.struct_value.fields
    return _SIG_KEY in fields and fields[_SIG_KEY].string_value == _SECRET_SIG


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


def _strip_secrets(struct: struct_pb2.Struct) -> tuple[struct_pb2.Struct, set[str]]:
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
    out.struct_value.fields[_SIG_KEY].string_value = _SECRET_SIG
    out.struct_value.fields["value"].CopyFrom(value)
    return out


def _mark_secrets(struct: struct_pb2.Struct, keys: Iterable[str]) -> struct_pb2.Struct:
    """A copy of `struct` with the given top-level keys wrapped as secrets (if present and not already)."""
    out = _copy(struct)
    for key in keys:
        if key in out.fields and not _is_secret_value(out.fields[key]):
            out.fields[key].CopyFrom(_wrap_secret(out.fields[key]))
    return out


def _secret_keys(struct: struct_pb2.Struct) -> set[str]:
    """Top-level keys whose value is or contains a secret."""
    return {key for key, value in struct.fields.items() if _unwrap_value(value)[1]}


def _contains_unknowns(value: struct_pb2.Value | struct_pb2.Struct) -> bool:
    if isinstance(value, struct_pb2.Struct):
        return any(_contains_unknowns(v) for v in value.fields.values())
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return bool(value.string_value == _UNKNOWN_WIRE)
    if kind == "struct_value":
        return _contains_unknowns(value.struct_value)
    if kind == "list_value":
        return any(_contains_unknowns(v) for v in value.list_value.values)
    return False


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _plain_value(
    value: struct_pb2.Value,
    *,
    on_secret: Callable[[Any], Any],
    unknown: Any,
) -> Any:
    if _is_secret_value(value):
        return on_secret(_plain_value(value.struct_value.fields["value"], on_secret=on_secret, unknown=unknown))
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return unknown if value.string_value == _UNKNOWN_WIRE else value.string_value
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


def _to_plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Plain Python values: secrets unwrapped, unknowns as `UNKNOWN`, whole numbers as `int`."""
    return {key: _plain_value(value, on_secret=lambda v: v, unknown=UNKNOWN) for key, value in struct.fields.items()}


def _redacted_secret(_: Any) -> dict[str, str]:
    return {_SIG_KEY: _SECRET_SIG, "ciphertext": _REDACTED}


def _to_json(struct: struct_pb2.Struct) -> dict[str, Any]:
    """JSON-able values as a checkpoint holds them: secrets as a ciphertext object with the plaintext gone,
    unknowns as the engine's unknown sentinel string."""
    return {
        key: _plain_value(value, on_secret=_redacted_secret, unknown=_UNKNOWN_WIRE)
        for key, value in struct.fields.items()
    }


def _json_default(value: Any) -> Any:
    if value is UNKNOWN:
        return _UNKNOWN_WIRE
    raise TypeError(f"{type(value).__name__} is not a plain JSON value")


def _from_plain(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> struct_pb2.Struct:
    """A struct from plain JSON-able values, with the given top-level keys wrapped as secrets."""
    out = struct_pb2.Struct()
    out.update(json.loads(json.dumps(dict(values), default=_json_default)))
    return _mark_secrets(out, secret_keys)


def _structs_equal(a: struct_pb2.Struct, b: struct_pb2.Struct) -> bool:
    return _to_plain(a) == _to_plain(b) and _secret_keys(a) == _secret_keys(b)
