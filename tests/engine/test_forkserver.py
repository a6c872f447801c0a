"""LocalEngine's fork server (`nuon_localengine.forkserver`): a forked Python child must see what a freshly started
one sees, end as it ends, and die as it dies; anything the server cannot run faithfully starts fresh."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nuon_localengine import fork_main, forkserver, processes, python_exec
from tests import conftest

HERE = Path(__file__).parent
PROBE = HERE / "fork_probe.py"
STALL = HERE / "fork_stall.py"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server is Linux-only")


@pytest.fixture
def fork(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(forkserver.FORK_ENV, "1")
    yield


def _run(argv: list[str], *, forked: bool, cwd: Path = HERE, stdin: bytes = b"hello\n", **env: str) -> dict[str, Any]:
    """Start `argv` through `processes` (forked or fresh), feed stdin, and read what it printed and how it ended."""
    before = os.environ.get(forkserver.FORK_ENV)
    os.environ[forkserver.FORK_ENV] = "1" if forked else "0"
    try:
        child = processes.start(argv, cwd=cwd, env={**os.environ, "PROBE_VALUE": "v1", **env}, stdin=subprocess.PIPE)
    finally:
        if before is None:
            del os.environ[forkserver.FORK_ENV]
        else:
            os.environ[forkserver.FORK_ENV] = before
    assert isinstance(child, forkserver.ForkedProcess) is forked, child
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    child.stdin.write(stdin)
    child.stdin.close()
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    code = child.wait(timeout=30)
    processes.forget(child)
    processes.close_streams(child)
    first, _, rest = out.partition("\n")
    return {"seen": json.loads(first), "rest": rest, "stderr": err, "code": code}


def _same(fresh: dict[str, Any], forked: dict[str, Any]) -> None:
    assert forked["seen"] == fresh["seen"]
    assert (forked["rest"], forked["code"]) == (fresh["rest"], fresh["code"])


@pytest.mark.parametrize("end", ["0", "3"])
def test_a_forked_script_sees_and_ends_as_a_fresh_one(end: str) -> None:
    argv = [sys.executable, "-u", str(PROBE), end]
    fresh, forked = _run(argv, forked=False), _run(argv, forked=True)
    _same(fresh, forked)
    assert forked["code"] == int(end) and forked["rest"] == "thread finished\nexit hook ran\n"
    assert forked["seen"]["death_signal"] == signal.SIGKILL


def test_the_shim_and_the_server_tie_a_childs_life_to_its_parent_alike() -> None:
    """processes._SHIM (a fresh start) and fork_main's forked child each set the parent-death signal and check the
    parent: two copies, as the shim is a `-c` string for a `-I -S` interpreter (a shared file would be compiled on
    every fresh start, or cached in the source tree). The probe above sees the same signal both ways; the rest:"""
    assert (fork_main._PR_SET_PDEATHSIG, fork_main._ORPHANED) == (processes._PR_SET_PDEATHSIG, processes._ORPHANED)


def test_the_server_and_the_exec_script_preload_alike(tmp_path: Path) -> None:
    """fork_main._preload and python_exec._preload are twins (scripts run as files, stdlib only before the
    preload): each imports what it can and goes on past a module that fails (which importlib leaves out of
    sys.modules, keeping what it imported)."""
    (tmp_path / "nuon_twin_dep.py").write_text("")
    (tmp_path / "nuon_twin_broken.py").write_text("import nuon_twin_dep\nraise RuntimeError('broken')\n")
    code = (
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "runpy.run_path(sys.argv[1], run_name='twin')['_preload']('colorsys,nuon_twin_broken,nuon_twin_missing,')\n"
        "print(sorted(name for name in sys.modules if name.startswith(('colorsys', 'nuon_twin'))))"
    )
    for script in (fork_main.__file__, python_exec.__file__):
        run = subprocess.run([sys.executable, "-c", code, script], capture_output=True, text=True, timeout=60)
        assert (run.returncode, run.stdout) == (0, "['colorsys', 'nuon_twin_dep']\n"), (script, run.stderr)


def test_a_forked_module_with_its_path_and_buffering_sees_what_a_fresh_one_sees(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "fork_probe", "0"]  # no -u: block-buffered stdout, as a fresh one has
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(HERE)]), "PYTHONUNBUFFERED": ""}
    fresh, forked = _run(argv, forked=False, cwd=tmp_path, **env), _run(argv, forked=True, cwd=tmp_path, **env)
    _same(fresh, forked)
    assert forked["seen"]["path"][:3] == [str(tmp_path), str(tmp_path), str(HERE)]
    assert forked["seen"]["stdout"] == [False, False, "BufferedWriter"]


def test_an_exception_ends_a_forked_child_with_its_traceback_and_exit_1() -> None:
    argv = [sys.executable, "-u", str(PROBE), "fail"]
    fresh, forked = _run(argv, forked=False), _run(argv, forked=True)
    _same(fresh, forked)
    assert forked["code"] == 1
    for stderr in (fresh["stderr"], forked["stderr"]):
        assert stderr.strip().endswith("RuntimeError: the probe fails"), stderr
        assert f'File "{PROBE}", line' in stderr


def test_a_forked_child_dies_with_its_signals_and_with_its_server(tmp_path: Path, fork: None) -> None:
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text(
        "import os, sys, time\nprint(os.getppid(), 'pulumi' in sys.modules, flush=True)\ntime.sleep(60)\n"
    )
    children = [processes.start([sys.executable, "-u", str(sleeper)]) for _ in range(3)]
    assert all(isinstance(child, forkserver.ForkedProcess) for child in children)
    seen = [child.stdout.readline().split() for child in children if child.stdout is not None]
    servers = {int(parent) for parent, _ in seen}
    assert len(servers) == 1 and os.getpid() not in servers and {preloaded for _, preloaded in seen} == {b"True"}
    with pytest.raises(subprocess.TimeoutExpired):
        children[0].wait(timeout=0.1)
    assert children[0].poll() is None
    assert processes.stop(children[0]) == -signal.SIGTERM
    children[1].kill()
    assert children[1].wait(timeout=10) == -signal.SIGKILL
    os.kill(servers.pop(), signal.SIGKILL)  # the server goes: its last child goes with it
    assert children[2].wait(timeout=10) == -signal.SIGKILL
    for child in children:
        processes.forget(child)
        processes.close_streams(child)


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        ([sys.executable, "-I", str(PROBE)], "an interpreter option other than -u"),
        ([sys.executable, "-c", "pass"], "-c"),
        (["/bin/sh", "-c", "true"], "not Python"),
    ],
)
def test_what_a_server_cannot_run_faithfully_starts_fresh(argv: list[str], why: str, fork: None) -> None:
    child = processes.start(argv)
    assert not isinstance(child, forkserver.ForkedProcess), why
    processes.stop(child, close_pipes=True)


def test_a_pythonpath_that_shadows_a_preloaded_package_starts_fresh(tmp_path: Path, fork: None) -> None:
    (tmp_path / "pulumi").mkdir()  # another `pulumi` than the server's: a forked child would get the server's
    child = processes.start([sys.executable, "-u", str(PROBE)], env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert not isinstance(child, forkserver.ForkedProcess)
    processes.stop(child, close_pipes=True)


def test_an_idle_server_is_stopped(tmp_path: Path, fork: None) -> None:
    quick = tmp_path / "quick.py"
    quick.write_text("import os\nprint(os.getppid(), flush=True)\n")
    # A start-up variable of its own gets it a server of its own: others may have children (kept spares).
    env = {**os.environ, "PYTHON_NUON_TEST_SERVER": str(tmp_path)}
    child = processes.start([sys.executable, "-u", str(quick)], env=env)
    assert child.stdout is not None
    server = int(child.stdout.readline())
    assert child.wait(timeout=10) == 0
    processes.forget(child)
    processes.close_streams(child)
    stopped = forkserver.stop_idle(time.monotonic() + 3600)
    assert server in {process.pid for process in stopped}
    for process in stopped:
        processes.forget(process)
    assert not Path(f"/proc/{server}").exists() or "Z" in Path(f"/proc/{server}/stat").read_text().split(")")[1][:3]


def _gone(pid: int) -> bool:
    """Whether the process has ended (a zombie nobody reaped yet counts: it runs nothing any more)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True


@pytest.mark.parametrize("mode", ["silent", "late", "no-fd"])
def test_a_server_that_took_a_request_but_did_not_answer_is_stopped_before_the_command_starts_fresh(
    tmp_path: Path, fork: None, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The server may have forked the command, or fork it later: unless it is stopped (and its child with it), the
    command runs twice. fork_stall.py's child runs the command only after the fresh start has."""
    runs, pids = tmp_path / "runs", tmp_path / "pids"
    monkeypatch.setattr(forkserver, "_FORK_MAIN", STALL)
    monkeypatch.setattr(forkserver, "_REPLY_TIMEOUT_SECONDS", 1.0)
    for name, value in {"STALL_MODE": mode, "STALL_PIDS": str(pids), "STALL_AFTER": str(runs)}.items():
        monkeypatch.setenv(name, value)
    appender = tmp_path / "append.py"
    appender.write_text("import sys\nwith open(sys.argv[1], 'a') as runs: runs.write('run\\n')\n")
    env = {**os.environ, "PYTHON_NUON_TEST_SERVER": str(tmp_path)}  # a server of its own: the stalling one
    # Started and up before the request, so the reply timeout runs out on the stall, not on its start (under load).
    server = forkserver._server(sys.executable, env, forkserver._preload(), processes._server)
    assert server is not None
    deadline = time.monotonic() + 30
    while not (pids.exists() and pids.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        child = processes.start([sys.executable, "-u", str(appender), str(runs)], env=env)
        assert not isinstance(child, forkserver.ForkedProcess)
        assert child.wait(timeout=30) == 0
        processes.stop(child, close_pipes=True)
        started = [int(line.split()[1]) for line in pids.read_text().splitlines()]
        assert started[0] == server.process.pid and len(started) <= 2  # the server, and its child if it forked
        deadline = time.monotonic() + 10
        while runs.read_text().count("run") < 2 and not all(map(_gone, started)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runs.read_text() == "run\n"  # once: the fresh start; the server's child never ran it
        assert all(map(_gone, started)) and server not in forkserver._servers.values()
    finally:  # a server the old code kept
        for key, known in list(forkserver._servers.items()):
            if known is server:
                del forkserver._servers[key]
        if server.process.poll() is None:
            server.process.kill()
            processes.forget(server.stop())


def test_a_process_that_exits_with_a_server_running_leaves_no_socket_open(tmp_path: Path) -> None:
    """processes.stop_all (the exit hook) kills the servers with the other children, then closes their control
    sockets: left open, each was an 'unclosed socket' ResourceWarning as the interpreter exited."""
    code = (
        "import os, sys, types\n"
        "from pathlib import Path\n"
        "package = types.ModuleType('nuon_localengine')  # its __init__ imports the SDK: just the two modules\n"
        "package.__path__ = [sys.argv[1]]\n"
        "sys.modules['nuon_localengine'] = package\n"
        "from nuon_localengine import forkserver, processes\n"
        "forkserver._FORK_MAIN = Path(sys.argv[2])  # a server that starts in 0.05 s: it only has to be started\n"
        "assert forkserver._server(sys.executable, dict(os.environ), [], processes._server) is not None\n"
    )
    env = {**os.environ, "STALL_MODE": "silent", "STALL_PIDS": str(tmp_path / "pids")}
    argv = [sys.executable, "-W", "error", "-c", code, str(Path(forkserver.__file__).parent), str(STALL)]
    run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (run.returncode, run.stderr) == (0, "")


def test_the_suites_preloads_import_and_leave_the_dynamic_host_alone() -> None:
    """tests/conftest.py names them for the server; each must import, and none may bring in `pulumi_nuon.dynamic`
    (its providers patch the host process they are imported in: the server is not that process)."""
    assert conftest.PRELOAD_ENV == forkserver.PRELOAD_ENV
    code = (
        "import importlib, sys\n"
        f"for name in {list(conftest.HOST_IMPORTS)!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('pulumi_nuon.dynamic')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


def test_the_cpu_log_has_a_line_per_forked_child(tmp_path: Path, fork: None, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "cpu.log"
    monkeypatch.setenv(forkserver.FORK_LOG_ENV, str(log))
    busy = tmp_path / "busy.py"
    busy.write_text("import time\nend = time.process_time() + 0.2\nwhile time.process_time() < end: pass\n")
    env = {**os.environ, "PYTHON_NUON_TEST_SERVER": str(tmp_path)}  # a server of its own, started with the log
    child = processes.start([sys.executable, "-u", str(busy), "x"], env=env)
    assert isinstance(child, forkserver.ForkedProcess) and child.wait(timeout=30) == 0
    processes.forget(child)
    processes.close_streams(child)
    deadline = time.monotonic() + 10
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    cpu, command = log.read_text().rstrip("\n").split("\t")
    assert command == f"-u {busy} x" and 0.2 <= float(cpu) < 5
