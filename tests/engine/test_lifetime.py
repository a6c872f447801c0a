"""Every process LocalEngine starts ends with the process that started it, however that process ends.

Each parent (tests/engine/lifetime_parent.py, or the demo) runs with a mark in its environment that every child
inherits; after the parent is gone, no living process may carry the mark. The parents run side by side, so the
whole module costs about one update.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nuon_localengine.spares import START_AHEAD_ENV

HERE = Path(__file__).parent
MARK = "PULUMI_NUON_LIFETIME_TEST"
ENDINGS = ["return", "exception", "systemexit", "sigterm", "sigkill"]
DEMO = Path(sys.executable).parent / "pulumi-nuon"


def marked(token: str) -> list[int]:
    """Living processes whose environment carries `MARK=token`."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # a zombie is dead, waiting to be reaped
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def wait_until_none(token: str, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (alive := marked(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@dataclass
class Ending:
    token: str
    children_before: list[int] = field(default_factory=list)
    exit_code: int | None = None
    survivors: list[int] = field(default_factory=list)


def _start_parent(ending: str, token: str, store: Path) -> subprocess.Popen[str]:
    mode = "wait" if ending.startswith("sig") else ending
    return subprocess.Popen(
        [sys.executable, str(HERE / "lifetime_parent.py"), mode, str(store)],
        # the next operation's program process started ahead is one of the children that must end with the parent
        env={**os.environ, MARK: token, START_AHEAD_ENV: "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _end_parent(ending: str, parent: subprocess.Popen[str], outcome: Ending) -> None:
    assert parent.stdin is not None and parent.stdout is not None
    if parent.stdout.readline().strip() == "ready":
        outcome.children_before = [pid for pid in marked(outcome.token) if pid != parent.pid]
        if ending == "sigterm":
            parent.send_signal(signal.SIGTERM)
        elif ending == "sigkill":
            parent.kill()
        else:
            parent.stdin.write("go\n")
            parent.stdin.flush()
    outcome.exit_code = parent.wait(timeout=60)
    parent.stdin.close()
    parent.stdout.close()
    outcome.survivors = wait_until_none(outcome.token)


def _kill_the_demo(outcome: Ending) -> None:
    """What `subprocess.run([...demo], timeout=T)` does when T passes (SIGKILL, then wait), at the moment the demo
    has children: a fixed T would race how fast the demo gets there on a loaded machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUON_")}
    env[MARK] = outcome.token
    demo = subprocess.Popen([str(DEMO), "demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and demo.poll() is None:
        outcome.children_before = [pid for pid in marked(outcome.token) if pid != demo.pid]
        if len(outcome.children_before) >= 2:
            break
        time.sleep(0.05)
    demo.kill()
    outcome.exit_code = demo.wait()
    outcome.survivors = wait_until_none(outcome.token)


KILLED_DEMO = "demo killed as subprocess.run(timeout=) kills it"


@pytest.fixture(scope="module")
def endings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Ending]]:
    """Every way of ending a parent, run side by side."""
    outcomes = {name: Ending(uuid.uuid4().hex) for name in [*ENDINGS, KILLED_DEMO]}
    threads = [threading.Thread(target=_kill_the_demo, args=(outcomes[KILLED_DEMO],))]
    for name in ENDINGS:
        parent = _start_parent(name, outcomes[name].token, tmp_path_factory.mktemp(name))
        threads.append(threading.Thread(target=_end_parent, args=(name, parent, outcomes[name])))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    yield outcomes
    for outcome in outcomes.values():  # leave nothing behind even when a test failed
        for pid in marked(outcome.token):
            os.kill(pid, signal.SIGKILL)


EXPECTED_EXIT = {"return": 0, "exception": 1, "systemexit": 3, "sigterm": -15, "sigkill": -9}


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find the processes")
@pytest.mark.parametrize("ending", [*ENDINGS, KILLED_DEMO])
def test_no_process_outlives_its_parent(endings: dict[str, Ending], ending: str) -> None:
    outcome = endings[ending]
    # The parent had an update in flight: a program process and provider plugins, at least.
    assert len(outcome.children_before) >= 2, outcome
    assert outcome.exit_code == EXPECTED_EXIT.get(ending, -9)
    assert outcome.survivors == [], f"still running after the parent ended ({ending}): {outcome.survivors}"


_STAND_IN_ENGINE = """
import subprocess, sys, time
from concurrent import futures
import grpc
server = grpc.server(futures.ThreadPoolExecutor(2))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
# As an engine starts a plugin: flags first, the engine's address last; a session of its own, so nothing but the
# plugin itself can notice that the engine died (no parent-death signal, no shared process group).
plugin = subprocess.Popen(
    [sys.argv[1], "--logtostderr", "-v=1", f"127.0.0.1:{port}"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
)
plugin.stdout.readline()
print(plugin.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("signal_", [signal.SIGKILL, signal.SIGTERM])
def test_the_plugin_exits_by_itself_when_its_engine_is_killed(signal_: signal.Signals) -> None:
    """Not LocalEngine's parent-death shim: a stand-in engine (a gRPC server) starts `pulumi-resource-nuon` as the
    real engine does and is killed; the plugin notices the engine's address stopped answering and exits."""
    from tests.conftest import tally

    script = Path(sys.executable).parent / "pulumi-resource-nuon"
    engine = subprocess.Popen([sys.executable, "-c", _STAND_IN_ENGINE, str(script)], stdout=subprocess.PIPE, text=True)
    assert engine.stdout is not None
    try:
        plugin = int(engine.stdout.readline())
        time.sleep(1.5)  # the plugin has reached its engine at least once
        os.kill(plugin, 0)  # alive while its engine is
        engine.send_signal(signal_)
        engine.wait(timeout=10)
        killed = time.monotonic()
        while time.monotonic() - killed < 15:
            try:
                os.kill(plugin, 0)
            except ProcessLookupError:
                break
            with open(f"/proc/{plugin}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.1)
        else:
            os.kill(plugin, signal.SIGKILL)
            tally("lifetime (plugin without its engine)", 1, 1)
            pytest.fail("the plugin was still alive 15 s after its engine was killed")
        tally("lifetime (plugin without its engine)", 1, 0)
        assert time.monotonic() - killed < 8
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait()
        engine.stdout.close()
