"""Python program processes started ahead of an operation, and the few kept for the next engine.

A Python program's process spends most of its start importing the SDK and the program's libraries. `PythonSpare`
starts it (`python_exec --await_args`) before the operation that needs it, so that work is done by the time the
operation begins; `keep_spare` / `reuse_spare` keep an unused one for the next `LocalEngine` that runs the same
program the same way.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import processes
from .hosts import OutputPump
from .project import ProjectProgram, python_base_env

__all__ = ["PYTHON_EXEC", "READY_LINE", "START_AHEAD_ENV", "PythonSpare", "keep_spare", "reuse_spare", "start_ahead"]

PYTHON_EXEC = Path(__file__).with_name("python_exec.py")
"""The script a Python program process runs (the language host's exec script, see `python_exec`)."""
READY_LINE = b"pulumi-nuon-exec-ready\n"

# Starting the next operation's process ahead hides its imports from a user waiting on an idle machine; when no
# operation follows (the last one of a test, a destroy) that process was started for nothing. A CPU-bound run of
# many engines (make test: four pytest workers on two cores) gains no time from it and pays for every unused one,
# so it sets this to 0: each operation then starts its program process when it begins, as the language host does.
START_AHEAD_ENV = "NUON_LOCALENGINE_START_AHEAD"


def start_ahead() -> bool:
    """Whether a `LocalEngine` made now starts each Python program's next process ahead (`START_AHEAD_ENV`,
    default on)."""
    return os.environ.get(START_AHEAD_ENV, "1") != "0"


class PythonSpare:
    """A Python program process started ahead of an operation (`python_exec --await_args`): it imports the SDK and
    the program's libraries, says so on stdout, and waits for the operation's arguments on stdin."""

    def __init__(self, project: ProjectProgram, *, python: str, env: Mapping[str, str], preload: Sequence[str]) -> None:
        command = [python, "-u", str(PYTHON_EXEC), "--await_args", "--preload", ",".join(preload)]
        self.process = processes.start(
            command, cwd=str(project.directory), env=python_base_env(env), stdin=subprocess.PIPE
        )
        self.pump = OutputPump(self.process.stdout, self.process.stderr)

    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> bool:
        """Hand it the operation's arguments; False if it is no longer waiting for them."""
        if self.process.poll() is not None or self.process.stdin is None:
            return False
        try:
            self.process.stdin.write(json.dumps({"argv": list(argv), "env": dict(env)}).encode() + b"\n")
            self.process.stdin.close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        processes.stop(self.process)
        self.pump.stop()
        processes.close_streams(self.process)


_POOL_LIMIT = 4
_pool: list[tuple[tuple[Any, ...], PythonSpare]] = []
_pool_lock = threading.Lock()


def keep_spare(key: tuple[Any, ...], spare: PythonSpare) -> None:
    """Keep a spare no operation used for the next engine that runs the same program the same way (`key`: the
    interpreter, the directory, the environment). At most a few are kept, the oldest stopped first; they end with
    this process like every other child."""
    if spare.process.poll() is not None:
        spare.stop()
        return
    with _pool_lock:
        _pool.append((key, spare))
        evicted = _pool[:-_POOL_LIMIT]
        del _pool[:-_POOL_LIMIT]
    for _, old in evicted:
        old.stop()


def reuse_spare(key: tuple[Any, ...]) -> PythonSpare | None:
    """A kept spare started with `key`, if there is one still waiting."""
    with _pool_lock:
        for index, (kept_key, spare) in enumerate(_pool):
            if kept_key == key and spare.process.poll() is None:
                del _pool[index]
                return spare
    return None


def _stop_kept_spares() -> None:
    with _pool_lock:
        kept = [spare for _, spare in _pool]
        _pool.clear()
    for spare in kept:
        spare.stop()


atexit.register(_stop_kept_spares)
