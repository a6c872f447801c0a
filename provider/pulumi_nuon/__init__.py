"""pulumi-nuon: read and wait on Nuon from Pulumi programs.

Data-source functions (``get_component_releases``, ``get_latest_deploy`` and their ``_output`` forms), dynamic
resources (``ComponentReleases``, ``LatestDeploy``, ``DeployGate``) and the API client under them
(``NuonClient``, ``AsyncNuonClient``), usable without Pulumi.

The package is laid out by layer: :mod:`pulumi_nuon.core` (settings, client, models, status rules, waiting, the
option table; no Pulumi), :mod:`pulumi_nuon.dynamic` (the Python front end: functions and dynamic resources),
:mod:`pulumi_nuon.cli` and :mod:`pulumi_nuon.testing`. Names are loaded on first use (PEP 562), so
``import pulumi_nuon`` — and ``pulumi_nuon.NuonClient`` — never import Pulumi; ``pulumi_nuon.DeployGate`` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pulumi_nuon._version import __version__

if TYPE_CHECKING:
    from pulumi_nuon.api.client import AsyncNuonClient, NuonClient
    from pulumi_nuon.api.models import (
        ComponentRelease,
        ComponentReleaseStep,
        CompositeStatus,
        InstallDeploy,
        RunnerJob,
    )
    from pulumi_nuon.core.errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        ConfigurationError,
        DeployFailedError,
        DeployGateError,
        DeployTimeoutError,
        InvalidArgumentError,
        InvalidIdError,
        NotFoundError,
        NuonError,
        PermissionDeniedError,
        RateLimitError,
        ReleasesNotServedError,
        ResponseValidationError,
    )
    from pulumi_nuon.core.status import DeployPhase, classify
    from pulumi_nuon.dynamic.component_releases import ComponentReleases, ComponentReleasesArgs
    from pulumi_nuon.dynamic.deploy_gate import DeployGate, DeployGateArgs
    from pulumi_nuon.dynamic.functions import (
        GetComponentReleasesResult,
        GetLatestDeployResult,
        get_component_releases,
        get_component_releases_output,
        get_latest_deploy,
        get_latest_deploy_output,
    )
    from pulumi_nuon.dynamic.latest_deploy import LatestDeploy, LatestDeployArgs
    from pulumi_nuon.dynamic.stack_config import stack_config

# Where each public name lives; `__getattr__` imports the module on first use.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("AsyncNuonClient", "NuonClient"), "pulumi_nuon.api.client"),
    **dict.fromkeys(
        (
            "APIConnectionError",
            "APIError",
            "APIStatusError",
            "APITimeoutError",
            "AuthenticationError",
            "ConfigurationError",
            "DeployFailedError",
            "DeployGateError",
            "DeployTimeoutError",
            "InvalidArgumentError",
            "InvalidIdError",
            "NotFoundError",
            "NuonError",
            "PermissionDeniedError",
            "RateLimitError",
            "ReleasesNotServedError",
            "ResponseValidationError",
        ),
        "pulumi_nuon.core.errors",
    ),
    **dict.fromkeys(
        ("ComponentRelease", "ComponentReleaseStep", "CompositeStatus", "InstallDeploy", "RunnerJob"),
        "pulumi_nuon.api.models",
    ),
    **dict.fromkeys(("DeployPhase", "classify"), "pulumi_nuon.core.status"),
    **dict.fromkeys(
        (
            "GetComponentReleasesResult",
            "GetLatestDeployResult",
            "get_component_releases",
            "get_component_releases_output",
            "get_latest_deploy",
            "get_latest_deploy_output",
        ),
        "pulumi_nuon.dynamic.functions",
    ),
    **dict.fromkeys(("ComponentReleases", "ComponentReleasesArgs"), "pulumi_nuon.dynamic.component_releases"),
    **dict.fromkeys(("DeployGate", "DeployGateArgs"), "pulumi_nuon.dynamic.deploy_gate"),
    **dict.fromkeys(("LatestDeploy", "LatestDeployArgs"), "pulumi_nuon.dynamic.latest_deploy"),
    "stack_config": "pulumi_nuon.dynamic.stack_config",
}

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
    "InvalidArgumentError",
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
    "stack_config",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_nuon' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
