"""Everything `LocalEngine` takes from the Pulumi Python SDK beyond its public API, in one place.

- The wire markers (`pulumi.runtime.rpc`): the unknown sentinel and the signature of a secret value.
- The runtime settings a Python program runs under, for a callable program run in this process: the SDK keeps
  them in `ContextProperty`s whose setter also replaces a *process-wide default* the first time a value is set
  in a context. Left alone, the last engine's monitor stub (and its gRPC channel) would stay reachable from
  every thread of the process after the operation; `ProgramRuntime` puts the defaults back afterwards.

`check_sdk()` verifies that these internals are where this module expects them and fails with one clear message
(which SDK was found, what is missing, which versions were tested) instead of an `AttributeError` mid-operation.
"""

from __future__ import annotations

import importlib.metadata
import threading
from typing import Any

import grpc

from .context import RunContext
from .errors import SdkUnsupportedError

__all__ = [
    "MINIMUM_SDK",
    "SECRET_SIG",
    "SIG_KEY",
    "TESTED_SDK",
    "UNKNOWN_WIRE",
    "ProgramRuntime",
    "check_sdk",
    "grpc_options",
    "sdk_version",
]

TESTED_SDK = "3.272"
"""The Pulumi SDK version this module was written against and tested with."""
MINIMUM_SDK = (3, 256)
"""The oldest SDK LocalEngine runs programs with: its monitor answers invokes with
``resource_pb2.ResourceInvokeResponse`` (3.256), and the suite passes there (below it, programs fail to start).
The package itself needs less (``pulumi>=3.171`` in pyproject.toml): only this test tool needs more."""

_NEEDED = (
    ("pulumi.runtime.rpc", ("UNKNOWN", "_special_sig_key", "_special_secret_sig")),
    ("pulumi.runtime.settings", ("Settings", "SETTINGS", "ROOT", "configure")),
    ("pulumi.runtime.config", ("set_all_config",)),
    ("pulumi.runtime.stack", ("run_in_stack",)),
    ("pulumi.runtime._grpc_settings", ("_GRPC_CHANNEL_OPTIONS",)),
    ("pulumi._utils", ("ContextProperty",)),
)
_DEFAULT_ATTR = "_ContextProperty__default"  # the name-mangled process-wide default of a ContextProperty


def sdk_version() -> str:
    """The installed `pulumi` package's version ("unknown" if its metadata is missing)."""
    try:
        return importlib.metadata.version("pulumi")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_checked = False


def check_sdk() -> None:
    """Raise `SdkUnsupportedError` naming what is missing unless the SDK has every internal this module uses."""
    global _checked
    if _checked:
        return
    version = sdk_version()
    problems: list[str] = []
    if not version.startswith("3."):
        problems.append(f"pulumi {version} is not a 3.x SDK")
    elif _release(version) < MINIMUM_SDK:
        problems.append(f"LocalEngine needs pulumi >= {'.'.join(map(str, MINIMUM_SDK))} (pip install -U pulumi)")
    for module_name, names in _NEEDED:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            problems.append(f"cannot import {module_name} ({exc})")
            continue
        problems.extend(f"{module_name}.{name} is missing" for name in names if not hasattr(module, name))
    if not problems:
        from pulumi._utils import ContextProperty
        from pulumi.runtime.settings import Settings

        props = [p for p in vars(Settings).values() if isinstance(p, ContextProperty)]
        if not props or not all(hasattr(p, _DEFAULT_ATTR) for p in props):
            problems.append("pulumi.runtime.settings.Settings no longer keeps its values in ContextProperty defaults")
    if problems:
        raise SdkUnsupportedError(
            f"LocalEngine cannot drive the installed Pulumi SDK (pulumi {version}; tested with {TESTED_SDK}): "
            + "; ".join(problems)
        )
    _checked = True


def _release(version: str) -> tuple[int, int]:
    """(major, minor) of a version string such as "3.256.0"; (0, 0) when it cannot be read."""
    try:
        major, minor = version.split(".")[:2]
        return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)
    except ValueError:
        return (0, 0)


def _markers() -> tuple[str, str, str]:
    from pulumi.runtime import rpc

    return str(rpc.UNKNOWN), str(rpc._special_sig_key), str(rpc._special_secret_sig)


UNKNOWN_WIRE, SIG_KEY, SECRET_SIG = _markers()
"""The SDK's markers on the wire: a value not known yet, and the signature key/value of a secret object."""


def grpc_options() -> list[tuple[str, int]]:
    """The SDK's gRPC channel/server options (a 400 MB message limit, a long queueing allowance)."""
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS

    return list(_GRPC_CHANNEL_OPTIONS)


# Settings are process-wide defaults underneath (see the module docstring), so two callable programs must not
# run in this process at the same time.
_IN_PROCESS = threading.Lock()


class ProgramRuntime:
    """Configures the SDK's runtime for one callable program run in this process, and undoes it afterwards.

    Use it on the thread that runs the program, inside a copy of the caller's `contextvars` context::

        with ProgramRuntime(context, root_directory=os.getcwd()) as runtime:
            loop.run_until_complete(runtime.run_in_stack(body))

    On exit the SDK's process-wide settings defaults are restored to what they were before, and the gRPC
    channels to the monitor and the engine are closed.
    """

    def __init__(self, context: RunContext, *, root_directory: str) -> None:
        self._context = context
        self._root_directory = root_directory
        self._channels: list[grpc.Channel] = []
        self._defaults: list[tuple[Any, Any]] = []
        self._holding = False

    def __enter__(self) -> ProgramRuntime:
        check_sdk()
        from pulumi._utils import ContextProperty
        from pulumi.runtime import config as runtime_config
        from pulumi.runtime import settings as runtime_settings
        from pulumi.runtime.proto import engine_pb2_grpc, resource_pb2_grpc

        _IN_PROCESS.acquire()
        self._holding = True
        try:
            props = [p for p in vars(runtime_settings.Settings).values() if isinstance(p, ContextProperty)]
            self._defaults = [(p, getattr(p, _DEFAULT_ATTR)) for p in props]
            context = self._context
            monitor_channel = grpc.insecure_channel(context.monitor, options=grpc_options())
            engine_channel = grpc.insecure_channel(context.engine, options=grpc_options())
            self._channels = [monitor_channel, engine_channel]
            settings = runtime_settings.Settings(
                monitor=resource_pb2_grpc.ResourceMonitorStub(monitor_channel),
                engine=engine_pb2_grpc.EngineStub(engine_channel),
                project=context.project,
                stack=context.stack,
                parallel=context.parallel,
                dry_run=context.preview,
                organization=context.organization,
                root_directory=self._root_directory,
            )
            runtime_settings.configure(settings)
            runtime_settings.ROOT.set(None)
            runtime_config.set_all_config(dict(context.config), list(context.secret_keys))
        except BaseException:
            self._restore()
            raise
        return self

    def run_in_stack(self, body: Any) -> Any:
        """The SDK's `run_in_stack(body)` coroutine (registers the stack resource, runs `body`, waits for RPCs)."""
        from pulumi.runtime.stack import run_in_stack

        return run_in_stack(body)

    def __exit__(self, *exc_info: object) -> None:
        self._restore()

    def _restore(self) -> None:
        try:
            for prop, default in self._defaults:
                setattr(prop, _DEFAULT_ATTR, default)
            self._defaults = []
            for channel in self._channels:
                channel.close()
            self._channels = []
        finally:
            if self._holding:
                self._holding = False
                _IN_PROCESS.release()
