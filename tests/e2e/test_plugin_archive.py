"""The plugin as users install it: `make plugin-archive`'s archive, installed with `pulumi plugin install resource
nuon <version> --file <archive>`, then found by name by a program that gives no plugin path."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pulumi_nuon._version import __version__
from tests.conftest import CANARY_TOKEN, Org
from tests.e2e.conftest import new_stack, nuon_config, record
from tests.e2e.realcli import REPO, PluginLaunch, Project

ProjectFactory = Callable[..., Project]
GOOS = {"linux": "linux", "darwin": "darwin"}
GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def test_the_archive_installs_with_pulumi_plugin_install_and_runs(
    org: Org, project: ProjectFactory, tmp_path: Path, plugin_archive: Path
) -> None:
    """Into a PULUMI_HOME of its own, with a YAML program that names no version either: the engine takes the
    newest `nuon` installed. (The TypeScript, Go and Python-SDK programs run on conftest.installed_plugin, the same
    archive, looked up by the version their SDK asks for: test_examples, test_python_sdk.)"""
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

    installed = proj.cli("plugin", "install", "resource", "nuon", __version__, "--file", str(plugin_archive)).ok()
    record("plugin archive", "pulumi plugin install --file", installed.seconds, "ok")
    plugin_dir = home / "plugins" / f"resource-nuon-v{__version__}"
    assert os.access(plugin_dir / "pulumi-resource-nuon", os.X_OK)
    listed = proj.cli("plugin", "ls").ok()
    assert "nuon" in listed.output and __version__ in listed.output, listed.output

    stack = new_stack()
    proj.init(stack, *nuon_config(org))
    proj.engine_logging(tmp_path / "log")
    up = proj.op(stack, "up").ok()
    record("plugin archive", "up (plugin found by name)", up.seconds, "ok")
    assert proj.outputs(stack) == {"phase": "succeeded"}
    assert CANARY_TOKEN not in up.output
    proj.op(stack, "destroy").ok()
    launches = proj.plugins_launched("nuon")
    assert len(launches) >= 2 and set(launches) == {
        PluginLaunch(plugin_dir / "pulumi-resource-nuon", "installed", None)
    }, launches


def test_the_engine_downloads_the_release_archive_from_a_plugin_server(project: ProjectFactory, tmp_path: Path) -> None:
    """What a published plugin would be: `make plugin-release`'s files on a server (here 127.0.0.1), the server's URL
    as pluginDownloadURL or `--server`. The engine asks for `<url>/pulumi-resource-nuon-v<version>-<os>-<arch>.tar.gz`
    (`${VERSION}` in the URL filled in) and installs what it gets."""
    built = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "plugin_archive.py"),
            "--release",
            str(tmp_path / "www" / "v" / __version__),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert len(built.stdout.split()) == 4, built.stdout
    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path / "www"), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            asked.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        folder = tmp_path / "program"
        folder.mkdir()
        (folder / "Pulumi.yaml").write_text("name: server-install\nruntime: yaml\n")
        proj = project("server-install", folder)
        proj.env["PULUMI_HOME"] = str(tmp_path / "pulumi-home")
        url = f"http://127.0.0.1:{server.server_address[1]}/v/${{VERSION}}"
        installed = proj.cli("plugin", "install", "resource", "nuon", __version__, "--server", url).ok()
        record("plugin archive", "pulumi plugin install --server", installed.seconds, "ok")
    finally:
        server.shutdown()
        server.server_close()
    platform = f"{GOOS[sys.platform]}-{GOARCH[os.uname().machine]}"
    assert asked == [f"/v/{__version__}/pulumi-resource-nuon-v{__version__}-{platform}.tar.gz"], asked
    plugin_dir = tmp_path / "pulumi-home" / "plugins" / f"resource-nuon-v{__version__}"
    assert os.access(plugin_dir / "pulumi-resource-nuon", os.X_OK)
