"""`pulumi-nuon demo` end to end, as `make demo` runs it: a real process, the simulator on a WallClock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "pulumi-nuon"


def demo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUON_")}
    return subprocess.run(
        [str(SCRIPT), "demo", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_demo_gate_waits_passes_and_second_up_changes_nothing() -> None:
    done = demo("--speed", "20")  # the same story as `make demo`, 16 times faster
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "Traceback" not in out + done.stderr
    assert "+  create  web-app-rollout" in out  # the preview's plan
    assert "deploy_id        (known after the update)" in out
    # the simulated deploy moved while the update ran, and the gate's own lines saw it (not necessarily `queued`:
    # at 20x it lasts 0.1 s from the update's start, less than the host's first read takes to load httpx and
    # pydantic, which check and diff no longer load)
    assert "is queued" in out or "is planning" in out
    for status in ("executing", "pending-approval", "active"):
        assert f"is {status}" in out, status
    assert "| DeployGate: waiting for component" in out
    assert "all 1 install(s) passed" in out
    assert "gate_phase       succeeded" in out and "status           active" in out
    second = out.split("4. `pulumi up` again")[1].split("What just happened")[0]
    assert "no changes (4 resources unchanged)" in second
    assert second.count(" same ") == 4 and "create" not in second
    assert "What just happened" in out


def test_demo_failure_scenario_fails_the_update_with_nuons_words() -> None:
    done = demo("--scenario", "failure", "--speed", "20")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    reported = out.split("as `pulumi up` shows it:\n")[1].split("\n   `dns-switch`")[0]
    assert "Deploy gate failed on install" in reported and "UPGRADE FAILED: context deadline exceeded" in reported
    assert "Traceback" not in out and ".py" not in reported and len(reported.splitlines()) <= 6
    assert "`dns-switch` was not created" in out
