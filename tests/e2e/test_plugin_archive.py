"""The plugin as users install it: `make plugin-archive`'s archive, installed with `pulumi plugin install resource
nuon <version> --file <archive>`, then found by name by a program that gives no plugin path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

from pulumi_nuon._version import __version__
from tests.conftest import CANARY_TOKEN, Org
from tests.e2e.conftest import new_stack, nuon_config, record
from tests.e2e.realcli import REPO, Project

ProjectFactory = Callable[..., Project]


def test_the_archive_installs_with_pulumi_plugin_install_and_runs(
    org: Org, project: ProjectFactory, tmp_path: Path
) -> None:
    built = subprocess.run(
        [sys.executable, str(REPO / "tools" / "plugin_archive.py"), str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    archive = Path(built.stdout.strip())
    assert archive.name == f"pulumi-resource-nuon-v{__version__}.tar.gz"

    release = org.release(org.prod)
    folder = tmp_path / "archive-program"
    folder.mkdir()
    program = {  # no `plugins:` section: the engine finds `nuon` among the installed plugins
        "name": "archive-program",
        "runtime": "yaml",
        "resources": {
            "gate": {
                "type": "nuon:index:DeployGate",
                "properties": {
                    "componentId": org.app.id,
                    "installId": org.prod.id,
                    "buildId": release.build_id,
                    "pollIntervalSeconds": 0.05,
                },
            }
        },
        "outputs": {"phase": "${gate.phase}"},
    }
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    proj = project("archive-program", folder)
    home = tmp_path / "pulumi-home"  # its own plugin cache: the other tests' runs must not see this plugin
    proj.env["PULUMI_HOME"] = str(home)
    # The venv on PATH (its python3 has the plugin's dependencies) also holds pip's `pulumi-resource-nuon`, which
    # the engine would otherwise prefer as an "ambient" plugin: ignore it, so the archive's copy is what runs.
    proj.env["PULUMI_IGNORE_AMBIENT_PLUGINS"] = "true"

    installed = proj.cli("plugin", "install", "resource", "nuon", __version__, "--file", str(archive)).ok()
    record("plugin archive", "pulumi plugin install --file", installed.seconds, "ok")
    plugin_dir = home / "plugins" / f"resource-nuon-v{__version__}"
    assert os.access(plugin_dir / "pulumi-resource-nuon", os.X_OK)
    listed = proj.cli("plugin", "ls").ok()
    assert "nuon" in listed.output and __version__ in listed.output, listed.output

    stack = new_stack()
    proj.init(stack, *nuon_config(org))
    up = proj.op(stack, "up").ok()
    record("plugin archive", "up (plugin found by name)", up.seconds, "ok")
    assert proj.outputs(stack) == {"phase": "succeeded"}
    assert CANARY_TOKEN not in up.output
    proj.op(stack, "destroy").ok()
