"""Every process `LocalEngine` starts (programs, provider hosts, plugins) ends with this process, however it ends.

- On Linux each child is started through a tiny shim (`python -I -S -c ...`) that sets the kernel's parent-death
  signal (`prctl(PR_SET_PDEATHSIG, SIGKILL)`) and then `exec`s the real command, so the child's pid is the
  command's and the kernel kills it when this process dies — normal exit, exception, `SystemExit`, SIGTERM or
  SIGKILL alike. The shim checks its parent is still the one that started it (the parent could die between the
  fork and the `prctl`). No `preexec_fn`: it is unsafe in a process with threads (gRPC has many).
- The parent-death signal fires when the *thread* that forked the child ends, so every child is forked from one
  long-lived launcher thread, never from a short-lived worker.
- A Python command (a dynamic-provider host, a program process, a Python plugin) is forked from a fork server
  that has imported the SDK already where it can be (`forkserver`: ~0.3 s of CPU less per child); the server is a
  child like the others, its children die with it, and it is stopped once idle.
- `stop()` ends a child by its pid (SIGTERM, then SIGKILL after a grace period); an exit hook stops whatever is
  still running when the interpreter exits normally, on every platform — registered where the interpreter runs it
  before it joins worker threads, so an operation still running at exit cannot hold the exit up.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import importlib
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, Protocol

from . import forkserver

__all__ = ["Child", "close_streams", "forget", "start", "stop", "stop_all"]


class Child(Protocol):
    """What the engine uses of a child: a `subprocess.Popen` or a `forkserver.ForkedProcess`."""

    args: Any
    pid: int
    returncode: int | None
    stdin: IO[bytes] | None
    stdout: IO[bytes] | None
    stderr: IO[bytes] | None

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


_STOP_GRACE_SECONDS = 3.0
_PR_SET_PDEATHSIG = 1
_ORPHANED = 70  # the exit code of a child whose parent ended before it could tie its life to it
# fork_main's forked children run the same two lines (a test checks they agree).
_SHIM = (
    "import ctypes,os,sys\n"
    f"ctypes.CDLL(None,use_errno=True).prctl({_PR_SET_PDEATHSIG},{int(signal.SIGKILL)},0,0,0)\n"
    f"os.getppid()==int(sys.argv[1]) or os._exit({_ORPHANED})\n"
    "os.execvp(sys.argv[2],sys.argv[2:])\n"
)
_USE_SHIM = sys.platform.startswith("linux")

_live: set[Child] = set()
_live_lock = threading.Lock()


class _Launcher:
    """One daemon thread that forks every child (see the module docstring for why).

    It lives while any child does (its end would kill them) and ends when it has been idle with none running, so
    a process that stopped every engine has no thread of ours left."""

    _IDLE_SECONDS = 0.5

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[Callable[[], Child], concurrent.futures.Future[Child]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, make: Callable[[], Child]) -> Child:
        if threading.current_thread() is self._thread:
            return make()
        future: concurrent.futures.Future[Child] = concurrent.futures.Future()
        with self._lock:
            self._requests.put((make, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="pulumi-nuon-launcher", daemon=True)
                self._thread.start()
        return future.result()

    def _serve(self) -> None:
        while True:
            try:
                make, future = self._requests.get(timeout=self._IDLE_SECONDS)
            except queue.Empty:
                for server in forkserver.stop_idle():
                    forget(server)
                with self._lock:
                    if self._requests.empty() and not _running():
                        self._thread = None
                        return
                continue
            try:
                future.set_result(make())
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)


def _running() -> bool:
    with _live_lock:
        return any(process.poll() is None for process in _live)


_launcher = _Launcher()


def _fresh(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None,
    stdin: Any,
    stdout: Any,
    stderr: Any,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    """Start a new process for `argv` (through the shim on Linux); called on the launcher thread."""
    command = list(argv)
    if _USE_SHIM:
        command = [sys.executable, "-I", "-S", "-c", _SHIM, str(os.getpid()), *command]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        pass_fds=tuple(pass_fds),
    )
    with _live_lock:  # before the launcher may look for running children again
        _live.add(process)
    return process


def _server(argv: Sequence[str], env: Mapping[str, str], pass_fds: Sequence[int]) -> subprocess.Popen[bytes]:
    return _fresh(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None, pass_fds=pass_fds)


def start(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdin: Any = subprocess.DEVNULL,
    stdout: Any = subprocess.PIPE,
    stderr: Any = subprocess.PIPE,
) -> Child:
    """Start `argv` as a child that dies with this process; `stop()` it (or let `stop_all` at exit do it)."""

    def make() -> Child:
        child: Child | None = forkserver.start(
            argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr, launch=_server
        )
        if child is None:
            return _fresh(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr)
        with _live_lock:
            _live.add(child)
        return child

    return _launcher.run(make)


def stop(process: Child, *, grace: float = _STOP_GRACE_SECONDS, close_pipes: bool = False) -> int | None:
    """End the child by its pid: SIGTERM, then SIGKILL if it is still running after `grace` seconds.

    Returns its exit status (None if it could not be reaped). `close_pipes` closes its stdin/stdout/stderr too
    (only when nothing else reads them: an `OutputPump` must be stopped before its pipes are closed)."""
    try:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=grace)
    except (OSError, subprocess.TimeoutExpired):
        pass
    finally:
        with _live_lock:
            _live.discard(process)
        if close_pipes:
            close_streams(process)
    return process.poll()


def close_streams(process: Child) -> None:
    """Close the child's stdin/stdout/stderr (once nothing reads them: stop its `OutputPump` first)."""
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def forget(process: Child) -> None:
    """Drop a child that has exited on its own from the set `stop_all` stops."""
    with _live_lock:
        _live.discard(process)


def stop_all() -> None:
    """Stop every child still running (the `atexit` hook)."""
    with _live_lock:
        running = list(_live)
    for process in running:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
    for process in running:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            process.wait(timeout=_STOP_GRACE_SECONDS)
        forget(process)
    forkserver.close_all()


atexit.register(stop_all)
# `concurrent.futures` joins its worker threads before `atexit` handlers run, from a hook of the same kind that it
# registers when `concurrent.futures.thread` is first imported; a worker blocked on a plugin (an operation still
# running when the interpreter exits) would wait forever. Those hooks run last-registered first: importing that
# module before registering ours makes stopping the children come first, which ends the wait.
importlib.import_module("concurrent.futures.thread")
_register_early = getattr(threading, "_register_atexit", None)
if _register_early is not None:
    _register_early(stop_all)
