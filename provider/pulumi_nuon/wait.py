"""Stable import path for :mod:`pulumi_nuon.gate.wait` (the code lives there; this module only re-exports it)."""

from pulumi_nuon.gate.wait import *  # noqa: F403
from pulumi_nuon.gate.wait import __all__ as __all__
