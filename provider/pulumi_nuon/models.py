"""Stable import path for :mod:`pulumi_nuon.api.models` (the code lives there; this module only re-exports it)."""

from pulumi_nuon.api.models import *  # noqa: F403
from pulumi_nuon.api.models import __all__ as __all__
