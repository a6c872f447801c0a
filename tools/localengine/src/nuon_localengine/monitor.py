"""The engine's gRPC services, as the language SDKs and provider plugins reach them: one server on 127.0.0.1.

- `ResourceMonitor` (the program's side): `RegisterResource`, `RegisterResourceOutputs`, `ReadResource`, `Invoke`,
  `SupportsFeature` / `GetDeploymentInfo`, `SignalAndWaitForShutdown`. Each call goes to the running
  `steps.Operation`; outside an operation, or once it stopped, the monitor answers `UNAVAILABLE` as a monitor
  that has shut down does. Only the `secrets` feature is announced, so SDKs send resources as ids/URNs and plain
  values rather than resource references or output values.
- `Engine` (everyone's side): `Log` — kept on the operation's result with its URN and `ephemeral` flag, debug
  messages dropped as the CLI drops them without `--debug` —,
  `GetRootResource`/`SetRootResource`, `RequirePulumiVersion` (accepted).

The server uses the SDK's own `pulumi.runtime.proto` stubs; a `RegisterResource` blocks its server thread until
its step is done, so the pool is large.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, resource_pb2, resource_pb2_grpc

from .context import RunContext
from .errors import InvokeError, MonitorShutDown, StepFailed
from .hosts import LOOPBACK
from .results import LogMessage
from .sdk import grpc_options
from .steps import Operation

__all__ = ["EngineServer"]

_SEVERITIES = {0: "debug", 1: "info", 2: "warning", 3: "error"}
_FEATURES = frozenset({"secrets"})


class EngineServer:
    """The `ResourceMonitor` and `Engine` services of one `LocalEngine`, on `address` (127.0.0.1:<port>)."""

    def __init__(self, *, max_workers: int, on_log: Callable[[LogMessage], None] | None = None) -> None:
        self.operation: Operation | None = None
        self.deployment: RunContext | None = None  # what the current operation's program runs under
        self.on_log = on_log
        self.root_urn = ""
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pulumi-nuon-monitor")
        self._server = grpc.server(self._executor, options=grpc_options())
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_ResourceMonitor(self), self._server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(self), self._server)
        port = self._server.add_insecure_port(f"{LOOPBACK}:0")
        self._server.start()
        self.address = f"{LOOPBACK}:{port}"

    def current(self) -> Operation:
        operation = self.operation
        if operation is None:
            raise MonitorShutDown("the resource monitor is not running an operation")
        return operation

    def stop(self) -> None:
        self._server.stop(grace=None)
        self._executor.shutdown(wait=False, cancel_futures=True)


def _abort(context: Any, code: grpc.StatusCode, message: str) -> None:
    context.abort(code, message)


def _guarded(server: EngineServer, context: Any, fn: Callable[[Operation], Any]) -> Any:
    """Run one monitor call against the current operation, mapping our exceptions to gRPC statuses."""
    try:
        operation = server.current()
        return fn(operation)
    except (MonitorShutDown, StepFailed) as exc:
        # A failed step stops the operation: the engine's monitor shuts down and the SDK sees UNAVAILABLE.
        _abort(context, grpc.StatusCode.UNAVAILABLE, str(exc))
    except InvokeError as exc:
        _abort(context, grpc.StatusCode.UNKNOWN, str(exc))
    except Exception:
        text = traceback.format_exc()
        current = server.operation
        if current is not None:
            current.fail(f"LocalEngine internal error:\n{text}")
        _abort(context, grpc.StatusCode.INTERNAL, f"LocalEngine internal error:\n{text}")
    return None


class _ResourceMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, server: EngineServer) -> None:
        self._server = server

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        info = self._server.deployment
        if info is None:
            return resource_pb2.DeploymentInfo(supportedFeatures=[resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS])
        return resource_pb2.DeploymentInfo(
            project=info.project,
            stack=info.stack,
            organization=info.organization,
            config=dict(info.config),
            configSecretKeys=list(info.secret_keys),
            dryRun=info.preview,
            parallel=info.parallel,
            supportedFeatures=[resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS],
        )

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in _FEATURES)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        def call(op: Operation) -> Any:
            urn, id_, outputs = op.register(request)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=outputs)

        return _guarded(self._server, context, call)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        def call(op: Operation) -> Any:
            op.register_outputs(request.urn, request.outputs)
            return empty_pb2.Empty()

        return _guarded(self._server, context, call)

    def ReadResource(self, request: Any, context: Any) -> Any:
        def call(op: Operation) -> Any:
            urn, _, outputs = op.read_resource(request)
            return resource_pb2.ReadResourceResponse(urn=urn, properties=outputs)

        return _guarded(self._server, context, call)

    def Invoke(self, request: Any, context: Any) -> Any:
        def call(op: Operation) -> Any:
            returned, failures = op.invoke(request.tok, request.args, request.provider)
            return resource_pb2.ResourceInvokeResponse(failures=failures, **{"return": returned})

        return _guarded(self._server, context, call)

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    def Call(self, request: Any, context: Any) -> Any:
        _abort(context, grpc.StatusCode.UNIMPLEMENTED, "LocalEngine does not support method calls on components")


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, server: EngineServer) -> None:
        self._server = server

    def Log(self, request: Any, context: Any) -> Any:
        if request.severity == engine_pb2.DEBUG:
            # The CLI shows debug messages only with --debug; the SDKs' carry whole RPC payloads, secrets included.
            return empty_pb2.Empty()
        message = LogMessage(
            severity=_SEVERITIES.get(int(request.severity), "info"),
            message=request.message,
            urn=request.urn,
            ephemeral=bool(request.ephemeral),
        )
        operation = self._server.operation
        if operation is not None:
            operation.add_log(message)
        if self._server.on_log is not None:
            self._server.on_log(message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self._server.root_urn)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self._server.root_urn = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: Any) -> Any:
        return engine_pb2.RequirePulumiVersionResponse()
