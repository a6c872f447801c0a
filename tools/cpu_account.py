"""Where a command's CPU goes: every process it starts, by kind (`make test-cpu` runs it around `make test`).

    python3 tools/cpu_account.py [--json FILE] -- COMMAND...

The command runs as a child subreaper, so every process it starts is counted, those that outlive their parent
included (`getrusage` of a plain parent misses them). The total is exact everywhere on Linux.

The breakdown needs BSD process accounting (`acct(2)`: root, or CAP_SYS_PACCT): the kernel then appends a record
with the CPU time of every process that exits, forked-only children included (the fork server's hosts and
programs, whose CPU a test's `getrusage` never sees). Only the command's descendants are counted, found by
parent pid, so other work on the machine does not leak in — but the accounting file is the machine's: two runs at
once steal each other's. Command lines come from a poller reading `/proc` every 10 ms (a process that lives less
than that is counted under its `comm` name; none of those costs much). Without the permission the tool says so and
prints the total only.

Records are the kernel's `struct acct_v3` (64 bytes; times in 1/100 s as `comp_t`: 3-bit base-8 exponent, 13-bit
mantissa). Standard library only: it runs with any python3.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_RECORD = struct.Struct("<BBHIIIIIIfHHHHHHHH16s")  # struct acct_v3 (include/uapi/linux/acct.h)
_AHZ = 100  # the accounting clock's ticks per second
_AFORK = 0x01  # ac_flag: forked, never exec'd
_PR_SET_CHILD_SUBREAPER = 36
_POLL_SECONDS = 0.01
# A pid's command line is read when it appears and again at these ages (seconds): it changes at exec, which comes
# within milliseconds of the fork. Each read takes the process's memory-map lock, so a process is read five times,
# not at every poll.
_READ_AT = (0.03, 0.1, 0.3, 1.0)
_ACTIVE = "CPU_ACCOUNT_ACTIVE"  # set for the command: a run inside it must not take the machine's one account


def comp_t(value: int) -> int:
    """A `comp_t` (13-bit mantissa, 3-bit base-8 exponent) as an integer."""
    return (value & 0x1FFF) << (3 * ((value >> 13) & 0x7))


@dataclass(frozen=True)
class Record:
    pid: int
    ppid: int
    cpu: float  # user + system seconds
    comm: str
    forked: bool  # forked without exec (a fork server's child)


def parse(data: bytes) -> list[Record]:
    """The v3 records in an accounting file's bytes."""
    records = []
    for offset in range(0, len(data) - _RECORD.size + 1, _RECORD.size):
        fields = _RECORD.unpack_from(data, offset)
        flag, version, *_, pid, ppid, _btime, _etime, utime, stime = fields[:12]
        if version & 0x7F != 3:
            raise ValueError(f"accounting record version {version} at byte {offset}: only v3 is read")
        comm = fields[-1].rstrip(b"\0").decode(errors="replace")
        cpu = (comp_t(utime) + comp_t(stime)) / _AHZ
        records.append(Record(pid, ppid, cpu, comm, bool(flag & _AFORK)))
    return records


def descendants(records: list[Record], root: int) -> list[Record]:
    """The records of `root`'s descendants (by parent pid, through processes that exited or not)."""
    parent = {r.pid: r.ppid for r in records}
    ours: dict[int, bool] = {root: True}

    def belongs(pid: int) -> bool:
        chain: list[int] = []
        while pid not in ours and pid in parent and len(chain) < 64:
            chain.append(pid)
            pid = parent[pid]
        verdict = ours.get(pid, False)
        for p in chain:
            ours[p] = verdict
        return verdict

    return [r for r in records if r.pid != root and belongs(r.pid)]


# Kinds, first match wins: (name, test on the command line and the record). Python processes are told apart by
# what they run; the rest by executable.
_KINDS: list[tuple[str, Callable[[str, Record], bool]]] = [
    ("pytest worker (xdist)", lambda c, r: "exec(eval(sys.stdin.readline()))" in c),
    ("floor run (pytest)", lambda c, r: ".venv-floor/bin/python -m pytest" in c),
    ("pytest (main)", lambda c, r: "bin/pytest" in c and not r.forked),
    ("forked child (LocalEngine)", lambda c, r: "fork_main.py" in c and r.forked),
    ("fork server (LocalEngine)", lambda c, r: "fork_main.py" in c),
    ("dynamic-provider host, fresh", lambda c, r: "pulumi.dynamic" in c),
    ("Python program process, fresh", lambda c, r: "python_exec.py" in c),
    ("native plugin (console script)", lambda c, r: "pulumi-resource-nuon" in c),
    ("native plugin (provider dir)", lambda c, r: any(a.endswith("/provider") for a in c.split(" ")[1:2])),
    ("pulumi-nuon CLI", lambda c, r: "bin/pulumi-nuon" in c or "pulumi_nuon.cli" in c),
    ("LocalEngine lifetime parent", lambda c, r: "lifetime_parent.py" in c),
    ("tsc", lambda c, r: "/tsc " in c),
    ("node program (@pulumi/pulumi run)", lambda c, r: r.comm == "node" and "cmd/run" in c),
    ("node, other", lambda c, r: r.comm == "node"),
    ("go (link)", lambda c, r: r.comm == "link"),
    ("go", lambda c, r: r.comm in ("go", "compile", "vet", "asm", "cgo") or "/go/pkg/tool/" in c),
    ("java/javac", lambda c, r: r.comm in ("java", "javac") or "javac" in c),
    ("mvn", lambda c, r: "maven" in c),
    ("mypy", lambda c, r: "mypy" in c),
    ("ruff", lambda c, r: r.comm == "ruff"),
    ("python -c (import checks and the like)", lambda c, r: " -c " in c and "python" in c),
    ("python, other", lambda c, r: "python" in c or r.comm.startswith("python")),
]


def kind(record: Record, command: str) -> str:
    for name, test in _KINDS:
        if test(command, record):
            return name
    return f"other: {record.comm}"


class _CommandLines(threading.Thread):
    """Reads each new pid's command line when it appears and at the ages in `_READ_AT` (it changes at exec)."""

    def __init__(self) -> None:
        super().__init__(name="cmdlines", daemon=True)
        self.lines: dict[int, str] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        seen: dict[int, tuple[float, int]] = {}  # pid: (when it appeared, how many of _READ_AT are done)
        while not self.stopped.is_set():
            now = time.monotonic()
            for name in os.listdir("/proc"):
                if not name.isdigit():
                    continue
                pid = int(name)
                if pid not in seen:
                    seen[pid] = (now, 0)
                else:
                    appeared, done = seen[pid]
                    if done == len(_READ_AT) or now - appeared < _READ_AT[done]:
                        continue
                    seen[pid] = (appeared, done + 1)
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        line = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    continue
                if line:
                    self.lines[pid] = line
            time.sleep(_POLL_SECONDS)


def _acct(path: str | None) -> str | None:
    """Turn process accounting on into `path` (off with None); why it was refused, or None."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.acct(path.encode() if path else None) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def run(command: list[str], json_out: str | None) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    descriptor, account = tempfile.mkstemp(prefix="cpu-account-", suffix=".acct")
    os.close(descriptor)
    refused: str | None
    if not sys.platform.startswith("linux"):
        refused = "not Linux"
    elif os.environ.get(_ACTIVE):
        refused = "an enclosing run of this tool is counting (the kernel keeps one accounting file)"
    else:
        refused = _acct(account)
    lines = _CommandLines()
    if refused is None:
        lines.start()
    started = time.perf_counter()
    # The command gets Ctrl-C as it would from a shell's foreground, even where this tool was started with SIGINT
    # ignored (a background job): make test's Ctrl-C tests need it. This process ignores it and counts what the
    # command did; SIGTERM ends it through `finally`, so the machine's accounting is never left on.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        child = subprocess.Popen(command, env={**os.environ, _ACTIVE: "1"})
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        returncode = child.wait()
        wall = time.perf_counter() - started  # the command's; what outlived it is still counted below
        deadline = time.monotonic() + 30.0  # what outlived the command, reparented to us
        while time.monotonic() < deadline:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    time.sleep(0.1)
            except ChildProcessError:
                break
    finally:
        if refused is None:
            _acct(None)
            lines.stopped.set()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    report: dict[str, object] = {"command": command, "returncode": returncode, "wall": round(wall, 2)}
    report.update(cpu=round(total, 2), user=round(usage.ru_utime, 2), system=round(usage.ru_stime, 2))
    print(
        f"\n{' '.join(command)}: exit {returncode}, {wall:.1f} s wall, {total:.1f} s of CPU "
        f"(user {usage.ru_utime:.1f}, system {usage.ru_stime:.1f}), every process it started counted"
    )
    if refused is None:
        with open(account, "rb") as f:
            records = descendants(parse(f.read()), os.getpid())
        by_kind: dict[str, list[float]] = {}
        for record in records:
            by_kind.setdefault(kind(record, lines.lines.get(record.pid, "")), []).append(record.cpu)
        rows = sorted(((sum(v), len(v), k) for k, v in by_kind.items()), reverse=True)
        print(f"{'CPU s':>7} {'share':>6} {'count':>6} {'each ms':>8}  kind (BSD process accounting, 1/100 s)")
        for cpu, count, name in rows:
            print(f"{cpu:7.1f} {cpu / total:6.1%} {count:6d} {cpu / count * 1000:8.0f}  {name}")
        print(f"{sum(r.cpu for r in records):7.1f} in {len(records)} processes")
        report["kinds"] = {name: {"cpu": round(cpu, 2), "count": count} for cpu, count, name in rows}
    else:
        print(f"(no breakdown: {refused}; process accounting needs root or CAP_SYS_PACCT on Linux)")
    os.unlink(account)
    if json_out:
        with open(json_out, "w") as f:
            json.dump(report, f, indent=1)
    return returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], usage="%(prog)s [--json FILE] -- COMMAND...")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    return run(command, args.json)


if __name__ == "__main__":
    sys.exit(main())
