"""Stable import path for the status vocabulary (:mod:`pulumi_nuon.core.status`) and the gate's rules
(:mod:`pulumi_nuon.gate.rules`): the code lives there; this module only re-exports both."""

from pulumi_nuon.core.status import *  # noqa: F403
from pulumi_nuon.core.status import __all__ as _vocabulary
from pulumi_nuon.gate.rules import *  # noqa: F403
from pulumi_nuon.gate.rules import __all__ as _rules

__all__ = sorted([*_vocabulary, *_rules])
