"""What can be a Nuon id: checked before any request, so a bad id fails at once with the argument's name.

:func:`validate_id` is the client's rule (anything that is safe in a URL path). :func:`validate_nuon_id` is the
front ends' stricter one: Nuon makes every id from a three-letter type prefix and 23 characters of ``[0-9a-z]``
(26 in all: ``inl…`` install, ``cmp…`` component, ``bld…`` build, ``dpl…`` deploy), so a name passed where an id
belongs fails ``check`` at once instead of waiting out the 404 grace period.
"""

from __future__ import annotations

import re
import unicodedata

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import InvalidIdError

__all__ = ["ID_PREFIXES", "validate_id", "validate_nuon_id"]

_ID_FORBIDDEN = re.compile(r"[\s/\\?#%\x00-\x1f\x7f]")
# Invisible or reordering characters (bidi overrides, zero-width spaces and joiners, byte-order marks: Unicode
# categories Cc, Cf, Co, Cs, Cn, Zs, Zl, Zp) make an id read as another in a log or a terminal.
_INVISIBLE_CATEGORIES = ("C", "Z")


def _invisible(value: str) -> str | None:
    if value.isascii():  # every id Nuon makes; the loop below is for what a user may paste
        return None
    for char in value:
        if not char.isascii() and unicodedata.category(char).startswith(_INVISIBLE_CATEGORIES):
            return f"U+{ord(char):04X} ({unicodedata.name(char, unicodedata.category(char))})"
    return None


ID_PREFIXES = {"component": "cmp", "install": "inl", "build": "bld", "deploy": "dpl", "release": "rel"}
_NUON_ID = re.compile(r"[a-z]{3}[0-9a-z]{23}")
_WHERE = {
    "component": "the component's page in the Nuon dashboard, or `nuon components list`",
    "install": "the install's page in the Nuon dashboard, or `nuon installs list`",
    "build": "the component's builds in the Nuon dashboard, `nuon components builds list`, or your CI's build step",
}


def validate_id(name: str, value: object) -> str:
    """Return ``value`` if it can be a Nuon id, else raise :class:`InvalidIdError` naming the argument."""
    if not isinstance(value, str):
        raise InvalidIdError(f"{name} must be a string, got {type(value).__name__}.", name)
    if not value:
        raise InvalidIdError(f"{name} is empty; pass the id of a Nuon {name.removesuffix('_id')}.", name)
    if len(value) > C.MAX_ID_LENGTH:
        raise InvalidIdError(f"{name} is {len(value)} characters long; Nuon ids are at most {C.MAX_ID_LENGTH}.", name)
    if value in (".", "..") or _ID_FORBIDDEN.search(value):
        raise InvalidIdError(
            f"{name} {value!r} is not a Nuon id: ids contain no whitespace, '/', '\\', '?', '#' or '%'.", name
        )
    if (char := _invisible(value)) is not None:
        raise InvalidIdError(
            f"{name} {value.encode('ascii', 'backslashreplace').decode()!r} is not a Nuon id: it contains the "
            f"invisible or reordering character {char}.",
            name,
        )
    return value


def validate_nuon_id(name: str, value: object, kind: str) -> str:
    """Return ``value`` if it has the shape of a Nuon ``kind`` id (``install``, ``component``, ``build``…), else
    raise :class:`InvalidIdError` saying an id is needed and where to find it."""
    validate_id(name, value)
    assert isinstance(value, str)
    prefix = ID_PREFIXES[kind]
    if _NUON_ID.fullmatch(value) and value.startswith(prefix):
        return value
    example = prefix + "0a1b2c3d4e5f6g7h8i9j0k1l2"[: 26 - len(prefix)]
    where = _WHERE.get(kind, "the Nuon dashboard")
    raise InvalidIdError(
        f"{name} {value!r} is not a Nuon {kind} id: those are 26 lowercase letters and digits starting with "
        f"'{prefix}' (e.g. {example}). Pass the id, not the name; find it on {where}.",
        name,
    )
