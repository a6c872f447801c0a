"""Stable import path for :mod:`pulumi_nuon.dynamic.resources`, and the provider names version 0.1.0 pickled.

States written by pulumi-nuon 0.1.0 hold providers pickled by reference as ``pulumi_nuon.resources.
_ComponentReleasesProvider``, ``_LatestDeployProvider`` and ``_DeployGateProvider``; the dynamic-provider host
unpickles them on every later operation, so these names must keep importing (a test unpickles 0.1.0's bytes).
"""

from pulumi_nuon.dynamic.providers import ComponentReleasesProvider as _ComponentReleasesProvider
from pulumi_nuon.dynamic.providers import DeployGateProvider as _DeployGateProvider
from pulumi_nuon.dynamic.providers import LatestDeployProvider as _LatestDeployProvider
from pulumi_nuon.dynamic.resources import *  # noqa: F403
from pulumi_nuon.dynamic.resources import __all__ as __all__

# What 0.1.0's pickles name; not part of the public API.
_PICKLED_NAMES = (_ComponentReleasesProvider, _LatestDeployProvider, _DeployGateProvider)
