"""Stable import path for :mod:`pulumi_nuon.api.client` (the code lives there; this module only re-exports it)."""

from pulumi_nuon.api.client import *  # noqa: F403
from pulumi_nuon.api.client import __all__ as __all__
