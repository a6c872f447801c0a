"""pulumi-nuon: read and wait on Nuon from Pulumi programs.

Data-source functions (``get_component_releases``, ``get_latest_deploy`` and their ``_output`` forms), dynamic
resources (``ComponentReleases``, ``LatestDeploy``, ``DeployGate``) and the API client under them
(``NuonClient``, ``AsyncNuonClient``), usable without Pulumi.
"""

from pulumi_nuon._version import __version__
from pulumi_nuon.client import AsyncNuonClient, NuonClient
from pulumi_nuon.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    DeployFailedError,
    DeployGateError,
    DeployTimeoutError,
    InvalidIdError,
    NotFoundError,
    NuonError,
    PermissionDeniedError,
    RateLimitError,
    ReleasesNotServedError,
    ResponseValidationError,
)
from pulumi_nuon.functions import (
    GetComponentReleasesResult,
    GetLatestDeployResult,
    get_component_releases,
    get_component_releases_output,
    get_latest_deploy,
    get_latest_deploy_output,
)
from pulumi_nuon.models import ComponentRelease, ComponentReleaseStep, CompositeStatus, InstallDeploy, RunnerJob
from pulumi_nuon.resources import (
    ComponentReleases,
    ComponentReleasesArgs,
    DeployGate,
    DeployGateArgs,
    LatestDeploy,
    LatestDeployArgs,
)
from pulumi_nuon.status import DeployPhase, classify

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncNuonClient",
    "AuthenticationError",
    "ComponentRelease",
    "ComponentReleaseStep",
    "ComponentReleases",
    "ComponentReleasesArgs",
    "CompositeStatus",
    "ConfigurationError",
    "DeployFailedError",
    "DeployGate",
    "DeployGateArgs",
    "DeployGateError",
    "DeployPhase",
    "DeployTimeoutError",
    "GetComponentReleasesResult",
    "GetLatestDeployResult",
    "InstallDeploy",
    "InvalidIdError",
    "LatestDeploy",
    "LatestDeployArgs",
    "NotFoundError",
    "NuonClient",
    "NuonError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReleasesNotServedError",
    "ResponseValidationError",
    "RunnerJob",
    "__version__",
    "classify",
    "get_component_releases",
    "get_component_releases_output",
    "get_latest_deploy",
    "get_latest_deploy_output",
]
