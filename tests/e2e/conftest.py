"""Fixtures for the end-to-end runs through the real Pulumi CLI (`make e2e`; never part of `make test`).

A missing CLI fails these tests rather than skipping them: `make e2e` builds it first (tools/pulumi-cli/build.sh).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_nuon._version import __version__
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, new_org
from tests.e2e.differential import SCENARIOS, Difference, Run, Scenario
from tests.e2e.realcli import (
    EXAMPLES,
    REPO,
    STATE,
    Project,
    go_driver,
    locate_cli,
    node_driver,
    offline_env,
    python_driver,
    run,
)

# The wall time of every operation, by example: printed at the end of the run and kept in results.json. Rows travel
# on the test's report (user_properties), so the table is whole when the tests ran in pytest-xdist workers.
TIMINGS: list[dict[str, Any]] = []
_PENDING: list[dict[str, Any]] = []
_TIMINGS_PROPERTY = "e2e-timings"
FAST = {"pollIntervalSeconds": "0.05", "timeoutSeconds": "60"}
# Pulumi.yaml's config types have no "number" (string, integer, boolean, array, object): YAML polls in whole seconds.
FAST_YAML = {"pollIntervalSeconds": "1", "timeoutSeconds": "60"}


# The differential table's rows (tests/e2e/test_differential.py), carried the same way; written at the end to
# .pulumi-nuon-state/e2e/differential.json, and to NUON_DIFFERENTIAL_RESULTS when set (make differential).
DIFFERENTIAL: list[dict[str, Any]] = []
_PENDING_DIFFERENTIAL: list[dict[str, Any]] = []
_DIFFERENTIAL_PROPERTY = "e2e-differential"


def record(example: str, operation: str, seconds: float, result: str) -> None:
    _PENDING.append({"example": example, "operation": operation, "seconds": round(seconds, 2), "result": result})


def record_differential(scenario: Scenario, real: list[Run], local: list[Run], found: list[Difference]) -> None:
    """One scenario's row: each engine's result and times (in pair order), and the differences found."""

    def engine(runs: list[Run]) -> dict[str, Any]:
        exits = [value for key, value in runs[0].facts.items() if key.endswith(" / exit")]
        return {
            "result": " → ".join(exits),
            "seconds": [round(run.seconds, 3) for run in runs],
            "op_seconds": [round(run.op_seconds, 3) for run in runs],
        }

    _PENDING_DIFFERENTIAL.append(
        {
            "scenario": scenario.name,
            "operations": [op.key for op in scenario.ops],
            "real": engine(real),
            "localengine": engine(local),
            "differences": len(found),
        }
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if call.when == "teardown" and _PENDING:
        report.user_properties.append((_TIMINGS_PROPERTY, list(_PENDING)))
        _PENDING.clear()
    if call.when == "teardown" and _PENDING_DIFFERENTIAL:
        report.user_properties.append((_DIFFERENTIAL_PROPERTY, list(_PENDING_DIFFERENTIAL)))
        _PENDING_DIFFERENTIAL.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, rows in report.user_properties:
        if name == _TIMINGS_PROPERTY:
            TIMINGS.extend(rows)
        elif name == _DIFFERENTIAL_PROPERTY:
            DIFFERENTIAL.extend(rows)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if DIFFERENTIAL:
        _write_differential(terminalreporter)
    if not TIMINGS:
        return
    terminalreporter.section("real Pulumi CLI: each example × each operation")
    for row in TIMINGS:
        terminalreporter.write_line(
            f"{row['example']:<22} {row['operation']:<34} {row['result']:<28} {row['seconds']:>7.2f} s"
        )
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "results.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")


def _write_differential(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.e2e.differential_table import render_text

    order = [s.name for s in SCENARIOS]
    rows = sorted(DIFFERENTIAL, key=lambda row: order.index(row["scenario"]))
    results = {"meta": {**_RUN_META, "loadavg_at_end": list(os.getloadavg())}, "scenarios": rows}
    terminalreporter.section("the differential table: real Pulumi CLI and LocalEngine")
    for line in render_text(results).splitlines():
        terminalreporter.write_line(line)
    STATE.mkdir(parents=True, exist_ok=True)
    paths = [STATE / "differential.json"]
    if os.environ.get("NUON_DIFFERENTIAL_RESULTS") and len(rows) == len(SCENARIOS):
        paths.append(Path(os.environ["NUON_DIFFERENTIAL_RESULTS"]))
    for path in paths:
        path.write_text(json.dumps(results, indent=2) + "\n")
        terminalreporter.write_line(f"written to {path}")


_RUN_META: dict[str, Any] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without workers)
        head = ["git", "rev-parse", "--short", "HEAD"]
        _RUN_META.update(
            commit=subprocess.run(head, cwd=EXAMPLES, capture_output=True, text=True, check=False).stdout.strip(),
            cpus=os.cpu_count(),
            loadavg_at_start=list(os.getloadavg()),
            pairs=int(os.environ.get("NUON_DIFFERENTIAL_PAIRS") or 1),
            command=os.environ.get("NUON_DIFFERENTIAL_COMMAND") or "make e2e",
        )


@pytest.fixture(scope="session")
def cli_bin() -> Path:
    bin_dir = locate_cli()
    assert (bin_dir / "pulumi").is_file(), f"no pulumi in {bin_dir}: run `make pulumi-cli`"
    return bin_dir


@pytest.fixture(scope="session")
def state() -> Path:
    """This run's backend and PULUMI_HOME (a new folder each run: no state is carried between runs)."""
    folder = STATE / f"run-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def example_venv(state: Path) -> Path:
    """A venv made as the Python examples' READMEs say: `pip install -r requirements.txt` from the example's folder
    (this checkout, installed as a user installs it, not editable). All four examples ask for the same requirements
    (test_examples checks), so one venv serves them."""
    venv = state / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "requirements.txt"], cwd=EXAMPLES / "gated-rollout", check=True)
    return venv


@pytest.fixture(scope="session")
def plugin_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`make plugin-archive`'s archive (tools/plugin_archive.py), built once per run. `make e2e` runs two pytest-xdist
    workers, each a process with its own session: the first to take the lock builds the archive into the folder both
    share (the run's temporary root), the other waits and takes that file."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's root, above each worker's own folder
    with (shared / "plugin-archive.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = shared / "plugin-archive.path"
        if not made.exists():
            built = subprocess.run(
                [sys.executable, str(REPO / "tools" / "plugin_archive.py"), str(shared / "plugin-archive")],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            made.write_text(built.stdout.strip())
        archive = Path(made.read_text())
    assert archive.name == f"pulumi-resource-nuon-v{__version__}.tar.gz", archive
    return archive


@pytest.fixture(scope="session")
def installed_plugin(cli_bin: Path, state: Path, plugin_archive: Path) -> Path:
    """The archive installed as users install it, once per worker: `pulumi plugin install resource nuon <version>
    --file <archive>`, into a PULUMI_HOME of its own (`state/plugin-home`; each worker has its own `state`). The other
    tests keep theirs (`state/home`), where no `nuon` is installed: their programs get the plugin by path, and one
    checks that a functions-only program installs none. Returns the installed plugin's folder."""
    env = offline_env(cli_bin, state)
    env["PULUMI_HOME"] = str(state / PLUGIN_HOME)
    pulumi = str(cli_bin / "pulumi")
    installed = run(
        [pulumi, "plugin", "install", "resource", "nuon", __version__, "--file", str(plugin_archive)],
        cwd=state,
        env=env,
        timeout=120,
    ).ok()
    record("plugin archive", "pulumi plugin install --file", installed.seconds, "ok")
    folder = state / PLUGIN_HOME / "plugins" / f"resource-nuon-v{__version__}"
    assert os.access(folder / "pulumi-resource-nuon", os.X_OK), installed.output
    return folder


PLUGIN_HOME = "plugin-home"


@pytest.fixture
def org() -> Iterator[Org]:
    """The shared simulated org on 127.0.0.1: each poll of a latest deploy moves simulated time on by 10 s."""
    org = new_org(seed=5, releases=3)
    org.sim.auto_advance(10, route="latest_deploy")
    yield from org.served()


def nuon_config(org: Org) -> tuple[dict[str, str], dict[str, str]]:
    """Stack config (plain, secret) pointing a program at the served org, the canary as the token."""
    return {"nuon:apiUrl": org.url, "nuon:orgId": ORG_ID}, {"nuon:apiToken": CANARY_TOKEN}


@pytest.fixture
def project(
    cli_bin: Path, state: Path, example_venv: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Project]]:
    """`project("gated-rollout")`: the example folder driven through the real CLI (its stacks removed afterwards).

    `project("typescript-gate", installed_plugin=True)`: the example on the plugin installed from the archive, as a
    user who installed it runs it: a copy of the folder whose `Pulumi.yaml` has no `plugins` section (the example's
    own points at this checkout's `provider/`), PULUMI_HOME the one the archive was installed into, and ambient
    plugins ignored (the venv on PATH holds pip's `pulumi-resource-nuon`, which the engine would otherwise prefer).
    The engine then finds `nuon` by the name and version the SDK asks for. Its engine log is on
    (`Project.plugins_launched` says which plugin ran)."""
    made: list[Project] = []

    def make(name: str, folder: Path | None = None, *, installed_plugin: bool = False) -> Project:
        folder = folder or EXAMPLES / name
        runtime = _runtime(folder)
        if runtime == "go":
            driver: list[str] | None = go_driver(state)
        else:
            driver = {"python": python_driver(example_venv), "nodejs": node_driver(), "yaml": None}[runtime]
        path_first = [example_venv / "bin"]  # python3 for the dynamic-provider host, pulumi-resource-nuon for YAML
        env = offline_env(cli_bin, state, path_first=path_first)
        if installed_plugin:
            request.getfixturevalue("installed_plugin")
            folder = _without_plugin_path(folder, state / "programs" / f"{name}-{uuid.uuid4().hex[:8]}")
            env.update(PULUMI_HOME=str(state / PLUGIN_HOME), PULUMI_IGNORE_AMBIENT_PLUGINS="true")
        made.append(Project(folder, env, driver))
        if installed_plugin:
            made[-1].engine_logging(state / "logs" / folder.name)
        return made[-1]

    yield make
    # Only the stacks this test made: another worker may be running a stack in the same example folder.
    for proj in made:
        for stack in proj.stacks:
            proj.remove(stack)


def _without_plugin_path(example: Path, copy: Path) -> Path:
    """A copy of the example's folder whose Pulumi.yaml has no `plugins` section; its node_modules (if any) linked,
    not copied, so the program loads the example's own packages. Stack settings files are not copied."""
    shutil.copytree(
        example, copy, symlinks=True, ignore=shutil.ignore_patterns("node_modules", "Pulumi.*.yaml", "__pycache__")
    )
    if (example / "node_modules").is_dir():
        (copy / "node_modules").symlink_to(example / "node_modules", target_is_directory=True)
    project = yaml.safe_load((example / "Pulumi.yaml").read_text())
    assert "plugins" in project, f"{example.name}/Pulumi.yaml names no plugin path: use the example as it is"
    del project["plugins"]
    (copy / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return copy


def _runtime(folder: Path) -> str:
    runtime = yaml.safe_load((folder / "Pulumi.yaml").read_text())["runtime"]
    return str(runtime["name"] if isinstance(runtime, dict) else runtime)


def new_stack() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"
