"""Stack config for the client when it runs inside a Pulumi program (the program side, not the provider host).

Importing this module installs an ambient config source into :mod:`pulumi_nuon.settings`, so ``NuonClient()`` and
the data-source functions read ``nuon:apiToken``, ``nuon:orgId`` and ``nuon:apiUrl`` from the running stack.
"""

from __future__ import annotations

import pulumi

from pulumi_nuon.settings import _set_ambient_config_source

__all__: list[str] = []


def _stack_config(key: str) -> str | None:
    namespace, _, name = key.partition(":")
    return pulumi.Config(namespace).get(name)


def _install() -> None:
    _set_ambient_config_source(_stack_config)


_install()
