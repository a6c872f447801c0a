"""What can be a Nuon id: checked before any request, so a bad id fails at once with the argument's name."""

from __future__ import annotations

import re
import unicodedata

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import InvalidIdError

__all__ = ["validate_id"]

_ID_FORBIDDEN = re.compile(r"[\s/\\?#%\x00-\x1f\x7f]")
# Invisible or reordering characters (bidi overrides, zero-width spaces and joiners, byte-order marks: Unicode
# categories Cc, Cf, Co, Cs, Cn, Zs, Zl, Zp) make an id read as another in a log or a terminal.
_INVISIBLE_CATEGORIES = ("C", "Z")


def _invisible(value: str) -> str | None:
    for char in value:
        if not char.isascii() and unicodedata.category(char).startswith(_INVISIBLE_CATEGORIES):
            return f"U+{ord(char):04X} ({unicodedata.name(char, unicodedata.category(char))})"
    return None


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
