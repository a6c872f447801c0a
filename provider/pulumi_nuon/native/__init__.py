"""The native front end: the provider plugin ``nuon`` that serves the resources and functions to every language.

Built on :mod:`pulumi_nuon.core` like the dynamic front end, and depending on nothing else of this package:

    schema     the Pulumi package schema, generated from the option and settings tables (no Pulumi import)
    sdk        which ``pulumi`` SDK versions the plugin runs on, checked before it starts
    values     Pulumi property values to and from the core's plain values (camelCase, secrets, unknowns)
    provider   the provider: check, diff, create, read, update, delete, invoke, cancel over the core
    server     the gRPC adapter: serves the provider, clean error messages, the engine's Log, ``main``

Run it as ``pulumi-resource-nuon <engine address>`` (what the engine does), or through ``provider/`` as a plugin
directory (``PulumiPlugin.yaml``). :func:`main` checks the SDK version before importing anything of Pulumi, so an
old SDK ends in one clear line rather than an ImportError.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """The plugin's entry point (``pulumi-resource-nuon``): serve until the engine stops the process."""
    from pulumi_nuon.native.sdk import exit_unless_supported

    exit_unless_supported()
    from pulumi_nuon.native.server import serve_plugin

    serve_plugin(argv)
