"""A tiny provider plugin for the LocalEngine tests: package `testprov`, resource `testprov:index:Thing`.

Started the way the engine starts a plugin (`python thing_plugin.py <engine address>`), it prints its port and
serves the `ResourceProvider` gRPC service with the SDK's own stubs — a stand-in for the native `nuon` plugin
until that exists. Its behaviour is steered by each Thing's inputs:

- `key` (required, non-empty: a `CheckFailure` otherwise) names the resource; a changed `key` replaces it;
- `sleep` seconds of work in Create (cut short by `Cancel`), `waitForCancel` waits until `Cancel` arrives,
  `fail` makes Create/Update fail with that message;
- outputs add `pid`, `startedAt`/`finishedAt` (epoch seconds), the `timeout` Create/Update received, the
  provider config's `region` and a SHA-256 of its secret `token` (never the token).

Resources live as `<store>/<id>.json` (`testprov:store` config) so tests see creates, updates and deletes. Create
sends the engine ephemeral status lines on the resource's row and one info diagnostic through `Engine.Log`.
The function `testprov:index:getThing` returns `{key, exists, region}`. `Configure` answers `acceptSecrets=True`:
secret inputs arrive wrapped and go back wrapped.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
import uuid
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, plugin_pb2, provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.rpc import _special_secret_sig as SECRET
from pulumi.runtime.rpc import _special_sig_key as SIG

COMPARED = ("key", "value", "sleep", "fail", "waitForCancel", "dbr")


def plain(value: Any) -> Any:
    """A value with secret wrappers removed."""
    if isinstance(value, dict):
        if value.get(SIG) == SECRET:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update({k: v for k, v in values.items() if v is not None})
    return out


class ThingProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, engine_address: str) -> None:
        self.engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine_address))
        self.cancelled = threading.Event()
        self.config: dict[str, Any] = {}

    # -- helpers -------------------------------------------------------------------------------------------------

    def log(self, urn: str, message: str, *, ephemeral: bool = False, severity: int = engine_pb2.INFO) -> None:
        self.engine.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn, ephemeral=ephemeral))

    def store(self) -> Path:
        return Path(str(plain(self.config.get("store"))))

    def outputs(self, props: dict[str, Any], started: float, timeout: float) -> dict[str, Any]:
        token = plain(self.config.get("token"))
        return {
            **props,
            "pid": os.getpid(),
            "startedAt": started,
            "finishedAt": time.time(),
            "timeout": timeout,
            "region": plain(self.config.get("region")),
            "tokenSha256": hashlib.sha256(str(token).encode()).hexdigest() if token else None,
        }

    def work(self, props: dict[str, Any], urn: str, context: Any) -> None:
        """Sleep / wait for Cancel / fail, as the inputs say."""
        key = plain(props.get("key"))
        self.log(urn, f"working on {key}", ephemeral=True)
        deadline = time.monotonic() + float(plain(props.get("sleep")) or 0)
        while plain(props.get("waitForCancel")) or time.monotonic() < deadline:
            if self.cancelled.wait(0.02):
                context.abort(grpc.StatusCode.UNKNOWN, f"canceled: work on {key} was interrupted by the engine")
        if plain(props.get("fail")):
            context.abort(grpc.StatusCode.UNKNOWN, str(plain(props["fail"])))

    # -- the protocol --------------------------------------------------------------------------------------------

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version="0.0.1")

    def CheckConfig(self, request: Any, context: Any) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    def Configure(self, request: Any, context: Any) -> Any:
        self.config = to_dict(request.args)
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=False)

    def Check(self, request: Any, context: Any) -> Any:
        news = to_dict(request.news)
        key = news.get("key")
        failures = []
        if key != UNKNOWN and (not isinstance(plain(key), str) or not plain(key)):
            failures.append(provider_pb2.CheckFailure(property="key", reason="key must be a non-empty string"))
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def Diff(self, request: Any, context: Any) -> Any:
        olds, news = plain(to_dict(request.olds)), plain(to_dict(request.news))
        changed = [k for k in COMPARED if olds.get(k) != news.get(k)]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
            replaces=[k for k in changed if k == "key"],
            deleteBeforeReplace=bool(news.get("dbr")),
        )

    def Create(self, request: Any, context: Any) -> Any:
        started = time.time()
        props = to_dict(request.properties)
        self.work(props, request.urn, context)
        id_ = f"{plain(props['key'])}-{uuid.uuid4().hex[:8]}"
        outs = self.outputs(props, started, request.timeout)
        (self.store() / f"{id_}.json").write_text(json.dumps(outs))
        self.log(request.urn, f"created {plain(props['key'])}", ephemeral=True)
        self.log(request.urn, f"thing {id_} is ready in {outs['region']}")
        return provider_pb2.CreateResponse(id=id_, properties=to_struct(outs))

    def Update(self, request: Any, context: Any) -> Any:
        started = time.time()
        props = to_dict(request.news)
        self.work(props, request.urn, context)
        outs = self.outputs(props, started, request.timeout)
        (self.store() / f"{request.id}.json").write_text(json.dumps(outs))
        return provider_pb2.UpdateResponse(properties=to_struct(outs))

    def Read(self, request: Any, context: Any) -> Any:
        path = self.store() / f"{request.id}.json"
        if not path.exists():
            return provider_pb2.ReadResponse(id="")
        return provider_pb2.ReadResponse(id=request.id, properties=to_struct(json.loads(path.read_text())))

    def Delete(self, request: Any, context: Any) -> Any:
        (self.store() / f"{request.id}.json").unlink(missing_ok=True)
        self.log(request.urn, f"deleted {request.id} (timeout {request.timeout:g})")
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        if request.tok != "testprov:index:getThing":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"unknown function {request.tok}")
        key = plain(to_dict(request.args).get("key"))
        exists = any(p.name.startswith(f"{key}-") for p in self.store().glob("*.json"))
        region = plain(self.config.get("region"))
        return provider_pb2.InvokeResponse(**{"return": to_struct({"key": key, "exists": exists, "region": region})})

    def Cancel(self, request: Any, context: Any) -> Any:
        self.cancelled.set()
        sys.stderr.write("testprov: cancel received\n")
        return empty_pb2.Empty()


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(ThingProvider(sys.argv[-1]), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
