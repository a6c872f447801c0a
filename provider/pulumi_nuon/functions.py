"""Stable import path for :mod:`pulumi_nuon.dynamic.functions` (the code lives there; this module re-exports it)."""

from pulumi_nuon.dynamic.functions import *  # noqa: F403
from pulumi_nuon.dynamic.functions import __all__ as __all__
