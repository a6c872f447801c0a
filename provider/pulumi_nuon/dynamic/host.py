"""What pulumi-nuon changes in the SDK's dynamic-provider host: our failures reach the engine as their message.

The host (``python -m pulumi.dynamic``) reports any exception a provider raises as ``traceback.format_exc()``: a
28-line Python traceback with Nuon's words on its last line. Inside that process only, and only for
:class:`~pulumi_nuon.core.errors.NuonError`\\ s, the host's ``traceback`` is given a ``format_exc`` that returns the
error's own message (install, deploy, status, Nuon's description, what to do). Any other exception — from another
dynamic provider in the same program, or a bug of ours — keeps its full traceback.

This touches an SDK internal (the host module's ``traceback`` global), so it checks what it patches and does
nothing when the host looks different (a newer SDK): the only cost is the old, longer message.
"""

from __future__ import annotations

import sys
import traceback
from types import ModuleType
from typing import Any

from pulumi_nuon.core.errors import NuonError

__all__ = ["install_clean_errors"]

_HOST_MODULE = "pulumi.dynamic.__main__"


class _CleanTraceback:
    """Stands in for the ``traceback`` module in the host: the same, except ``format_exc`` for our errors."""

    def __init__(self, real: ModuleType) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def format_exc(self, limit: int | None = None, chain: bool = True) -> str:
        error = sys.exc_info()[1]
        if isinstance(error, NuonError):
            return str(error)
        return str(self._real.format_exc(limit, chain))


def install_clean_errors() -> bool:
    """In the dynamic-provider host process, make our errors reach the engine as their message; True if done.

    Elsewhere (the program's process, a test) it does nothing. Calling it again is harmless.
    """
    host = sys.modules.get("__main__")
    spec = getattr(host, "__spec__", None)
    if host is None or spec is None or spec.name != _HOST_MODULE:
        return False
    current = getattr(host, "traceback", None)
    if isinstance(current, _CleanTraceback):
        return True
    if current is not traceback or not callable(getattr(host, "_abort_with_traceback", None)):
        return False  # not the host this was written for
    host.traceback = _CleanTraceback(traceback)  # type: ignore[attr-defined]
    return True
