"""The dynamic resources, gathered: ``ComponentReleases``, ``LatestDeploy`` and ``DeployGate`` with their ``*Args``.

Each lives in its own module, as in a generated Pulumi SDK (:mod:`~pulumi_nuon.dynamic.component_releases`,
:mod:`~pulumi_nuon.dynamic.latest_deploy`, :mod:`~pulumi_nuon.dynamic.deploy_gate`); this module keeps the import
path they had. Their providers (what Pulumi pickles into state) are in :mod:`pulumi_nuon.dynamic.providers`.
"""

from __future__ import annotations

from pulumi_nuon.dynamic.component_releases import ComponentReleases, ComponentReleasesArgs
from pulumi_nuon.dynamic.deploy_gate import DeployGate, DeployGateArgs
from pulumi_nuon.dynamic.latest_deploy import LatestDeploy, LatestDeployArgs

__all__ = [
    "ComponentReleases",
    "ComponentReleasesArgs",
    "DeployGate",
    "DeployGateArgs",
    "LatestDeploy",
    "LatestDeployArgs",
]
