"""The fork server's own process (see `forkserver`): import the Pulumi SDK once, then fork a child per request.

Run as a file: `python -u fork_main.py CONTROL_FD PRELOAD [CPU_LOG]`, with stdlib imports only before the preload.
It reads requests from the control socket (a `SOCK_SEQPACKET` socket: one message per request, JSON, with four
descriptors: the child's stdin, stdout, stderr and a status socket), forks, and in the child sets up what a fresh
`python [-u] -m MODULE ARGS` or `python [-u] SCRIPT ARGS` would have had — standard streams, working directory,
environment, `sys.argv`, `sys.path`, bytecode settings, a fresh `__main__` — before running it at top level, so the
interpreter ends the child as it ends any program (exit code, traceback, `atexit`, non-daemon threads).

On the status socket the parent gets the child's pid with a pidfd for it (to signal it without a pid race), and
later its exit code as `subprocess` reports it (negative: killed by that signal). The server ignores SIGINT (a
Ctrl-C reaches the children as it would reach freshly started ones; they get back the disposition this process
inherited) and exits when the control socket closes; its children die with it (parent-death signal).
"""

import contextlib
import ctypes
import gc
import importlib
import io
import json
import os
import selectors
import signal
import socket
import sys
import types
from typing import Any

# Run as a file, Python put this file's directory first on sys.path; the children must not see it.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

# The parent-death lines in `_serve` repeat `processes._SHIM`'s (a fresh start's); a test checks they agree.
_PR_SET_PDEATHSIG = 1
_ORPHANED = 70  # the exit code of a child whose parent ended before it could tie its life to it
_BASE_PATH = list(sys.path)  # the interpreter's own path (site-packages included): a child's path ends with it
_INHERITED_SIGINT = signal.getsignal(signal.SIGINT)
_MAX_REQUEST = 1 << 20
_CPU_LOG = sys.argv[3] if len(sys.argv) > 3 else ""  # forkserver.FORK_LOG_ENV's file, or none


def _preload(names: str) -> None:
    """Import each module named (comma-separated) that imports (`python_exec._preload`'s twin)."""
    for name in filter(None, names.split(",")):
        with contextlib.suppress(Exception):  # a module that fails here fails again, visibly, in the child needing it
            importlib.import_module(name)


def _stdio(unbuffered: bool) -> None:
    """Standard streams as a fresh interpreter makes them for pipes (`-u` / PYTHONUNBUFFERED: unbuffered)."""
    encoding = sys.stdout.encoding
    out = open(1, "wb", buffering=0 if unbuffered else -1, closefd=False)  # noqa: SIM115  # the process's own
    err = open(2, "wb", buffering=0 if unbuffered else -1, closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(out, encoding=encoding, write_through=unbuffered)  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(  # type: ignore[misc]
        err, encoding=encoding, errors="backslashreplace", line_buffering=not unbuffered, write_through=unbuffered
    )
    stdin = open(0, "rb", closefd=False)  # noqa: SIM115
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(stdin, encoding=encoding)  # type: ignore[misc]


def _become(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the request's streams, directory, environment, arguments and path."""
    stdin, stdout, stderr = fds[:3]
    for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
        os.dup2(fd, target)
    for fd in set(fds[:3]) - {0, 1, 2}:
        os.close(fd)
    signal.signal(signal.SIGINT, _INHERITED_SIGINT)
    env = request["env"]
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(env)
    python_path = [entry for entry in env.get("PYTHONPATH", "").split(os.pathsep) if entry]
    if request["module"] is not None:
        first = os.getcwd()
        sys.argv = [request["module"], *request["args"]]  # runpy puts the module's file in argv[0]
    else:
        script = request["script"]
        first = os.path.abspath(script) if os.path.isdir(script) else os.path.dirname(os.path.realpath(script))
        sys.argv = [script, *request["args"]]
    sys.orig_argv = list(request["argv"])
    sys.path[:] = [first, *python_path, *_BASE_PATH]
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    sys.pycache_prefix = env.get("PYTHONPYCACHEPREFIX") or None
    importlib.invalidate_caches()
    _stdio(request["unbuffered"] or bool(env.get("PYTHONUNBUFFERED")))


def _log_cpu(usage: Any, label: str) -> None:
    """With a log file given, append each child's CPU seconds (user + system, its own children included) and
    its command without the interpreter: what a test run spends in the processes a server forked."""
    if _CPU_LOG:
        with contextlib.suppress(OSError), open(_CPU_LOG, "a") as log:
            log.write(f"{usage.ru_utime + usage.ru_stime:.3f}\t{label}\n")


def _serve(control: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """Fork a child per request until the control socket closes (None); in a child, return its request."""
    server = os.getpid()
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ, None)
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, status socket)
    labels: dict[int, str] = {}  # pid -> what it runs, for the CPU log
    while True:
        for key, _ in selector.select():
            if key.data is not None:
                pid, status = children.pop(key.fd)
                selector.unregister(key.fd)
                os.close(key.fd)
                _, wait_status, usage = os.wait4(pid, 0)
                code = os.waitstatus_to_exitcode(wait_status)
                _log_cpu(usage, labels.pop(pid, "?"))
                with contextlib.suppress(OSError):  # nobody waits for it any more
                    status.sendall(str(code).encode())
                status.close()
                continue
            message, fds, _, _ = socket.recv_fds(control, _MAX_REQUEST, 4)
            if not message:
                return None
            request = json.loads(message)
            # The children's collections then leave what this process made alone, so fewer of its pages are copied
            # into each child (a program process: 240 -> 120 ms of CPU, medians of 19, tests/resources+examples).
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
                if os.getppid() != server:
                    os._exit(_ORPHANED)
                selector.close()
                control.close()
                for pidfd, (_, other) in children.items():
                    os.close(pidfd)
                    other.close()
                os.close(fds[3])
                return request, fds
            for fd in fds[:3]:
                os.close(fd)
            status = socket.socket(fileno=fds[3])
            pidfd = os.pidfd_open(pid)
            with contextlib.suppress(OSError):  # the requester gave up: the child runs on, and is reaped
                socket.send_fds(status, [str(pid).encode()], [pidfd])
            children[pidfd] = (pid, status)
            labels[pid] = " ".join(request["argv"][1:])
            selector.register(pidfd, selectors.EVENT_READ, pid)


def _main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload(sys.argv[2] if len(sys.argv) > 2 else "")
    served = _serve(control)
    if served is None:
        sys.exit(0)
    request, fds = served
    _become(request, fds)
    main = types.ModuleType("__main__")
    main.__dict__.update(__builtins__=__builtins__, __annotations__={})
    sys.modules["__main__"] = main
    script = request["script"]
    if request["module"] is not None or os.path.isdir(script):
        import runpy

        # What the interpreter runs for `-m MODULE`, and for a directory (its `__main__.py`, found on sys.path[0]).
        if request["module"] is not None:
            runpy._run_module_as_main(request["module"], alter_argv=True)  # type: ignore[attr-defined]
        else:
            runpy._run_module_as_main("__main__", alter_argv=False)  # type: ignore[attr-defined]
    else:
        _run_script(main, script)


def _run_script(main: types.ModuleType, script: str) -> None:
    from importlib.machinery import SourceFileLoader

    path = os.path.abspath(script)
    with io.open_code(path) as source:
        code = compile(source.read(), path, "exec")
    main.__dict__.update(__file__=path, __cached__=None, __loader__=SourceFileLoader("__main__", path))
    exec(code, main.__dict__)


if __name__ == "__main__":
    _main()
