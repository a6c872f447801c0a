"""The gRPC side of the plugin: serve :class:`~pulumi_nuon.native.provider.NuonProvider` the way the engine expects.

A thin adapter over the SDK's experimental server (``pulumi.provider.experimental.server.ProviderServicer``), which
does the protocol's marshalling. On top of it:

- every failure reaches the engine as the provider's own message (``context.abort``), never as the SDK's
  ``"<msg>:\\n  File …"`` traceback; an unexpected exception is reported as a bug in one line, its traceback going
  to stderr (the engine's log) instead;
- ``Cancel`` reaches the provider on every SDK version (the SDK wires it only since 3.230);
- :class:`EngineLog` sends diagnostics and ephemeral status messages to the engine's ``Log`` service (the engine's
  address is the plugin's first argument), in order and without blocking the operation that reports;
- :func:`serve_plugin` prints the port on stdout (the only thing ever written there), serves on one event loop, and
  on SIGINT/SIGTERM cancels what runs and stops;
- it also stops by itself when its engine goes away (:func:`watch_engine`): the engine kills its plugins when it
  exits normally, but an engine that is SIGKILLed or crashes cannot, and a plugin left behind would idle for ever
  under PID 1. The plugin watches the engine's gRPC channel (the address it was given) and its parent process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
import grpc.aio
from google.protobuf import empty_pb2
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from pulumi_nuon._version import __version__
from pulumi_nuon.core.errors import NuonError
from pulumi_nuon.native.provider import NuonProvider, failure_text

__all__ = ["EngineLog", "NuonServicer", "serve_plugin", "start_server", "watch_engine"]

_LOG_TIMEOUT = 5.0
_FLUSH_TIMEOUT = 2.0
# As the SDK's own servers: large messages, and no cancelling of requests that wait long for a worker.
_SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", 400 * 1024 * 1024),
    ("grpc.server_max_unrequested_time_in_server", 30 * 60),
]


class EngineLog:
    """Diagnostics for the engine's ``Log`` RPC, per resource URN, delivered in the order they were made.

    Reporting never blocks and never fails the caller: each message is chained behind the previous one on the event
    loop; an engine that does not answer costs one line on stderr and nothing else.
    """

    def __init__(self, address: str | None) -> None:
        self._address = address
        self._channel: grpc.aio.Channel | None = None
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self._tail: asyncio.Future[None] | None = None
        self._failed = False

    def status(self, urn: str, message: str) -> None:
        self._send(engine_pb2.INFO, urn, message, ephemeral=True)

    def info(self, urn: str, message: str) -> None:
        self._send(engine_pb2.INFO, urn, message, ephemeral=False)

    def warning(self, urn: str, message: str) -> None:
        self._send(engine_pb2.WARNING, urn, message, ephemeral=False)

    def _send(self, severity: Any, urn: str, message: str, *, ephemeral: bool) -> None:
        if not self._address:
            return
        request = engine_pb2.LogRequest(severity=severity, message=message, urn=urn, ephemeral=ephemeral)
        self._tail = asyncio.ensure_future(self._deliver(self._tail, request))

    async def _deliver(self, previous: asyncio.Future[None] | None, request: Any) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            if self._stub is None:
                self._channel = grpc.aio.insecure_channel(self._address or "")
                self._stub = engine_pb2_grpc.EngineStub(self._channel)
            await self._stub.Log(request, timeout=_LOG_TIMEOUT)
        except Exception as err:
            if not self._failed:
                self._failed = True
                sys.stderr.write(f"nuon provider: could not send a log message to the engine: {err}\n")

    async def flush(self) -> None:
        if self._tail is not None:
            await asyncio.wait([self._tail], timeout=_FLUSH_TIMEOUT)

    async def close(self) -> None:
        await self.flush()
        if self._channel is not None:
            await self._channel.close()


def _ours(err: BaseException) -> NuonError | None:
    """The NuonError behind ``err``: the SDK re-raises handler errors wrapped (how, depends on its version)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NuonError):
            return current
        todo += [current.__cause__, current.__context__]
    return None


def message_for(err: BaseException) -> str:
    """What the engine shows for a failed call: our paragraph, or one line naming a bug in the plugin."""
    ours = _ours(err)
    if ours is not None:
        return failure_text(ours)
    traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"internal error in the nuon provider plugin ({type(err).__name__}: {first}); please report it"


_Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class NuonServicer(ProviderServicer):
    """The SDK's servicer with clean failures and a ``Cancel`` that always reaches the provider."""

    def __init__(self, provider: NuonProvider, engine_address: str, version: str = __version__) -> None:
        super().__init__([], version, provider, engine_address)
        self._nuon = provider

    async def _clean(self, handler: _Handler, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await handler(request, context)
        except NotImplementedError:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as err:
            await context.abort(grpc.StatusCode.UNKNOWN, message_for(err))

    async def GetSchema(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().GetSchema, request, context)

    async def CheckConfig(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().CheckConfig, request, context)

    async def Configure(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Configure, request, context)

    async def Check(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Check, request, context)

    async def Diff(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Diff, request, context)

    async def Create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Create, request, context)

    async def Read(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Read, request, context)

    async def Update(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Update, request, context)

    async def Delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Delete, request, context)

    async def Invoke(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._clean(super().Invoke, request, context)

    async def Cancel(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await self._nuon.cancel()
        return empty_pb2.Empty()


async def start_server(provider: NuonProvider, engine_address: str) -> tuple[grpc.aio.Server, int]:
    """Serve ``provider`` on 127.0.0.1 (a free port); the server and its port."""
    server = grpc.aio.server(options=_SERVER_OPTIONS)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(NuonServicer(provider, engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


# How often the plugin looks for its engine, and how many looks in a row must find it gone: an engine that was
# reachable and is then refused twice, a second apart, has exited (a busy engine still accepts connections).
ENGINE_CHECK_SECONDS = 1.0
ENGINE_GONE_CHECKS = 2


async def watch_engine(address: str, stop: asyncio.Event, *, parent: int | None = None) -> str:
    """Return (why) once the engine is gone: the parent process that started the plugin has exited, or the
    engine's gRPC address, reachable before, has refused connections on :data:`ENGINE_GONE_CHECKS` checks in a row.
    An address that was never reachable is not watched (the plugin may be run by hand, or by a tool that only asks
    for its schema). Returns "" when ``stop`` is set first."""
    parent = os.getppid() if parent is None else parent
    channel = grpc.aio.insecure_channel(address) if address.rpartition(":")[2].isdigit() else None
    reached, gone = False, 0
    try:
        while not stop.is_set():
            if os.getppid() != parent:
                return f"its parent process {parent} exited"
            if channel is not None:
                state = channel.get_state(try_to_connect=True)
                if state is grpc.ChannelConnectivity.READY:
                    reached, gone = True, 0
                elif reached and state is grpc.ChannelConnectivity.TRANSIENT_FAILURE:
                    gone += 1
                    if gone >= ENGINE_GONE_CHECKS:
                        return f"its engine at {address} stopped answering"
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), ENGINE_CHECK_SECONDS)
        return ""
    finally:
        if channel is not None:
            await channel.close()


async def _serve(engine_address: str) -> None:
    log = EngineLog(engine_address)
    provider = NuonProvider(diagnostics=log)
    server, port = await start_server(provider, engine_address)
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def orphaned() -> None:
        why = await watch_engine(engine_address, stop)
        if why:
            sys.stderr.write(f"pulumi-resource-nuon: {why}; exiting\n")
            stop.set()

    watcher = asyncio.ensure_future(orphaned())
    await stop.wait()
    await watcher
    await provider.cancel()  # operations still running fail with "cancelled" rather than a dropped connection
    await server.stop(grace=1.0)
    await log.close()


def serve_plugin(argv: Sequence[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM: ``pulumi-resource-nuon <engine address> [engine flags]``."""
    parser = argparse.ArgumentParser(prog="pulumi-resource-nuon", description="The nuon Pulumi provider plugin.")
    # The flags the engine puts before the address (pkg/resource/plugin: --logtostderr, -v=N, --logflow when the user
    # asked for logs, --tracing <endpoint> when tracing is on): declared, so their values are never read as the
    # address. Anything newer is ignored (parse_known_args).
    parser.add_argument("--logtostderr", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--logflow", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--tracing", default="", help=argparse.SUPPRESS)
    parser.add_argument("engine", nargs="?", default="", help="the Pulumi engine's address (host:port)")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else list(argv))
    asyncio.run(_serve(args.engine))
