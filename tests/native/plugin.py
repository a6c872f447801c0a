"""Drive the `nuon` plugin process over gRPC as the engine does, with the SDK's own stubs, and stand in for the
engine's `Log` service so tests see what a user would see on a resource's row.

`Plugin` starts `pulumi-resource-nuon <engine address>` (the console script), reads its port from stdout, keeps its
stderr, and offers the engine's calls with plain Python values (camelCase keys, `Secret(...)` for secrets).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from pulumi_nuon.core.options import Spec, camel
from pulumi_nuon.testing.simulator import Deploy, Simulator, Timeline

SCRIPT = Path(sys.executable).with_name("pulumi-resource-nuon")


@dataclass(frozen=True)
class Secret:
    """A value sent as a secret."""

    value: Any


@dataclass(frozen=True)
class LogLine:
    severity: int
    urn: str
    message: str
    ephemeral: bool


class FakeEngine(engine_pb2_grpc.EngineServicer):  # type: ignore[misc]
    """The engine's `Log` service on 127.0.0.1, keeping every message."""

    def __init__(self) -> None:
        self.lines: list[LogLine] = []
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def Log(self, request: Any, context: Any) -> Any:
        with self._lock:
            self.lines.append(LogLine(request.severity, request.urn, request.message, request.ephemeral))
        return empty_pb2.Empty()

    def on(self, urn: str, *, ephemeral: bool | None = None, severity: int | None = None) -> list[str]:
        """The messages logged on ``urn`` (only the ephemeral ones, or only the others; of one severity)."""
        with self._lock:
            return [
                line.message
                for line in self.lines
                if line.urn == urn
                and (ephemeral is None or line.ephemeral is ephemeral)
                and (severity is None or line.severity == severity)
            ]

    def stop(self) -> None:
        self._server.stop(grace=0)


def to_value(value: Any) -> struct_pb2.Value:
    if isinstance(value, Secret):
        return _secret(to_value(value.value))
    v = struct_pb2.Value()
    if value is None:
        v.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        v.bool_value = value
    elif isinstance(value, (int, float)):
        v.number_value = float(value)
    elif isinstance(value, str):
        v.string_value = value
    elif isinstance(value, Mapping):
        v.struct_value.CopyFrom(to_struct(value))
    else:
        v.list_value.values.extend(to_value(item) for item in value)
    return v


def _secret(inner: struct_pb2.Value) -> struct_pb2.Value:
    s = struct_pb2.Struct()
    s.fields[rpc._special_sig_key].string_value = rpc._special_secret_sig
    s.fields["value"].CopyFrom(inner)
    v = struct_pb2.Value()
    v.struct_value.CopyFrom(s)
    return v


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    for key, value in values.items():
        s.fields[key].CopyFrom(to_value(value))
    return s


def from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        if rpc._special_sig_key in fields and fields[rpc._special_sig_key].string_value == rpc._special_secret_sig:
            return Secret(from_value(fields["value"]))
        return {k: from_value(v) for k, v in fields.items()}
    if kind == "list_value":
        return [from_value(v) for v in value.list_value.values]
    if kind == "number_value":
        n = value.number_value
        return int(n) if n.is_integer() else n
    if kind == "null_value" or kind is None:
        return None
    return getattr(value, kind)


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {k: from_value(v) for k, v in struct.fields.items()}


def reveal(value: Any) -> Any:
    """`value` with secrets unwrapped."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def camel_inputs(values: Mapping[str, Any]) -> dict[str, Any]:
    return {camel(k): v for k, v in values.items()}


def snake_outputs(spec: Spec, values: Mapping[str, Any]) -> dict[str, Any]:
    names = {o.camel_name: o.name for o in (*spec.inputs, *spec.outputs)}
    return {names.get(k, k): v for k, v in values.items()}


@dataclass
class Outcome:
    """How a Create (or Update) ended: outputs, or the engine-facing error message."""

    ok: bool
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0


class Plugin:
    """The plugin process and a channel to it."""

    def __init__(self, engine: FakeEngine, env: Mapping[str, str], command: list[str] | None = None) -> None:
        """`command`: how to start it, the engine's address last (default: the console script, the address, a flag)."""
        self.engine = engine
        started = time.monotonic()
        self.process = subprocess.Popen(
            command or [str(SCRIPT), engine.address, "--logtostderr"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(env),
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        port = self.process.stdout.readline().strip()
        assert port.isdigit(), (port, self.process.stderr.read() if self.process.poll() is not None else "")
        self.startup_seconds = time.monotonic() - started
        self._stderr: list[str] = []
        self._stdout: list[str] = [port]
        self._readers = [
            threading.Thread(target=self._pump, args=(self.process.stderr, self._stderr), daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stdout, self._stdout), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    @staticmethod
    def _pump(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    @property
    def stdout(self) -> str:
        return "".join(self._stdout)

    def close(self) -> None:
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    # -- the engine's calls ---------------------------------------------------------------------------------------

    def configure(self, config: Mapping[str, Any], *, as_args: bool = False) -> dict[str, Any]:
        """CheckConfig then Configure, as the engine does for the default provider: `config` is the provider's
        inputs (`{"apiUrl": ..., "apiToken": Secret(...)}`); they go as `args` or as `nuon:config:*` variables."""
        checked = self.stub.CheckConfig(
            provider_pb2.CheckRequest(
                urn="urn:pulumi:dev::test::pulumi:providers:nuon::default", news=to_struct(config)
            )
        )
        assert not checked.failures, checked.failures
        if as_args:
            request = provider_pb2.ConfigureRequest(args=checked.inputs, acceptSecrets=True)
        else:
            variables = {f"nuon:config:{k}": str(reveal(v)) for k, v in config.items()}
            request = provider_pb2.ConfigureRequest(variables=variables, acceptSecrets=True)
        self.stub.Configure(request)
        return from_struct(checked.inputs)

    @staticmethod
    def urn(type_: str, name: str) -> str:
        return f"urn:pulumi:dev::test::nuon:index:{type_}::{name}"

    def check(self, type_: str, name: str, inputs: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> Any:
        return self.stub.Check(
            provider_pb2.CheckRequest(
                urn=self.urn(type_, name), olds=to_struct(olds or {}), news=to_struct(inputs), randomSeed=b"seed"
            )
        )

    def checked(self, type_: str, name: str, inputs: Mapping[str, Any]) -> struct_pb2.Struct:
        response = self.check(type_, name, inputs)
        assert not response.failures, response.failures
        return response.inputs

    def create(
        self, type_: str, name: str, inputs: Mapping[str, Any], *, preview: bool = False, timeout: float = 0
    ) -> Outcome:
        """Check then Create; the outcome as the engine sees it."""
        checked = self.checked(type_, name, inputs)
        return self._outcome(
            lambda: self.stub.Create(
                provider_pb2.CreateRequest(
                    urn=self.urn(type_, name), properties=checked, preview=preview, timeout=timeout
                )
            )
        )

    def create_future(self, type_: str, name: str, inputs: Mapping[str, Any], *, timeout: float = 0) -> Any:
        checked = self.checked(type_, name, inputs)
        return self.stub.Create.future(
            provider_pb2.CreateRequest(urn=self.urn(type_, name), properties=checked, timeout=timeout)
        )

    def diff(self, type_: str, name: str, olds: Mapping[str, Any], news: Mapping[str, Any], **kwargs: Any) -> Any:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                urn=self.urn(type_, name), id="id", olds=to_struct(olds), news=self.checked(type_, name, news), **kwargs
            )
        )

    def update(
        self,
        type_: str,
        name: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        preview: bool = False,
        timeout: float = 0,
    ) -> Outcome:
        checked = self.checked(type_, name, news)
        return self._outcome(
            lambda: self.stub.Update(
                provider_pb2.UpdateRequest(
                    urn=self.urn(type_, name),
                    id="id",
                    olds=to_struct(olds),
                    news=checked,
                    preview=preview,
                    timeout=timeout,
                )
            )
        )

    def read(self, type_: str, name: str, id_: str, properties: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        return self.stub.Read(
            provider_pb2.ReadRequest(
                urn=self.urn(type_, name), id=id_, properties=to_struct(properties), inputs=to_struct(inputs)
            )
        )

    def invoke(self, token: str, args: Mapping[str, Any], timeout: float | None = None) -> Any:
        return self.stub.Invoke(
            provider_pb2.InvokeRequest(tok=f"nuon:index:{token}", args=to_struct(args)), timeout=timeout
        )

    @staticmethod
    def _outcome(call: Any) -> Outcome:
        started = time.monotonic()
        try:
            response = call()
        except grpc.RpcError as err:
            return Outcome(False, error=err.details() or "", seconds=time.monotonic() - started)
        outputs = from_struct(response.properties)
        return Outcome(True, getattr(response, "id", ""), outputs, seconds=time.monotonic() - started)


class DoneOnceAllPolled:
    """Each deploy (status `executing`) turns `active` only once a gate has asked about every one of their installs,
    and the test has let go (`release()`) if it held them (`held=True`): gates that waited some at a time would never
    all have asked, so the first would wait until their timeout. Whether the gates pass says whether they waited at
    once, however loaded the machine is (a time limit could not tell a busy machine from gates taking turns)."""

    def __init__(self, sim: Simulator, deploys: list[Deploy], *, held: bool = False) -> None:
        self._sim, self._deploys = sim, {d.install_id: d for d in deploys}
        self._polled: set[str] = set()
        self._released = threading.Event()
        if not held:
            self._released.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DoneOnceAllPolled:
        for deploy in self._deploys.values():
            self._sim.set_timeline(deploy, Timeline.constant("executing"))
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def release(self) -> None:
        """Let the deploys turn `active` (once every install has been asked about)."""
        self._released.set()

    @property
    def all_polled(self) -> bool:
        return self._polled >= self._deploys.keys()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self._polled.update(
                install
                for record in self._sim.log.for_route("latest_deploy")
                if (install := record.path.split("/")[3]) in self._deploys
            )
            if self.all_polled and self._released.is_set():
                for deploy in self._deploys.values():
                    self._sim.set_timeline(deploy, Timeline.constant("active"))
                return


def plugin_env() -> dict[str, str]:
    """This process's environment without Nuon credentials (the plugin must get them from Configure)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("NUON_")}
