"""A Python program on the generated Python SDK (sdk/python, `pulumi_nuon_native`: the native plugin from Python),
examples/python-sdk-gate, through the real CLI: the gate, a function and a LatestDeploy, with `python` driving the
Automation API's inline program as for the other Python examples (tests/e2e/drive_python.py). The SDK is the wheel a
provider's release build makes (tools/python_sdk_wheel.py, `make sdk-wheel`), pip-installed into the examples' venv;
in that venv, Pulumi's Python host's own steps (tests/e2e/pyhost.py) find the plugin the wheel asks for."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_nuon._version import __version__
from pulumi_nuon.native.schema import LANGUAGE, PACKAGE
from tests.conftest import CANARY_TOKEN, Org
from tests.e2e.conftest import FAST, new_stack, nuon_config, record
from tests.e2e.pyhost import PluginDependency, pulumi_packages
from tests.e2e.realcli import PLUGIN_DIR, REPO, PluginLaunch, Project

ProjectFactory = Callable[..., Project]

SDK_PACKAGE = LANGUAGE["python"]["packageName"]


@pytest.fixture(scope="session")
def sdk_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdk/python's wheel, built by `make sdk-wheel`'s script."""
    out = tmp_path_factory.mktemp("sdk-wheel")
    built = subprocess.run(
        [sys.executable, str(REPO / "tools" / "python_sdk_wheel.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return Path(built.stdout.strip())


@pytest.fixture(scope="session")
def sdk_venv(example_venv: Path, sdk_wheel: Path) -> Path:
    """The examples' venv (this package installed from requirements.txt) with the SDK's wheel installed too."""
    pip = [str(example_venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-deps", str(sdk_wheel)], check=True, timeout=300)
    return example_venv


def test_the_wheel_tells_the_python_host_which_plugin_it_needs(sdk_wheel: Path, sdk_venv: Path) -> None:
    """The wheel carries pulumi-plugin.json, and in a venv with both packages Pulumi's Python host requires exactly
    one plugin: `nuon` at this version, from no server (the schema has no pluginDownloadURL: the engine uses an
    installed plugin, docs/registry/installation-configuration.md); `pulumi_nuon` (the dynamic resources) says
    "resource": false."""
    assert sdk_wheel.name == f"{SDK_PACKAGE}-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(sdk_wheel) as wheel:
        names = set(wheel.namelist())
        assert {f"{SDK_PACKAGE}/pulumi-plugin.json", f"{SDK_PACKAGE}/py.typed"} <= names, sorted(names)
        plugin = json.loads(wheel.read(f"{SDK_PACKAGE}/pulumi-plugin.json"))
    assert plugin == {"resource": True, "name": PACKAGE, "version": __version__}

    packages = pulumi_packages(sdk_venv)
    assert {name: package.requires for name, package in packages.items()} == {
        "pulumi-nuon": None,
        "pulumi-nuon-native": PluginDependency(name=PACKAGE, version=f"v{__version__}", server=""),
    }
    for package in packages.values():  # the installed copies, not this checkout's
        assert package.plugin_json is not None and "site-packages" in package.plugin_json.parts, package


def _config(org: Org) -> tuple[dict[str, str], dict[str, str]]:
    release = org.release(org.prod)
    plain, secret = nuon_config(org)
    return {**plain, "componentId": org.app.id, "installId": org.prod.id, "buildId": release.build_id, **FAST}, secret


def test_a_python_program_on_the_generated_sdk(
    org: Org, project: ProjectFactory, sdk_venv: Path, installed_plugin: Path
) -> None:
    """examples/python-sdk-gate on the plugin installed from the archive (conftest.installed_plugin), found by the
    name and version the SDK asks for: its Pulumi.yaml without the plugins.providers path."""
    proj = project("python-sdk-gate", installed_plugin=True)
    stack = new_stack()
    proj.init(stack, *_config(org))

    up = proj.op(stack, "up").ok()
    record("python on sdk/python", "up", up.seconds, ", ".join(f"{n} {k}" for k, n in sorted(up.changes.items())))
    outputs = proj.outputs(stack)
    assert outputs["gatePhase"] == "succeeded", (outputs, up.output)
    assert outputs["status"] == outputs["snapshotStatus"] == "active", outputs
    again = proj.op(stack, "up").ok()
    assert set(again.changes) == {"same"}, again.output
    destroy = proj.op(stack, "destroy").ok()
    assert "delete" in destroy.changes, destroy.output
    for run in (up, again, destroy):
        assert CANARY_TOKEN not in run.output
    launches = proj.plugins_launched(PACKAGE)
    assert len(launches) >= 3, launches
    assert set(launches) == {PluginLaunch(installed_plugin / "pulumi-resource-nuon", "installed", __version__)}, (
        launches
    )


def test_the_python_sdk_example_as_its_readme_says_on_the_plugin_path(
    org: Org, project: ProjectFactory, sdk_venv: Path, tmp_path: Path
) -> None:
    """The folder as it is: the engine runs its plugins.providers path (`../../provider`), though the venv's pip
    plugin is on PATH. A preview starts the plugin, configures it and reads the function."""
    proj = project("python-sdk-gate")
    proj.engine_logging(tmp_path / "log")
    stack = new_stack()
    proj.init(stack, *_config(org))
    preview = proj.op(stack, "preview").ok()
    record("python on sdk/python", "preview (plugin by path)", preview.seconds, "ok")
    assert "create" in preview.changes, preview.output
    assert set(proj.plugins_launched(PACKAGE)) == {PluginLaunch(PLUGIN_DIR / "pulumi-resource-nuon", "given", None)}
