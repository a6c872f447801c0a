"""Each example through the real Pulumi CLI against the simulator: preview, up, an up that changes nothing, refresh,
`pulumi stack output --json`, destroy — the commands its README gives, with its config set by `pulumi config set`.

YAML runs through `pulumi` alone (its language host is built with the CLI). Python, TypeScript and Go programs run
through the Automation API's inline program (tests/e2e/drive_*): the real CLI and engine, the program served by the
driver instead of a language host that cannot be built here (docs/real-pulumi.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_nuon._version import __version__
from tests.conftest import CANARY_TOKEN, Org
from tests.e2e.conftest import FAST, FAST_YAML, PLUGIN_HOME, new_stack, nuon_config, record
from tests.e2e.realcli import EXAMPLES, PLUGIN_DIR, PluginLaunch, Project

ProjectFactory = Callable[..., Project]


def _config(name: str, org: Org) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(config, secrets, path config) for an example, as its README sets them."""
    plain, secret = nuon_config(org)
    paths: dict[str, str] = {}
    if name == "releases-outputs":
        plain.update(componentId=org.app.id, installId=org.prod.id)
    elif name == "fleet-gate":
        release = org.release(org.prod, org.staging)
        plain.update(componentId=org.app.id, buildId=release.build_id, **FAST)
        paths = {"installIds[0]": org.prod.id, "installIds[1]": org.staging.id}
    else:
        release = org.release(org.prod)
        fast = FAST_YAML if name.startswith("yaml") else FAST
        plain.update(componentId=org.app.id, installId=org.prod.id, buildId=release.build_id, **fast)
    return plain, secret, paths


EXPECTED: dict[str, dict[str, Any]] = {
    "releases-outputs": {"deploy_status": "active"},
    "gated-rollout": {"gate_phase": "succeeded", "status": "active", "snapshot_status": "active"},
    "fleet-gate": {"phase": "succeeded"},
    "typescript-gate": {"gatePhase": "succeeded", "status": "active", "snapshotStatus": "active"},
    "go-gate": {"gatePhase": "succeeded", "status": "active", "snapshotStatus": "active"},
    "yaml-gate": {"gatePhase": "succeeded", "snapshotStatus": "active"},
}


# The programs on a generated SDK run on the plugin installed from the archive (conftest.installed_plugin), found by
# the name and version the SDK asks for; the others as their folder says (YAML: plugins.providers, a path).
ON_THE_INSTALLED_PLUGIN = {"typescript-gate", "go-gate"}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_example_lifecycle(
    name: str, org: Org, project: ProjectFactory, state: Path, request: pytest.FixtureRequest
) -> None:
    proj = project(name, installed_plugin=name in ON_THE_INSTALLED_PLUGIN)
    stack = new_stack()
    plain, secret, paths = _config(name, org)
    proj.init(stack, plain, secret)
    for key, value in paths.items():
        proj.cli("config", "set", "--stack", stack, "--path", key, value).ok()

    preview = proj.op(stack, "preview").ok()
    record(name, "preview", preview.seconds, _changes(preview.changes) or "ok")
    assert CANARY_TOKEN not in preview.output

    up = proj.op(stack, "up").ok()
    record(name, "up", up.seconds, _changes(up.changes))
    assert "create" in up.changes, up.output
    outputs = proj.outputs(stack)
    for key, value in EXPECTED[name].items():
        assert outputs.get(key) == value, (key, outputs, up.output)

    again = proj.op(stack, "up").ok()
    record(name, "second up", again.seconds, _changes(again.changes))
    assert set(again.changes) == {"same"}, again.output

    refresh = proj.op(stack, "refresh").ok()
    record(name, "refresh", refresh.seconds, _changes(refresh.changes) or "ok")

    output = proj.cli("stack", "output", "--json", "--stack", stack).ok()
    record(name, "stack output --json", output.seconds, f"{len(outputs)} outputs")

    exported = proj.cli("stack", "export", "--stack", stack).ok()
    assert CANARY_TOKEN not in exported.output, "the token is in the checkpoint"
    files = [p for folder in ("backend", "home", PLUGIN_HOME, "logs") for p in (state / folder).rglob("*")]
    stored = [p for p in files if p.is_file() and CANARY_TOKEN.encode() in p.read_bytes()]
    assert files and not stored, f"the token is in {stored}"  # checkpoints, history, backups; homes; CLI logs
    assert CANARY_TOKEN not in (proj.folder / f"Pulumi.{stack}.yaml").read_text()  # encrypted by the passphrase
    for run in (preview, up, again, refresh):
        assert CANARY_TOKEN not in run.output

    destroy = proj.op(stack, "destroy").ok()
    record(name, "destroy", destroy.seconds, _changes(destroy.changes))
    assert "delete" in destroy.changes, destroy.output
    assert CANARY_TOKEN not in destroy.output

    if name in ON_THE_INSTALLED_PLUGIN:
        # Every start of `nuon` (one per operation) was the installed copy, looked up by the SDK's version.
        installed = request.getfixturevalue("installed_plugin")
        launches = proj.plugins_launched("nuon")
        assert len(launches) >= 5, launches
        assert set(launches) == {PluginLaunch(installed / "pulumi-resource-nuon", "installed", __version__)}, launches


@pytest.mark.parametrize("name", sorted(ON_THE_INSTALLED_PLUGIN))
def test_sdk_example_as_its_readme_says_on_the_plugin_path(
    name: str, org: Org, project: ProjectFactory, tmp_path: Path
) -> None:
    """The folder as it is: its Pulumi.yaml's plugins.providers path (`../../provider`) is what the engine runs,
    though ambient plugins are allowed (the venv's pip plugin is on PATH). A preview starts the plugin, configures
    it and reads the functions; the whole lifecycle runs on the installed plugin above."""
    proj = project(name)
    proj.engine_logging(tmp_path / "log")
    stack = new_stack()
    plain, secret, _ = _config(name, org)
    proj.init(stack, plain, secret)
    preview = proj.op(stack, "preview").ok()
    record(name, "preview (plugin by path)", preview.seconds, _changes(preview.changes) or "ok")
    assert "create" in preview.changes, preview.output
    assert set(proj.plugins_launched("nuon")) == {PluginLaunch(PLUGIN_DIR / "pulumi-resource-nuon", "given", None)}


def _changes(changes: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(changes.items()))


def test_every_python_example_asks_for_the_same_requirements() -> None:
    """One venv serves them all (conftest.example_venv): true only while their requirements are the same."""
    texts = {(EXAMPLES / n / "requirements.txt").read_text() for n in ("gated-rollout", "fleet-gate")}
    texts |= {(EXAMPLES / n / "requirements.txt").read_text() for n in ("releases-outputs", "stack-reference")}
    assert len(texts) == 1
