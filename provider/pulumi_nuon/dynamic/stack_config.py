"""The running stack's config as a settings source: ``stack_config("nuon:orgId")`` reads ``pulumi.Config``.

Pass it where settings are resolved inside a Pulumi program (the data-source functions do), e.g.
``NuonClient(config=nuon.stack_config)``; nothing is installed globally. Outside a program it finds nothing.
"""

from __future__ import annotations

import pulumi

__all__ = ["stack_config"]


def stack_config(key: str) -> str | None:
    """The value of the namespaced stack config ``key`` (``"nuon:apiToken"``), or None when unset.

    Secrets are returned in plain text (``pulumi.Config.get`` does that too): the value goes to the client only.
    """
    namespace, _, name = key.partition(":")
    try:
        return pulumi.Config(namespace).get(name)
    except Exception:  # no usable runtime (e.g. called outside a program): no stack config, not a crash
        return None
