"""Every exception `LocalEngine` raises on purpose, in one family under `LocalEngineError`::

    LocalEngineError            catch it to catch anything the engine raises on purpose
    ├── EngineError             an operation failed and `raise_on_error` asked for an exception (`.result`)
    ├── EngineClosedError       an operation on a closed engine, or a provider wanted outside one (also RuntimeError)
    ├── SdkUnsupportedError     the installed Pulumi SDK lacks an internal the engine relies on (also RuntimeError)
    ├── ProgramError            no program, or one that cannot be loaded or started (no Pulumi.yaml, no `node`, ...)
    ├── StateImportError        `import_stack` was given a deployment it cannot take (also ValueError)
    ├── PluginStartError        a provider plugin did not start or did not print its port (also RuntimeError)
    ├── ProviderConfigError     a provider rejected its configuration (also RuntimeError)
    ├── ProviderUnavailable     no provider could be had for a step or an invoke (one of the two above, or an
    │                           unknown provider reference)
    ├── StepFailed              a step failed; the message is what `pulumi up` would print
    ├── MonitorShutDown         the operation stopped: the resource monitor answers UNAVAILABLE
    └── InvokeError             an invoke failed; the message goes back to the program as the RPC's details

The last four are internal: they travel between the step engine and the monitor, and end as an operation's
`EngineResult.error`; a caller sees `EngineError` (with `raise_on_error=True`) or the failed result. The classes
that were `RuntimeError`s before the family existed still are, so an `except RuntimeError` keeps catching them.
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "EngineClosedError",
    "EngineError",
    "InvokeError",
    "LocalEngineError",
    "MonitorShutDown",
    "PluginStartError",
    "ProgramError",
    "ProviderConfigError",
    "ProviderUnavailable",
    "SdkUnsupportedError",
    "StateImportError",
    "StepFailed",
]


class FailedOperation(Protocol):
    """What `EngineError` reads of the failed operation's `EngineResult` (`results` imports this module, not the
    other way round: the family sits below everything else in the package)."""

    @property
    def operation(self) -> str: ...

    @property
    def success(self) -> bool: ...

    @property
    def error(self) -> str | None: ...


class LocalEngineError(Exception):
    """The base of every exception `LocalEngine` raises on purpose."""


class EngineError(LocalEngineError):
    """An operation failed and the caller asked for an exception (`raise_on_error=True`)."""

    def __init__(self, result: FailedOperation) -> None:
        super().__init__(f"{result.operation} failed:\n{result.error}")
        self.result = result  # the operation's `EngineResult`


class EngineClosedError(LocalEngineError, RuntimeError):
    """The engine is closed (or runs no operation) and cannot do what was asked."""


class SdkUnsupportedError(LocalEngineError, RuntimeError):
    """The installed Pulumi SDK lacks an internal that `LocalEngine` relies on."""


class ProgramError(LocalEngineError):
    """The program cannot be run: none given, no project there, an unsupported runtime, no `node`."""


class StateImportError(LocalEngineError, ValueError):
    """`LocalEngine.import_stack` was given something that is not a deployment it can hold; the state is unchanged."""


class PluginStartError(LocalEngineError, RuntimeError):
    """A provider plugin did not start or did not print its port."""


class ProviderConfigError(LocalEngineError, RuntimeError):
    """A provider rejected its configuration (CheckConfig failures) or could not be configured."""


class ProviderUnavailable(LocalEngineError):
    """A provider could not be started or configured (or a provider reference is unknown)."""


class StepFailed(LocalEngineError):
    """A provider (or the engine's checks) failed a step; the message is what `pulumi up` would print."""


class MonitorShutDown(LocalEngineError):
    """The operation stopped (a step failed, it was cancelled, or it ended): the monitor answers UNAVAILABLE."""


class InvokeError(LocalEngineError):
    """An invoke failed; the message goes back to the program as the RPC's error details."""
