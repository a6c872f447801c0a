"""Which ``pulumi`` SDK versions the native provider runs on, checked before any of its Pulumi imports.

The plugin is built on the SDK's experimental provider API (``pulumi.provider.experimental``), which first shipped
in 3.171.0 and still changes between minor versions; everything that touches it is in ``provider`` and ``server``.
The test suite runs against the versions in :data:`TESTED`; a newer 3.x is allowed (the adapter is small and the
suite says when it breaks), anything older than :data:`MINIMUM` or a 4.x is refused with one clear message.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from pulumi_nuon.core.errors import NuonError

__all__ = ["MINIMUM", "TESTED", "UnsupportedSDKError", "exit_unless_supported", "require_supported"]

MINIMUM = (3, 171, 0)
"""The first SDK with ``pulumi.provider.experimental.provider.Provider`` and ``server.main``."""
TESTED = ("3.171.0", "3.272.0")
"""The oldest and newest SDK versions the protocol suite (``tests/native``) has passed on."""


class UnsupportedSDKError(NuonError):
    """The installed ``pulumi`` SDK cannot run the native provider."""


def _parse(version: str) -> tuple[int, int, int] | None:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def require_supported(version: str | None = None) -> str:
    """The installed SDK version (or ``version``), or raise :class:`UnsupportedSDKError` saying what to install."""
    try:
        found = version if version is not None else metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        found = "not installed"
    parsed = _parse(found)
    if parsed is None or parsed < MINIMUM or parsed[0] != MINIMUM[0]:
        wanted = ".".join(map(str, MINIMUM))
        raise UnsupportedSDKError(
            f"The nuon provider plugin needs the pulumi Python SDK >= {wanted} and < 4 (found: {found}; tested: "
            f"{TESTED[0]} to {TESTED[1]}). Install one into the Python that runs the plugin: "
            f"python -m pip install 'pulumi>={wanted},<4'"
        )
    return found


def exit_unless_supported() -> None:
    """:func:`require_supported`, ending the process with the message (exit code 1) when the SDK will not do."""
    try:
        require_supported()
    except UnsupportedSDKError as err:
        sys.stderr.write(f"error: {err}\n")
        sys.exit(1)
