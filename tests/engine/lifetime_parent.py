"""A parent process for the lifetime tests: it starts an update that is still running, says `ready`, waits for a
line on stdin, then ends the way `sys.argv[1]` says — `return` (falls off the end, no `close()`), `exception`,
`systemexit`, or `wait` (sleeps until the test signals it)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from nuon_localengine import LocalEngine, LogMessage, Secret

HERE = Path(__file__).parent
mode, store = sys.argv[1], sys.argv[2]
working = threading.Event()


def on_log(message: LogMessage) -> None:
    if message.ephemeral and message.message == "working on k1-second":
        working.set()


engine = LocalEngine(
    HERE / "programs" / "things",
    project="things",
    config={"key": "k1", "token": Secret("t"), "testprov:store": store, "waitForCancel": "true"},
    plugins={"testprov": [sys.executable, str(HERE / "thing_plugin.py")]},
    on_log=on_log,
)
threading.Thread(target=engine.up, daemon=True).start()  # waits in the plugin until Cancel
if not working.wait(60):
    sys.exit("the update never reached the waiting resource")
print("ready", flush=True)
sys.stdin.readline()

if mode == "exception":
    raise RuntimeError("the parent fails")
if mode == "systemexit":
    sys.exit(3)
if mode == "wait":
    time.sleep(600)
