"""Provider plugin processes behind `LocalEngine`: start one, talk gRPC to it, keep what it writes, stop it.

The engine starts a resource plugin with the engine's gRPC address as its last argument; the plugin prints the
port of its `ResourceProvider` server as the first line on stdout and serves until it is killed (Pulumi's
`pulumi-resource-pulumi-python` does this by running `python -u -m pulumi.dynamic`). `PluginProcess` does the same
(through `processes`, so the plugin dies with this process), connects with the SDK's own stubs and keeps
everything the process writes so each operation can return its share. `OutputPump` reads a child's pipes; the
program runner uses it too.
"""

from __future__ import annotations

import os
import selectors
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import grpc

from . import processes
from .errors import PluginStartError

__all__ = ["LOOPBACK", "OutputPump", "PluginProcess", "PluginStartError"]

LOOPBACK = "127.0.0.1"
_START_TIMEOUT_SECONDS = 30.0


class OutputPump:
    """Reads a child's stdout and stderr into byte buffers from a background thread.

    `drain()` reads whatever is still in the pipes under the same lock the thread uses, so every byte the
    child wrote before a gRPC response arrived is in the buffers once `drain()` returns. Complete stderr
    lines go to `on_stderr_line` as they arrive (outside the lock).
    """

    def __init__(self, stdout: Any, stderr: Any, on_stderr_line: Callable[[str], None] | None = None) -> None:
        self._on_line = on_stderr_line
        self._partial = bytearray()  # stderr bytes after the last newline, not yet handed to `on_stderr_line`
        self._lines: list[str] = []  # complete stderr lines read under the lock, handed out after it
        self._lock = threading.Lock()
        self._buffers: dict[int, bytearray] = {}
        self._names: dict[int, str] = {}
        self._selector = selectors.DefaultSelector()
        self._open: set[int] = set()
        for name, stream in (("stdout", stdout), ("stderr", stderr)):
            fd = stream.fileno()
            os.set_blocking(fd, False)
            self._buffers[fd] = bytearray()
            self._names[fd] = name
            self._selector.register(fd, selectors.EVENT_READ)
            self._open.add(fd)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pulumi-nuon-output", daemon=True)
        self._thread.start()

    def _read_available(self, fd: int) -> None:
        """Read everything currently in one pipe; caller holds the lock."""
        if fd not in self._open:
            return
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._selector.unregister(fd)
                self._open.discard(fd)
                return
            self._buffers[fd].extend(chunk)
            if self._on_line is not None and self._names[fd] == "stderr":
                self._partial.extend(chunk)
                *complete, rest = self._partial.split(b"\n")
                self._lines.extend(line.decode("utf-8", errors="replace") for line in complete)
                self._partial = bytearray(rest)

    def _emit(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        if self._on_line is not None:
            for line in lines:
                self._on_line(line)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if not self._open:
                    return
            events = self._selector.select(timeout=0.05)
            with self._lock:
                for key, _ in events:
                    self._read_available(int(key.fd))
            self._emit()

    def drain(self) -> None:
        """Move everything the child has written so far into the buffers."""
        with self._lock:
            for fd in list(self._open):
                self._read_available(fd)
        self._emit()

    def size(self, name: str) -> int:
        """How many bytes of `name` ("stdout" or "stderr") have been captured."""
        with self._lock:
            return len(self._buffers[self._fd(name)])

    def text(self, name: str, start: int = 0) -> str:
        """The captured output of `name` from byte offset `start`, decoded leniently."""
        with self._lock:
            return bytes(self._buffers[self._fd(name)][start:]).decode("utf-8", errors="replace")

    def wait_for_line(self, name: str, timeout: float) -> str | None:
        """Wait until `name` holds a complete first line and return it (None on timeout or EOF)."""
        fd = self._fd(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                buf = self._buffers[fd]
                if b"\n" in buf:
                    return bytes(buf[: buf.index(b"\n")]).decode("utf-8", errors="replace")
                if fd not in self._open:
                    return None
            time.sleep(0.005)
        return None

    def wait_closed(self, timeout: float) -> None:
        """Wait until both pipes reached EOF (the child and anything sharing its pipes exited)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._open:
                    return
            time.sleep(0.005)

    def stop(self) -> None:
        """Stop the thread (after a last drain) and release the selector."""
        self.drain()
        self._stop.set()
        self._thread.join(timeout=2)
        self._selector.close()

    def _fd(self, name: str) -> int:
        for fd, fd_name in self._names.items():
            if fd_name == name:
                return fd
        raise KeyError(name)


class PluginProcess:
    """One provider plugin process and a gRPC channel to its `ResourceProvider` server."""

    def __init__(
        self,
        *,
        argv: Sequence[str],
        engine_address: str,
        cwd: str,
        env: Mapping[str, str],
        on_stderr_line: Callable[[str], None] | None = None,
    ) -> None:
        self.argv = [*argv, engine_address]
        self.process = processes.start(self.argv, cwd=cwd, env=env)
        self.pid = self.process.pid
        self.output = OutputPump(self.process.stdout, self.process.stderr, on_stderr_line)
        self.channel: grpc.Channel | None = None
        line = self.output.wait_for_line("stdout", _START_TIMEOUT_SECONDS)
        port = line.strip() if line is not None else ""
        if not port.isdigit():
            self.output.drain()
            stderr = self.output.text("stderr")
            self.stop()
            raise PluginStartError(
                f"`{' '.join(self.argv)}` (cwd {cwd}) did not print its port"
                f" (first line {line!r}); its stderr:\n{stderr}"
            )
        self.port = int(port)
        # Everything after the port line is the provider's own stdout.
        self.stdout_offset = len(line.encode("utf-8")) + 1 if line is not None else 0
        from pulumi.runtime.proto import provider_pb2_grpc

        self.channel = grpc.insecure_channel(f"{LOOPBACK}:{self.port}")
        try:
            grpc.channel_ready_future(self.channel).result(timeout=_START_TIMEOUT_SECONDS)
        except grpc.FutureTimeoutError:
            self.stop()
            raise PluginStartError(
                f"`{' '.join(self.argv)}` printed port {self.port} but does not serve on it"
            ) from None
        self.stub: Any = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def failure_detail(self) -> str:
        """What to add to an error when the plugin died: its exit status and the end of its stderr."""
        self.output.drain()
        stderr = self.output.text("stderr")[-4000:]
        return f"the provider plugin (pid {self.pid}) exited with {self.process.poll()}; its stderr:\n{stderr}"

    def stop(self) -> None:
        """Close the channel and end the process by its pid (SIGTERM, then SIGKILL after a grace period)."""
        processes.stop(self.process)
        if self.channel is not None:
            self.channel.close()
        self.output.stop()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
