"""`make demo` with the real CLI: `pulumi-nuon demo --pulumi-bin <what make pulumi-cli prints>`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import record

SCRIPT = Path(sys.executable).with_name("pulumi-nuon")


def _demo(cli_bin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUON_", "PULUMI_"))}
    return subprocess.run(
        [str(SCRIPT), "demo", "--pulumi-bin", str(cli_bin), "--speed", "8", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_runs_on_the_real_cli(cli_bin: Path) -> None:
    start = time.monotonic()
    done = _demo(cli_bin)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "pulumi-nuon demo (the real Pulumi CLI)" in out
    assert "+ 4 to create" in out and "+ 4 created" in out
    assert "is active: passed" in out
    assert out.rstrip().count("4 unchanged") == 1, out  # the second up
    record("demo (pulumi-nuon demo)", "preview, up, up (--speed 8)", seconds, "exit 0")


def test_demo_failure_scenario_fails_the_update_on_the_real_cli(cli_bin: Path) -> None:
    done = _demo(cli_bin, "--scenario", "failure")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Deploy gate failed on install" in done.stdout
    assert "DeployGate failed `pulumi up` with Nuon's own words" in done.stdout
