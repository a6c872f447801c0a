"""What Pulumi's Python language host does to find the resource plugins a program's environment needs, run in a venv.

The host cannot be built here (docs/real-pulumi.md), so its steps are repeated as its source has them
(sdk/python/cmd/pulumi-language-python/main.go: ``listPulumiPackageInfos`` and ``packageDependencyFromPluginJSON``;
pip's ``ListPackages`` and ``normalizePythonPackageName`` in sdk/python/toolchain; read at v3.260):

1. ``python -m pip list --format json`` in the program's environment, names normalised (lowercase, runs of
   ``-_.`` to ``-``);
2. its script (:data:`PLUGIN_JSON_PATHS_SCRIPT`, verbatim) finds each distribution's ``pulumi-plugin.json`` in its
   top-level module's folder;
3. a distribution counts when it has that file or its name starts with ``pulumi-`` (``pulumi-policy`` and
   ``pulumi-esc-sdk`` never do); ``"resource": false`` drops it; else it requires the resource plugin named in the
   file (or the distribution's name without ``pulumi-``) at the file's version (or the distribution's), prefixed
   ``v``, downloaded from ``server`` when the engine does not have it.

Only versions ``N.N.N`` are derived from a distribution's version here (the host also maps PEP 440 pre-releases);
anything else raises, so a test never passes on a step that was not repeated.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

PLUGIN_JSON_PATHS_SCRIPT = """import importlib.metadata, importlib.util, os, sys, json
result = {}
for pkg_name in sys.argv[1:]:
	try:
		dist = importlib.metadata.distribution(pkg_name)
		module = dist.metadata['Name'].replace('-', '_')
		spec = importlib.util.find_spec(module)
		locs = list(spec.submodule_search_locations or []) if spec else []
		found = [p for l in locs for p in [os.path.join(str(l), 'pulumi-plugin.json')] if os.path.isfile(p)]
		result[pkg_name] = found[0] if found else ''
	except Exception:
		result[pkg_name] = ''
print(json.dumps(result))"""

PACKAGES_WITHOUT_PLUGINS = frozenset({"pulumi-policy", "pulumi-esc-sdk"})


@dataclass(frozen=True)
class PluginDependency:
    """A resource plugin the host tells the engine the program needs (``pulumirpc.PackageDependency``)."""

    name: str
    version: str
    server: str
    kind: str = "resource"


@dataclass(frozen=True)
class PulumiPackage:
    """A distribution the host looks at: its normalised name, version, and its ``pulumi-plugin.json`` (path, data)."""

    name: str
    version: str
    plugin_json: Path | None
    plugin: dict[str, object] | None

    @property
    def requires(self) -> PluginDependency | None:
        """The plugin it requires, or None (``"resource": false``)."""
        if self.plugin is not None and not self.plugin.get("resource", False):
            return None
        plugin = self.plugin or {}
        version = str(plugin.get("version") or _plugin_version(self.version))
        return PluginDependency(
            name=str(plugin.get("name") or self.name.removeprefix("pulumi-")),
            version=version if version.startswith("v") else f"v{version}",
            server=str(plugin.get("server") or ""),
        )


def _plugin_version(version: str) -> str:
    if not re.fullmatch(r"\d+(\.\d+){0,2}", version):
        raise NotImplementedError(f"deriving a plugin version from {version!r} is not repeated here")
    parts = version.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts)))


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


def pulumi_packages(venv: Path) -> dict[str, PulumiPackage]:
    """The distributions of ``venv`` the Python host treats as Pulumi packages, by normalised name."""
    python = str(venv / "bin" / "python")
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    versions = {_normalised(d["name"]): d["version"] for d in json.loads(listed.stdout)}
    found = subprocess.run(
        [python, "-c", PLUGIN_JSON_PATHS_SCRIPT, *versions],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd="/",  # as a program's folder would be: not this checkout, whose provider/ must not be found
    )
    paths: dict[str, str] = json.loads(found.stdout)
    packages = {}
    for name, version in versions.items():
        path = Path(paths[name]) if paths.get(name) else None
        if name in PACKAGES_WITHOUT_PLUGINS or (path is None and not name.startswith("pulumi-")):
            continue
        plugin = json.loads(path.read_text()) if path else None
        packages[name] = PulumiPackage(name, version, path, plugin)
    return packages
