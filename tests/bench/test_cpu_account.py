"""tools/cpu_account.py (`make test-cpu`): the accounting records read right, only the command's processes counted,
and a real run that counts a process which outlives its parent."""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "cpu_account.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cpu_account", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


cpu_account = _tool()


def _record(pid: int, ppid: int, utime: int, stime: int = 0, comm: bytes = b"python3", flag: int = 0) -> bytes:
    # struct acct_v3 as the kernel writes it (include/uapi/linux/acct.h)
    return struct.pack("<BBHIIIIIIfHHHHHHHH16s", flag, 3, 0, 0, 0, 0, pid, ppid, 0, 0.0, utime, stime, *[0] * 6, comm)


def test_comp_t_is_a_13_bit_mantissa_and_a_base_8_exponent() -> None:
    assert cpu_account.comp_t(0) == 0
    assert cpu_account.comp_t(1234) == 1234
    assert cpu_account.comp_t(0x1FFF) == 8191
    assert cpu_account.comp_t((1 << 13) | 5) == 40
    assert cpu_account.comp_t((2 << 13) | 3) == 3 * 64


def test_records_are_read_with_their_cpu_name_and_fork_flag() -> None:
    data = _record(10, 1, 150, 25, b"node") + _record(11, 10, (1 << 13) | 100, 0, b"python3", flag=0x01)
    first, second = cpu_account.parse(data)
    assert (first.pid, first.ppid, first.cpu, first.comm, first.forked) == (10, 1, 1.75, "node", False)
    assert (second.pid, second.ppid, second.cpu, second.forked) == (11, 10, 8.0, True)
    with pytest.raises(ValueError, match="version 2"):
        cpu_account.parse(data[:1] + b"\x02" + data[2:64])


def test_only_the_commands_descendants_are_counted() -> None:
    # 100 is the tool; 101 its command, 102 a grandchild whose parent (101) exited first, 103 reparented to the tool;
    # 200 and 201 are someone else's processes on the same machine.
    records = cpu_account.parse(
        _record(102, 101, 1) + _record(101, 100, 1) + _record(103, 100, 1) + _record(201, 200, 1) + _record(200, 1, 1)
    )
    assert sorted(r.pid for r in cpu_account.descendants(records, 100)) == [101, 102, 103]


def test_kinds_tell_the_suites_processes_apart() -> None:
    record = cpu_account.Record(1, 0, 0.1, "python", False)
    forked = cpu_account.Record(1, 0, 0.1, "python", True)
    worker = "/x/.venv/bin/python -u -c import sys;exec(eval(sys.stdin.readline()))"
    assert cpu_account.kind(record, worker) == "pytest worker (xdist)"
    server = "/x/.venv/bin/python -u /x/tools/localengine/src/nuon_localengine/fork_main.py 9 grpc,pulumi.dynamic"
    assert cpu_account.kind(forked, server) == "forked child (LocalEngine)"
    assert cpu_account.kind(record, server) == "fork server (LocalEngine)"
    assert cpu_account.kind(record, "/x/.venv/bin/python -u -m pulumi.dynamic") == "dynamic-provider host, fresh"
    assert cpu_account.kind(record, "/x/.venv/bin/python /x/.venv/bin/pulumi-nuon wait x") == "pulumi-nuon CLI"
    assert cpu_account.kind(cpu_account.Record(1, 0, 0.1, "link", False), "") == "go (link)"
    assert cpu_account.kind(cpu_account.Record(1, 0, 0.1, "bash", False), "") == "other: bash"


def _account(command: list[str], tmp_path: Path, *, accounting: bool = False) -> tuple[dict[str, Any], str]:
    out = tmp_path / "figures.json"
    env = dict(os.environ)
    if accounting:
        env.pop("CPU_ACCOUNT_ACTIVE", None)
    else:
        # The kernel keeps one accounting file per machine: turned on here, it would steal the account of a
        # `make test-cpu` running this suite (or any other on the machine). The suite counts without it.
        env["CPU_ACCOUNT_ACTIVE"] = "1"
    done = subprocess.run(
        [sys.executable, str(TOOL), "--json", str(out), "--", *command],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures: dict[str, Any] = json.loads(out.read_text())
    assert figures["returncode"] == 0
    return figures, done.stdout


BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
# The command exits at once, leaving its child burning CPU: only a subreaper still counts it.
ORPHAN = [sys.executable, "-c", f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {BURN!r}])"]


def test_a_real_run_counts_the_process_that_outlived_its_parent(tmp_path: Path) -> None:
    figures, shown = _account(ORPHAN, tmp_path)
    assert figures["cpu"] >= 0.3, figures
    assert "every process it started counted" in shown
    assert "kinds" not in figures and "an enclosing run of this tool is counting" in shown, shown


def test_the_command_gets_ctrl_c_even_where_the_tool_was_started_ignoring_it(tmp_path: Path) -> None:
    probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    script = f"trap '' INT; exec {sys.executable} {TOOL} -- {sys.executable} -c '{probe}'"
    done = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=60, env={**os.environ, "CPU_ACCOUNT_ACTIVE": "1"}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True\n"), done.stdout


@pytest.mark.benchmark
@pytest.mark.skipif(os.geteuid() != 0, reason="BSD process accounting needs root (CAP_SYS_PACCT)")
def test_process_accounting_breaks_the_cpu_down_by_process(tmp_path: Path) -> None:
    """In `make bench` (never in make test: see `_account`), the real accounting path: the orphan is in the
    breakdown with its CPU."""
    figures, shown = _account(ORPHAN, tmp_path, accounting=True)
    python = figures["kinds"]["python -c (import checks and the like)"]
    assert python["count"] >= 1 and python["cpu"] >= 0.29, figures
    assert "in 2 processes" in shown or "in 3 processes" in shown, shown
