"""Stable import path for :mod:`pulumi_nuon.core.settings` (the code lives there; this module only re-exports it)."""

from pulumi_nuon.core.settings import *  # noqa: F403
from pulumi_nuon.core.settings import __all__ as __all__
