"""What can be a Nuon id: checked before any request, so a bad id fails at once with the argument's name."""

from __future__ import annotations

import re

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import InvalidIdError

__all__ = ["validate_id"]

_ID_FORBIDDEN = re.compile(r"[\s/\\?#%\x00-\x1f\x7f]")


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
    return value
