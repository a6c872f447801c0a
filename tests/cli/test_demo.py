"""`pulumi-nuon demo` end to end, as `make demo` runs it: a real process, the simulator on a WallClock."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_nuon.testing.simulator import APPLY_STATUSES

SCRIPT = Path(sys.executable).parent / "pulumi-nuon"


def demo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUON_")}
    env["PATH"] = os.defpath  # the venv not on PATH, as after `make demo`
    return subprocess.run(
        [str(SCRIPT), "demo", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def fast_demo() -> subprocess.CompletedProcess[str]:
    """One run of the story `make demo` tells, 16 times faster, read by the tests below (a demo run costs ~3 s of
    CPU: its own process, the programs and provider hosts it starts)."""
    return demo("--speed", "20")


def test_demo_gate_waits_passes_and_second_up_changes_nothing(fast_demo: subprocess.CompletedProcess[str]) -> None:
    done = fast_demo
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "Traceback" not in out + done.stderr
    assert "+  create  web-app-rollout" in out  # the preview's plan
    assert "deploy_id        (known after the update)" in out
    # The simulated deploy moved while the update ran, and the gate's own lines saw every status of its timeline,
    # in order, once each: the demo's simulator holds each status until a poll has read it, so the story does not
    # depend on how fast a loaded machine lets the gate poll (at 20x a status lasts 0.1 s of the timeline).
    seen = re.findall(r"^    \| \[ *[\d.]+s\] inl\w+: deploy dpl\w+ is ([\w-]+)", out, flags=re.M)
    assert seen == list(APPLY_STATUSES), out
    assert "| DeployGate: waiting for component" in out
    assert "all 1 install(s) passed" in out
    assert "gate_phase       succeeded" in out and "status           active" in out
    second = out.split("4. `pulumi up` again")[1].split("What just happened")[0]
    assert "no changes (4 resources unchanged)" in second
    assert second.count(" same ") == 4 and "create" not in second
    assert "What just happened" in out


def test_the_demo_ends_with_commands_the_user_can_paste_where_they_are(
    fast_demo: subprocess.CompletedProcess[str],
) -> None:
    """After `make demo` the venv is not on PATH: the next commands name its script (relative to where the demo
    ran, when under it), and how to activate it."""
    out = fast_demo.stdout
    tail = out.split("Try next:")[1]
    shown = SCRIPT.relative_to(Path.cwd()) if SCRIPT.is_relative_to(Path.cwd()) else SCRIPT
    assert f"\n  {shown} demo --scenario failure " in tail and f"\n  {shown} simulate " in tail
    assert f"`source {shown.parent / 'activate'}` first" in tail


def test_demo_failure_scenario_fails_the_update_with_nuons_words() -> None:
    done = demo("--scenario", "failure", "--speed", "20")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    reported = out.split("as `pulumi up` shows it:\n")[1].split("\n   `dns-switch`")[0]
    assert "Deploy gate failed on install" in reported and "UPGRADE FAILED: context deadline exceeded" in reported
    assert "Traceback" not in out and ".py" not in reported and len(reported.splitlines()) <= 6
    assert "`dns-switch` was not created" in out


def test_the_demo_says_how_long_its_gate_waits_from_the_scenarios_own_deploy() -> None:
    from pulumi_nuon.core import constants as C
    from pulumi_nuon.testing.simulator import Scenario

    sim = Scenario.load("demo").build()
    assert sim.deploys("acme-prod", "web-app")[-1].timeline.duration == C.DEMO_DEPLOY_SECONDS
