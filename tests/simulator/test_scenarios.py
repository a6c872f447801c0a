"""Scenario files (JSON, TOML), the built-in demo and failure scenarios, the CLI-facing `serve_forever`."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_nuon.testing.simulator import (
    APPLY_STATUSES,
    ManualClock,
    Scenario,
    ScenarioError,
    serve_forever,
)
from tests.conftest import CANARY_TOKEN
from tests.simulator.conftest import latest_path, releases_path

CUSTOM = {
    "name": "custom",
    "seed": 5,
    "token": "file-token",
    "org_id": "org-file",
    "epoch": "2026-01-02T03:04:05.250000Z",
    "components": [
        {"name": "api", "type": "terraform_module"},
        {"name": "worker", "id": "cmpworker0000000000000000a"},
    ],
    "installs": [{"name": "prod", "components": ["api", "worker"]}, {"name": "dev", "components": ["api"]}],
    "releases": [{"component": "api", "count": 4, "every_seconds": 60, "at": -10}],
    "deploys": [
        {
            "install": "dev",
            "component": "api",
            "timeline": {"kind": "failure", "step_seconds": 1, "description": "tf apply failed"},
        },
        {
            "install": "prod",
            "component": "worker",
            "timeline": {"steps": [[0, "queued"], [5, "hibernating"]], "appear_after": 10},
        },
    ],
    "faults": [{"kind": "status", "status": 503, "route": "releases", "times": 1}],
    "auto_advance": {"latest_deploy": 5},
}


def test_built_in_scenarios_are_listed_and_load_by_name() -> None:
    assert {"demo", "failure"} <= set(Scenario.builtin_names())
    demo = Scenario.load("demo")
    assert demo.name == "demo" and demo.source == "built-in:demo"


def test_demo_rolls_out_to_the_main_install_in_under_20_seconds() -> None:
    sim = Scenario.load("demo").build()
    assert len(sim.releases("web-app")) == 4
    seen: list[str] = []
    while True:
        deploy = sim.latest_deploy("acme-prod", "web-app")
        assert deploy is not None
        if not seen or seen[-1] != deploy["status"]:
            seen.append(deploy["status"])
        if deploy["status"] == "active" or sim.now > 60:
            break
        sim.advance(1)
    assert seen == list(APPLY_STATUSES)
    assert 10 <= sim.now <= 20
    others = [sim.latest_deploy(name, "web-app") for name in ("globex-prod", "initech-staging")]
    assert all(d is not None and d["status"] == "active" for d in others)


def test_failure_scenario_ends_in_error_with_a_realistic_description() -> None:
    sim = Scenario.load("failure").build()
    sim.advance(60)
    deploy = sim.latest_deploy("acme-prod", "web-app")
    assert deploy is not None and deploy["status"] == "error"
    assert "helm upgrade" in deploy["status_description"]
    assert sim.releases("web-app")[0]["status"] == "error"


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if not k.endswith(("_at", "_at_ts"))}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def test_scenarios_are_deterministic_given_the_seed() -> None:
    """Everything but the timestamps, which follow the wall clock (see the next test)."""
    first, again = Scenario.load("demo").build(), Scenario.load("demo").build()
    assert _without_times(first.releases("web-app")) == _without_times(again.releases("web-app"))
    other = Scenario.load("demo").build(seed=99)
    assert other.releases("web-app")[0]["id"] != first.releases("web-app")[0]["id"]


def test_json_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(CUSTOM))
    scenario = Scenario.load(str(path))
    sim = scenario.build()
    assert (sim.token, sim.org_id, scenario.name) == ("file-token", "org-file", "custom")
    headers = {"Authorization": "Bearer file-token", "X-Nuon-Org-ID": "org-file"}
    api = sim.component("api")
    with httpx.Client(transport=sim.transport(), base_url="http://sim", headers=headers) as c:
        assert c.get(releases_path(api.id)).status_code == 503  # the scripted fault
        releases = c.get(releases_path(api.id)).json()
        assert len(releases) == 4 and releases[0]["created_at"] == "2026-01-02T03:03:55.250000Z"
        dev, prod = sim.install("dev"), sim.install("prod")
        statuses = [c.get(latest_path(dev.id, api.id)).json()["status"] for _ in range(2)]
        assert statuses == ["queued", "error"]  # auto-advance 5 s per request: at 5 s the deploy fails
        worker = c.get(latest_path(prod.id, "cmpworker0000000000000000a"))
        assert worker.status_code == 200 and worker.json()["status"] == "queued"  # appeared at 10
        assert c.get(latest_path(prod.id, "cmpworker0000000000000000a")).json()["status"] == "hibernating"
    assert sim.now == 20


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TOML scenarios need tomllib")
def test_toml_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(
        'seed = 1\ntoken = "toml-token"\n'
        '[[components]]\nname = "app"\n'
        '[[installs]]\nname = "prod"\ncomponents = ["app"]\n'
        '[[deploys]]\ninstall = "prod"\ncomponent = "app"\ntimeline = "auto_skipped"\n'
    )
    sim = Scenario.from_file(path).build(clock=ManualClock(100))
    deploy = sim.latest_deploy("prod", "app")
    assert sim.token == "toml-token" and deploy is not None and deploy["status"] == "queued"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"components": [{"name": "a", "colour": "red"}]},
            r"components\[0\]: unknown field\(s\) \['colour'\]",
        ),
        ({"extra": 1}, r"unknown field\(s\) \['extra'\]"),
        ({"deploys": [{"install": "nope", "component": "x"}]}, "no install 'nope'"),
        ({"faults": [{"kind": "explode"}]}, "unknown fault kind 'explode'"),
        ({"faults": [{"kind": "reset", "status": 500}]}, r"unknown field\(s\) \['status'\]"),
        (
            {
                "components": [{"name": "a"}],
                "installs": [{"name": "p", "components": ["a"]}],
                "deploys": [{"install": "p", "component": "a", "timeline": {"kind": "sideways"}}],
            },
            "sideways",
        ),
        ({"releases_gone": 500}, "404 or 410"),
    ],
)
def test_bad_scenarios_fail_with_where_and_what(tmp_path: Path, document: dict[str, object], message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ScenarioError, match=message) as caught:
        Scenario.from_file(path)
    assert str(path) in str(caught.value)


def test_missing_or_unreadable_scenarios(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a file, and not a built-in"):
        Scenario.load("no-such-scenario")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ScenarioError, match="not a valid scenario document"):
        Scenario.load(broken)


def test_build_overrides_token_and_org() -> None:
    sim = Scenario.load("demo").build(token=CANARY_TOKEN, org_id="org-canary")
    assert (sim.token, sim.org_id) == (CANARY_TOKEN, "org-canary")


# -- serve_forever -------------------------------------------------------------------------------------------
def _wait_for_url(out: io.StringIO, done: threading.Event) -> str:
    for _ in range(200):
        found = re.search(r"NUON_API_URL=(\S+)", out.getvalue())
        if found:
            return found.group(1)
        done.wait(0.02)
    raise AssertionError(f"serve_forever printed no URL: {out.getvalue()!r}")


def test_serve_forever_in_a_thread_until_stopped() -> None:
    out, stop, done = io.StringIO(), threading.Event(), threading.Event()

    def run() -> None:
        serve_forever("failure", 0, out, speed=100, token=CANARY_TOKEN, stop=stop)
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        url = _wait_for_url(out, done)
        assert url.startswith("http://127.0.0.1:")
        assert f"NUON_API_TOKEN={CANARY_TOKEN} NUON_ORG_ID=org-sim" in out.getvalue()
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {CANARY_TOKEN}", "X-Nuon-Org-ID": "org-sim"}
        ) as c:
            assert c.get("/v1/components/x/releases").json() == []
    finally:
        stop.set()
        thread.join(timeout=5)
    assert done.is_set() and out.getvalue().endswith("Nuon simulator stopped.\n")
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/v1/components/x/releases", timeout=1)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_serve_forever_in_a_process_stops_cleanly_on_ctrl_c() -> None:
    code = "import sys; from pulumi_nuon.testing.simulator import serve_forever as s; s(None, 0, sys.stdout)"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert "scenario 'demo'" in first and "http://127.0.0.1:" in first
        url = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert url is not None
        with httpx.Client(
            base_url=url.group(0), headers={"Authorization": "Bearer sim-token", "X-Nuon-Org-ID": "org-sim"}
        ) as c:
            assert c.get(latest_path("inlx", "cmpx")).status_code == 404
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert "Nuon simulator stopped." in out and "Traceback" not in err


def test_timestamps_put_simulated_time_zero_at_the_wall_clock_when_the_simulator_was_made() -> None:
    """So a deploy that starts now reads as starting now (a gate compares them with its own start)."""
    before = datetime.now(timezone.utc)
    sim = Scenario.load("demo").build()
    after = datetime.now(timezone.utc)
    sim.advance(30)
    deploy = sim.latest_deploy("acme-prod", "web-app")
    assert deploy is not None
    created = datetime.fromisoformat(deploy["created_at"].replace("Z", "+00:00"))
    assert before <= created <= after  # the rollout's deploy was triggered at simulated time 0
    updated = datetime.fromisoformat(deploy["updated_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=10) <= updated - created <= timedelta(seconds=30)
