"""``pulumi-nuon``: the command line. ``main`` is the console script's entry point (``python -m pulumi_nuon`` too)."""

from pulumi_nuon.cli.commands import main
from pulumi_nuon.core.constants import EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TIMEOUT

__all__ = ["EXIT_ERROR", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TIMEOUT", "main"]
