"""Python children forked from a process that has imported the Pulumi SDK already (a fork server), on Linux.

Every dynamic-provider host (`python -u -m pulumi.dynamic`), Python program process (`python -u python_exec.py`)
and Python plugin `LocalEngine` starts is otherwise a fresh interpreter that spends most of its start importing
the SDK and gRPC (~0.3 s of CPU each; a test run starts about 180 of them). `start` hands such a command to a
server process (`fork_main`) that imported them once: it forks, and the child takes the command's streams,
working directory, environment, arguments and import path and runs the module or script as `__main__`, as a
fresh interpreter would. Anything else — another executable, interpreter options other than `-u`, a stream
that is not a pipe, /dev/null or inherited, a request the server cannot take — returns None and is started fresh.

- One server per interpreter and start-up environment (the `PYTHON*`, `GRPC_*` and locale variables a new
  interpreter or gRPC reads when it starts: a child cannot take those on), shared by every engine in this
  process; it is stopped once it has had no running child for `_IDLE_SECONDS`.
- What the server imports: `SDK_PRELOAD` and the modules named in `PRELOAD_ENV` (comma-separated). A child sees
  those modules already imported, as they were when the server imported them (under this process's environment).
- `FORK_LOG_ENV=path` logs each forked child's CPU time and command.
- `FORK_ENV=0` turns it off: every child is then a fresh interpreter, as the real engine starts them.
- The returned `ForkedProcess` answers what `subprocess.Popen` does for `processes`: `pid`, the pipes, `poll`,
  `wait`, `send_signal`/`terminate`/`kill` (through a pidfd, so a reused pid is never signalled), `returncode`.
  It dies with the server, and the server with the thread that started it (see `processes`).
- A server that took a request and did not answer it in full (no reply within `_REPLY_TIMEOUT_SECONDS`, or one
  without the pidfd) is killed with its children before `start` returns None: it may have forked the command.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = [
    "FORK_ENV",
    "FORK_LOG_ENV",
    "PRELOAD_ENV",
    "SDK_PRELOAD",
    "ForkedProcess",
    "close_all",
    "enabled",
    "start",
    "stop_idle",
]

FORK_ENV = "NUON_LOCALENGINE_FORK"
PRELOAD_ENV = "NUON_LOCALENGINE_PRELOAD"
FORK_LOG_ENV = "NUON_LOCALENGINE_FORK_LOG"
"""A file each server appends a line to per child it reaped: CPU seconds, a tab, the command without the
interpreter (where a test run's CPU goes: the forked children's is counted in their server's, not the test's)."""
SDK_PRELOAD = (
    "grpc",
    "grpc._server",
    "dill",
    "google.protobuf",
    "pulumi",
    "pulumi.runtime",
    "pulumi.dynamic",
    "pulumi.provider",
)
"""What every server imports: what the dynamic-provider host, the exec script and `pulumi.provider` plugins load."""

_FORK_MAIN = Path(__file__).with_name("fork_main.py")
# A server costs ~0.45 s of CPU to start; at 5 s a make test started 21, at 60 s 15 (the rest are other
# processes' or other environments'): a minute covers the gaps between one process's programs.
_IDLE_SECONDS = 60.0
_REPLY_TIMEOUT_SECONDS = 30.0
# Read when an interpreter (or gRPC) starts, so a child cannot take them on: part of which server serves a request.
_STARTUP_PREFIXES = ("PYTHON", "GRPC_", "LC_")
_STARTUP_NAMES = frozenset({"LANG"})
# ...except these, which a child does take on (fork_main._become).
_PER_CHILD = frozenset({"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"})

Launch = Callable[[Sequence[str], Mapping[str, str], Sequence[int]], subprocess.Popen[bytes]]
"""Start a fresh process (argv, environment, descriptors it inherits) that dies with this one (`processes`)."""


def enabled() -> bool:
    """Whether Python children are forked from a server (`FORK_ENV`, default on where the platform has pidfds)."""
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and os.environ.get(FORK_ENV, "1") != "0"


class ForkedProcess:
    """A child forked by a server: the part of `subprocess.Popen` that `processes` and the engine use."""

    def __init__(
        self, args: list[str], pid: int, pidfd: int, status: socket.socket, streams: tuple[Any, Any, Any]
    ) -> None:
        self.args = args
        self.pid = pid
        self.stdin, self.stdout, self.stderr = streams
        self.returncode: int | None = None
        self._pidfd: int | None = pidfd
        self._status = status
        self._wait_lock = threading.Lock()
        self._fd_lock = threading.Lock()

    def poll(self) -> int | None:
        if self.returncode is not None or not self._wait_lock.acquire(blocking=False):
            return self.returncode
        try:
            return self._read_status(0.0)
        finally:
            self._wait_lock.release()

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._wait_lock.acquire(timeout=-1 if timeout is None else timeout):
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        try:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            code = self._read_status(left)
        finally:
            self._wait_lock.release()
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        return code

    def _read_status(self, timeout: float | None) -> int | None:
        """The exit code once the server sent it (None: not yet); the caller holds the wait lock."""
        if self.returncode is not None:
            return self.returncode
        readable, _, _ = select.select([self._status], [], [], timeout)
        if not readable:
            return None
        try:
            data = self._status.recv(64)
        except OSError:
            data = b""
        # No status: the server died, and its children with it (parent-death signal).
        self.returncode = int(data) if data else -signal.SIGKILL
        self._status.close()
        with self._fd_lock:
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        with self._fd_lock:
            if self._pidfd is not None and self.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(self._pidfd, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Server:
    """One `fork_main` process and the control socket requests go to."""

    def __init__(self, python: str, env: dict[str, str], preload: Sequence[str], launch: Launch) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            argv = [python, "-u", str(_FORK_MAIN), str(theirs.fileno()), ",".join(preload)]
            argv += [os.environ[FORK_LOG_ENV]] if os.environ.get(FORK_LOG_ENV) else []
            self.process = launch(argv, env, [theirs.fileno()])
        finally:
            theirs.close()
        self.control = ours
        self.children: list[ForkedProcess] = []
        self.last_used = time.monotonic()

    def alive(self) -> bool:
        return self.process.poll() is None

    def idle(self, now: float) -> bool:
        self.children = [child for child in self.children if child.poll() is None]
        return not self.children and now - self.last_used > _IDLE_SECONDS

    def stop(self, *, kill: bool = False) -> subprocess.Popen[bytes]:
        if kill:  # at once: closed, it would still read (and fork) what is queued on its control socket
            self.process.kill()
        self.control.close()  # the server exits when its control socket closes
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2.0)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return self.process


_servers: dict[tuple[Any, ...], _Server] = {}
_retired: list[subprocess.Popen[bytes]] = []  # stopped outside `stop_idle`, for it to hand back
_servers_lock = threading.Lock()


def _startup_env(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value) for name, value in env.items() if _startup(name) and name not in _PER_CHILD))


def _command(argv: Sequence[str]) -> dict[str, Any] | None:
    """What a `python [-u] (-m MODULE | SCRIPT) ARGS` command runs; None for any other command."""
    if len(argv) < 2 or not os.path.basename(argv[0]).startswith("python"):
        return None
    rest = list(argv[1:])
    unbuffered = False
    while rest and rest[0] == "-u":
        unbuffered = True
        rest.pop(0)
    if len(rest) >= 2 and rest[0] == "-m":
        return {"module": rest[1], "script": None, "args": rest[2:], "unbuffered": unbuffered}
    if rest and not rest[0].startswith("-"):
        return {"module": None, "script": rest[0], "args": rest[1:], "unbuffered": unbuffered}
    return None


def _startup(name: str) -> bool:
    return name.startswith(_STARTUP_PREFIXES) or name in _STARTUP_NAMES


def _shadowed(env: Mapping[str, str], preload: Sequence[str]) -> bool:
    """Whether the child's PYTHONPATH holds a package the server imported from elsewhere (it must start fresh)."""
    entries = [entry for entry in env.get("PYTHONPATH", "").split(os.pathsep) if entry]
    tops = {name.split(".")[0] for name in preload}
    for entry in entries:
        with contextlib.suppress(OSError):
            names = os.listdir(entry)
            if any(name.split(".")[0] in tops for name in names):
                return True
    return False


def _preload() -> list[str]:
    return [*SDK_PRELOAD, *filter(None, os.environ.get(PRELOAD_ENV, "").split(","))]


def _server(python: str, env: Mapping[str, str], preload: list[str], launch: Launch) -> _Server | None:
    startup = _startup_env(env)
    key = (python, startup, tuple(preload))
    with _servers_lock:
        server = _servers.get(key)
        if server is not None:
            if server.alive():
                return server
            _retired.append(server.stop())
        server_env = {name: value for name, value in os.environ.items() if not _startup(name)}
        server_env.update(startup)
        for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):  # how the server's own imports are cached
            if name in env:
                server_env[name] = env[name]
        try:
            server = _Server(python, server_env, preload, launch)
        except OSError:
            return None
        _servers[key] = server
        return server


def _streams(stdin: Any, stdout: Any, stderr: Any) -> tuple[list[int], list[int], tuple[Any, Any, Any]] | None:
    """The child's three descriptors, the ones to close here once sent, and this side's files (as Popen makes)."""
    child: list[int] = []
    close: list[int] = []
    ours: list[IO[bytes] | None] = []
    for index, spec in enumerate((stdin, stdout, stderr)):
        if spec == subprocess.PIPE:
            read, write = os.pipe()
            theirs, mine = (read, write) if index == 0 else (write, read)
            child.append(theirs)
            close.append(theirs)
            ours.append(open(mine, "wb" if index == 0 else "rb"))  # noqa: SIM115  # the child's pipe, as Popen keeps it
        elif spec == subprocess.DEVNULL:
            fd = os.open(os.devnull, os.O_RDWR)
            child.append(fd)
            close.append(fd)
            ours.append(None)
        elif spec is None:
            child.append(index)
            ours.append(None)
        else:
            for fd in close:
                os.close(fd)
            _close_files(ours)
            return None
    return child, close, (ours[0], ours[1], ours[2])


def _close_files(files: Sequence[IO[bytes] | None]) -> None:
    for file in files:
        if file is not None:
            file.close()


def start(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None,
    env: Mapping[str, str] | None,
    stdin: Any,
    stdout: Any,
    stderr: Any,
    launch: Launch,
) -> ForkedProcess | None:
    """Fork `argv` from a server if it is a Python command a server can run (else None: start it fresh)."""
    command = _command(argv)
    if command is None or not enabled():
        return None
    child_env = dict(os.environ if env is None else env)
    preload = _preload()
    if _shadowed(child_env, preload):
        return None
    server = _server(argv[0], child_env, preload, launch)
    if server is None:
        return None
    streams = _streams(stdin, stdout, stderr)
    if streams is None:
        return None
    child_fds, to_close, ours = streams
    request = {**command, "argv": list(argv), "cwd": os.fspath(cwd or os.getcwd()), "env": child_env}
    status, status_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sent = False
    try:
        socket.send_fds(server.control, [json.dumps(request).encode()], [*child_fds, status_theirs.fileno()])
        sent = True
        status.settimeout(_REPLY_TIMEOUT_SECONDS)
        reply, fds, _, _ = socket.recv_fds(status, 64, 1)
        status.settimeout(None)
    except OSError:
        reply, fds = b"", []
    finally:
        status_theirs.close()
        for fd in to_close:
            os.close(fd)
    if not reply or len(fds) != 1:
        if sent:  # it may have forked the command, or fork it yet: it must not run beside the fresh start
            _retire(server)
        for fd in fds:
            os.close(fd)
        status.close()
        _close_files(ours)
        return None
    server.last_used = time.monotonic()
    child = ForkedProcess(list(argv), int(reply), fds[0], status, ours)
    server.children.append(child)
    return child


def _retire(server: _Server) -> None:
    """Kill a server that took a request it did not answer in full, and its children with it (parent-death signal)."""
    with _servers_lock:
        for key in [key for key, known in _servers.items() if known is server]:
            del _servers[key]
        _retired.append(server.stop(kill=True))


def close_all() -> None:
    """At exit, once `processes.stop_all` killed the servers: close their control sockets."""
    with _servers_lock:
        for server in _servers.values():
            server.control.close()
        _servers.clear()


def stop_idle(now: float | None = None) -> list[subprocess.Popen[bytes]]:
    """Stop the servers with no running child that have not been used for a while; their processes."""
    now = time.monotonic() if now is None else now
    with _servers_lock:
        stopped, _retired[:] = list(_retired), []
        for key, server in list(_servers.items()):
            if not server.alive() or server.idle(now):
                del _servers[key]
                stopped.append(server.stop())
    return stopped
