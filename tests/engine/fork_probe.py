"""Prints, as one JSON line, what a Python process sees of how it was started; then ends as `sys.argv[1]` says
(an exit code, or `fail`: an exception). tests/engine/test_forkserver.py runs it fresh and forked and compares."""

import atexit
import ctypes
import json
import os
import signal
import sys
import threading
import time

death_signal = ctypes.c_int()
ctypes.CDLL(None, use_errno=True).prctl(2, ctypes.byref(death_signal), 0, 0, 0)  # PR_GET_PDEATHSIG

seen = {
    "argv": sys.argv,
    "orig_argv": sys.orig_argv,
    "path": sys.path,
    "file": __file__,
    "name": __name__,
    "spec": None if __spec__ is None else __spec__.name,
    "main": sorted(name for name in globals() if name.startswith("__")),
    "cwd": os.getcwd(),
    "env": os.environ.get("PROBE_VALUE"),
    "stdout": [sys.stdout.write_through, sys.stdout.line_buffering, type(sys.stdout.buffer).__name__],
    "stderr": [sys.stderr.write_through, sys.stderr.line_buffering, sys.stderr.errors],
    "stdin": sys.stdin.readline(),
    "sigint": repr(signal.getsignal(signal.SIGINT)),
    "bytecode": [sys.dont_write_bytecode, sys.pycache_prefix],
    "death_signal": death_signal.value,  # set by processes' shim (fresh) or by fork_main (forked)
    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
}
print(json.dumps(seen))
# A fresh interpreter that is done waits for its non-daemon threads, then runs the exit hooks; so must a forked one.
atexit.register(lambda: print("exit hook ran"))
threading.Thread(target=lambda: (time.sleep(0.2), print("thread finished"))).start()
end = sys.argv[1] if len(sys.argv) > 1 else "0"
if end == "fail":
    raise RuntimeError("the probe fails")
sys.exit(int(end))
