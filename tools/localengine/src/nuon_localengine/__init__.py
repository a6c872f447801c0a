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
The modules, each below the ones it imports (no cycle; tests/layout/test_sizes.py checks it, and that no
class is over 300 lines and no module over 400):

- `local_engine`: the class, a facade over `config_store` (config, secrets, stack references), `plugin_pool`
  (provider plugins and early-started program processes) and `runner` (the operations and the state);
- `monitor`: the gRPC services; `steps`: an operation's entry point per RPC, over `operation` (the state its units
  share) and one unit each: `step_register`, `step_read`, `step_invoke`, `step_outputs`, `step_delete`,
  `step_provider` (check/diff/create/update), `provider_access`; `resources`: the state's records; `deployment`:
  the state exported and imported;
- `providers` (which plugin serves a package; Configure), `hosts` (plugin processes), `processes` (child lifetime),
  `forkserver` (Python children forked from a server that imported the SDK) and `fork_main` (that server);
- running programs: `context` (what a program runs under), `project` (reading a project), `program` (a project as
  a process), `spares` (processes started ahead), `in_process` (a callable), `python_exec` (the exec script);
- `values` (property maps), `results` (what operations take and return), `errors` (the exception family), `sdk`
  (the SDK internals used, checked).

`LocalEngine`'s docstring lists what it models of the real engine and what it does not.
"""

from .errors import (
    EngineClosedError,
    EngineError,
    LocalEngineError,
    ProgramError,
    SdkUnsupportedError,
    StateImportError,
)
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
    "StateImportError",
    "StepRecord",
    "check_sdk",
    "sdk_version",
]
