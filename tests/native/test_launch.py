"""The plugin starts the ways the real engine starts it: with the engine's flags before its address, and from the
plugin directory's own executable (`provider/pulumi-resource-nuon`, run directly by the engine for a
`plugins.providers` path or a `pulumi package add`ed directory)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import empty_pb2

from pulumi_nuon._version import __version__
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, new_org
from tests.native.plugin import SCRIPT, FakeEngine, Plugin, Secret, plugin_env

LAUNCHER = Path(__file__).resolve().parents[2] / "provider" / "pulumi-resource-nuon"


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    engine = FakeEngine()
    yield engine
    engine.stop()


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--logtostderr", "-v=9"],
        ["--logtostderr", "-v=9", "--logflow", "--tracing", "http://127.0.0.1:1/tracing"],
        ["--tracing", "file:/tmp/x.trace"],
    ],
    ids=["bare", "logs", "logs-flow-tracing", "tracing"],
)
def test_engine_flags_before_the_address_are_not_read_as_the_address(engine: FakeEngine, flags: list[str]) -> None:
    """pkg/resource/plugin puts --logtostderr, -v=N, --logflow and --tracing X before the engine's address: the
    gate's status still reaches this engine's Log service (a flag's value read as the address would lose it)."""
    _gates_and_logs(Plugin(engine, plugin_env(), [str(SCRIPT), *flags, engine.address]))


def _gates_and_logs(plugin: Plugin) -> None:
    try:
        assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == __version__
        for org in new_org().served():
            deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
            plugin.configure({"apiUrl": org.url, "orgId": ORG_ID, "apiToken": Secret(CANARY_TOKEN)})
            inputs = {"componentId": org.app.id, "installId": org.prod.id, "buildId": deploy.build_id}
            assert plugin.create("DeployGate", "flags", {**inputs, "pollIntervalSeconds": 0.01}).ok
            assert plugin.engine.on(plugin.urn("DeployGate", "flags"), ephemeral=True), plugin.stderr
        assert "Traceback" not in plugin.stderr
    finally:
        plugin.close()


def test_the_plugin_directorys_executable_runs_the_plugin_with_the_python_it_is_given(engine: FakeEngine) -> None:
    env = {**plugin_env(), "PULUMI_NUON_PYTHON": sys.executable}
    _gates_and_logs(Plugin(engine, env, [str(LAUNCHER), "--logtostderr", "-v=3", engine.address]))


def test_the_plugin_directorys_executable_says_how_to_make_its_venv_when_no_python_has_the_package(
    tmp_path: Path,
) -> None:
    """Without PULUMI_NUON_PYTHON, ./venv or a python3 that has pulumi-nuon's dependencies: one clear message."""
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python3").symlink_to("/usr/bin/false")
    env = {"PATH": f"{bare}:/usr/bin:/bin"}
    if (LAUNCHER.parent / "venv").exists():
        pytest.skip("provider/venv exists in this checkout: the launcher would use it")
    done = subprocess.run([str(LAUNCHER), "127.0.0.1:1"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "python3 -m venv" in done.stderr and "requirements.txt" in done.stderr
    assert "PULUMI_NUON_PYTHON" in done.stderr
