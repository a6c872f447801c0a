"""Stable import path for :mod:`pulumi_nuon.core.errors` (the code lives there; this module only re-exports it)."""

from pulumi_nuon.core.errors import *  # noqa: F403
from pulumi_nuon.core.errors import __all__ as __all__
