"""A fork server (run as `fork_main` is: `python -u fork_stall.py CONTROL_FD PRELOAD [LOG]`) whose exchange with the
engine fails after it took the request, as `STALL_MODE` says:

- `silent`: it forks the child at once and never replies;
- `late`: it never replies, and forks the child once the engine gave up (closed the status socket);
- `no-fd`: it forks the child at once and replies with the pid but without the pidfd.

Its child dies with it, as `fork_main`'s do (parent-death signal), writes its pid to `STALL_PIDS` (the server's
is there first), and runs the command only once the file named by `STALL_AFTER` exists: after the fresh start the
engine falls back to has run. tests/engine/test_forkserver.py counts how often the command ran."""

import ctypes
import json
import os
import signal
import socket
import sys
import time


def _note(line: str) -> None:
    with open(os.environ["STALL_PIDS"], "a") as pids:
        pids.write(line + "\n")


def _child(request: dict, fds: list, server: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != server:
        os._exit(70)
    _note(f"child {os.getpid()}")
    for target, fd in zip((0, 1, 2), fds[:3], strict=True):
        os.dup2(fd, target)
    deadline = time.monotonic() + 30
    while not os.path.exists(os.environ["STALL_AFTER"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.chdir(request["cwd"])
    os.execve(request["argv"][0], request["argv"], request["env"])


def main() -> None:
    mode = os.environ["STALL_MODE"]
    control = socket.socket(fileno=int(sys.argv[1]))
    server = os.getpid()
    _note(f"server {server}")
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
        if not message:
            return
        status = socket.socket(fileno=fds[3])
        if mode == "late":
            status.recv(1)  # returns once the engine closed its end
        pid = os.fork()
        if pid == 0:
            _child(json.loads(message), fds, server)
        if mode == "no-fd":
            status.send(str(pid).encode())


if __name__ == "__main__":
    main()
