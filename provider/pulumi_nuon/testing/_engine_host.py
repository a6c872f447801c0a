"""The dynamic-provider host process behind `LocalEngine`: start, talk gRPC to, capture output of, and stop it.

The real engine starts the `pulumi-resource-pulumi-python` plugin, which runs `python -u -m pulumi.dynamic`
in the program's directory; the host prints the port of its gRPC `ResourceProvider` server on stdout and
then serves until it is killed. This module does the same with `subprocess`, connects with the SDK's own
stubs and keeps everything the process writes so each operation can return its share.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import grpc

__all__: list[str] = []

_START_TIMEOUT_SECONDS = 30.0
_STOP_TIMEOUT_SECONDS = 5.0
_LOOPBACK = "127.0.0.1"


class _HostStartError(RuntimeError):
    """The dynamic-provider host did not start (or did not print its port)."""


class _OutputPump:
    """Reads a child's stdout and stderr into byte buffers from a background thread.

    `drain()` reads whatever is still in the pipes under the same lock the thread uses, so every byte the
    child wrote before a gRPC response arrived is in the buffers once `drain()` returns.
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
        self._thread = threading.Thread(target=self._run, name="pulumi-nuon-host-output", daemon=True)
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
        """Hand complete stderr lines to the callback, outside the lock (it may be slow or print)."""
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
            time.sleep(0.01)
        return None

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


class _DynamicHost:
    """One `python -u -m pulumi.dynamic` process and a gRPC channel to it."""

    def __init__(
        self,
        *,
        python: str,
        cwd: str,
        pythonpath: Sequence[str],
        env: Mapping[str, str],
        project: str,
        stack: str,
        on_stderr_line: Callable[[str], None] | None = None,
    ) -> None:
        child_env = dict(env)
        paths = [p for p in pythonpath if p]
        if child_env.get("PYTHONPATH"):
            paths.append(child_env["PYTHONPATH"])
        # The program's own directory first, as `-m` in its cwd would have it; duplicates dropped.
        child_env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        child_env["PULUMI_PROJECT"] = project
        child_env["PULUMI_STACK"] = stack
        child_env["PYTHONUNBUFFERED"] = "1"
        self.argv = [python, "-u", "-m", "pulumi.dynamic"]
        self.process = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.pid = self.process.pid
        self.output = _OutputPump(self.process.stdout, self.process.stderr, on_stderr_line)
        line = self.output.wait_for_line("stdout", _START_TIMEOUT_SECONDS)
        port = line.strip() if line is not None else ""
        if not port.isdigit():
            self.output.drain()
            stderr = self.output.text("stderr")
            self.stop()
            raise _HostStartError(
                f"`{' '.join(self.argv)}` (cwd {cwd}) did not print its port"
                f" (first line {line!r}); its stderr:\n{stderr}"
            )
        self.port = int(port)
        # Everything after the port line is the providers' own stdout.
        self.stdout_offset = len(line.encode("utf-8")) + 1 if line is not None else 0
        from pulumi.runtime.proto import provider_pb2_grpc

        self.channel = grpc.insecure_channel(f"{_LOOPBACK}:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=_START_TIMEOUT_SECONDS)
        self.stub: Any = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Close the channel and end the process by its pid (SIGTERM, then SIGKILL after a grace period)."""
        channel = getattr(self, "channel", None)
        if channel is not None:
            channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        self.output.stop()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def _default_python() -> str:
    """The interpreter that runs the host: the one running the program, as the plugin's `python` would be."""
    return sys.executable
