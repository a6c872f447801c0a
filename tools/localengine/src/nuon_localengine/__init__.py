"""`LocalEngine`: run a Pulumi program like `pulumi preview/up/refresh/destroy` would, without the Pulumi CLI.

`LocalEngine` serves the engine's gRPC services (`ResourceMonitor`, `Engine`) on 127.0.0.1, runs the program the
way the CLI's language hosts do — a Python or Node.js/TypeScript project directory as its own process, or a Python
callable in this process under the SDK's real runtime — and sends each custom resource and invoke to a real
provider plugin process (the SDK's dynamic-provider host for `pulumi-python:dynamic`, any plugin command for any
other package), in the engine's call order, keeping state between operations::

    from nuon_localengine import LocalEngine, Secret

    with LocalEngine("examples/gated-rollout", project="gated-rollout", stack="dev",
                     config={"nuon:orgId": "org1", "nuon:apiToken": Secret("tok")},
                     plugins={"nuon": ["pulumi-resource-nuon"]}) as engine:
        assert engine.preview().steps["web-app-rollout"] == "create"
        result = engine.up()
        assert result.success, result.error
        assert result.outputs["status"] == "active"
        engine.destroy()

It exists for pulumi-nuon's tests and `make demo`, because it is fast; the real Pulumi CLI is the reference.
It is a distribution of its own (`nuon-localengine`, tools/localengine in the pulumi-nuon repository), not part of
the `pulumi-nuon` package users install: it is generic (no Nuon logic), uses SDK internals and needs pulumi >= 3.256.
The modules: `local_engine` (the class), `monitor` (the gRPC services), `steps` (the step engine and state),
`providers` (which plugin serves a package; Configure), `hosts` (plugin processes), `processes` (child lifetime),
`program` and `python_exec` (running programs), `values` (property maps), `results` (what operations take and
return), `sdk` (the SDK internals used, checked). `LocalEngine`'s docstring lists what it models of the real engine
and what it does not.
"""

from .errors import EngineClosedError, EngineError, LocalEngineError, ProgramError, SdkUnsupportedError
from .local_engine import LocalEngine, Program, StackSource
from .results import EngineResult, LogMessage, Secret, StepRecord
from .sdk import MINIMUM_SDK, check_sdk, sdk_version
from .values import UNKNOWN

__all__ = [
    "MINIMUM_SDK",
    "UNKNOWN",
    "EngineClosedError",
    "EngineError",
    "EngineResult",
    "LocalEngine",
    "LocalEngineError",
    "LogMessage",
    "Program",
    "ProgramError",
    "SdkUnsupportedError",
    "Secret",
    "StackSource",
    "StepRecord",
    "check_sdk",
    "sdk_version",
]
