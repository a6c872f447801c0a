"""The package's layers: the core imports no Pulumi, only the client touches httpx, the CLI starts light.

The fresh-interpreter test imports every core module (and the old import paths that re-export them) together: if
their union pulls in no Pulumi, no single one does, so one interpreter proves it for all.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.layout import parse

PACKAGE = Path(__file__).resolve().parents[2] / "provider" / "pulumi_nuon"
CORE = sorted(f"pulumi_nuon.core.{p.stem}" for p in (PACKAGE / "core").glob("*.py") if p.stem != "__init__")
# Import paths from before the package had layers; each re-exports a core module.
STABLE_CORE_PATHS = [f"pulumi_nuon.{name}" for name in ("client", "errors", "models", "settings", "status", "wait")]


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def _top(names: set[str]) -> set[str]:
    return {name.partition(".")[0] for name in names}


def test_every_core_module_imports_without_pulumi_or_grpc() -> None:
    loaded = _top(_loaded_after_importing(["pulumi_nuon", *CORE, *STABLE_CORE_PATHS]))
    assert "pulumi_nuon" in loaded
    assert not loaded & {"pulumi", "grpc", "google", "dill"}, sorted(loaded & {"pulumi", "grpc", "google", "dill"})


def test_the_cli_starts_without_pulumi_httpx_or_pydantic() -> None:
    """`pulumi-nuon --help` pays only for what it shows; each command imports what it needs when it runs."""
    modules = _loaded_after_importing(["pulumi_nuon.cli"])
    loaded = _top(modules)
    assert not loaded & {"pulumi", "grpc", "httpx", "pydantic"}, sorted(
        loaded & {"pulumi", "grpc", "httpx", "pydantic"}
    )
    # Nor the standard library's heavier parts that only some commands use (~20 ms each of a ~50 ms start).
    heavy = {"asyncio", "importlib.metadata", "subprocess", "ipaddress"}
    assert not modules & heavy, sorted(modules & heavy)


def _loaded_after_running(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_a_program_declaring_resources_and_functions_loads_neither_httpx_nor_pydantic() -> None:
    """The client and the models load on a program's first read, not with the package (~100 ms)."""
    loaded = _top(
        _loaded_after_running(
            "import pulumi_nuon as nuon\n"
            "for name in ('DeployGate', 'LatestDeploy', 'ComponentReleases', 'DeployGateArgs', 'get_latest_deploy',"
            " 'get_latest_deploy_output', 'get_component_releases', 'get_component_releases_output',"
            " 'GetLatestDeployResult', 'DeployPhase', 'NuonError', 'stack_config'):\n"
            "    getattr(nuon, name)"
        )
    )
    assert "pulumi" in loaded and not loaded & {"httpx", "pydantic"}, sorted(loaded & {"httpx", "pydantic"})


def test_a_provider_host_checks_and_diffs_without_httpx_or_pydantic() -> None:
    """A host unpickles the providers, configures them and runs check and diff: none of it needs the client."""
    loaded = _top(
        _loaded_after_running(
            "from pulumi.dynamic import ConfigureRequest\n"
            "from pulumi_nuon.dynamic.providers import DeployGateProvider, LatestDeployProvider\n"
            f"ids = dict(component_id='cmp{'1' * 23}', install_id='inl{'1' * 23}')\n"
            "for provider in (DeployGateProvider(), LatestDeployProvider()):\n"
            "    provider.configure(ConfigureRequest({'nuon:orgId': 'org1'}))\n"
            "    checked = provider.check({}, dict(ids))\n"
            "    assert not checked.failures, checked.failures\n"
            "    provider.diff('id', checked.inputs, {**checked.inputs, 'triggers': 'x'})"
        )
    )
    assert not loaded & {"httpx", "pydantic"}, sorted(loaded & {"httpx", "pydantic"})


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = parse(path)
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _third_party(names: set[str]) -> set[str]:
    return {n.partition(".")[0] for n in names} - set(sys.stdlib_module_names) - {"pulumi_nuon", "__future__"}


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_modules_import_only_the_core_httpx_and_pydantic(path: Path) -> None:
    imports = _imports(path, top_level_only=False)
    ours = {n for n in imports if n.startswith("pulumi_nuon")}
    assert all(n == "pulumi_nuon._version" or n.startswith("pulumi_nuon.core") for n in ours), ours
    allowed = {"httpx", "pydantic"} if path.stem in ("client", "protocol") else set()
    if path.stem == "models":
        allowed = {"pydantic", "pydantic_core"}  # pydantic's own core (its JSON parser), pinned by pydantic
    assert _third_party(imports) <= allowed, (path.name, _third_party(imports))


def test_only_the_core_client_touches_httpx() -> None:
    users = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "httpx" in {n.partition(".")[0] for n in _imports(p, top_level_only=False)}
    }
    # The simulator serves httpx clients in process (its transport); nothing else may use httpx.
    assert users == {"core/client.py", "core/protocol.py", "testing/simulator/transport.py"}, users


@pytest.mark.parametrize("layer", ["dynamic", "native", "cli"])
def test_the_front_ends_depend_on_the_core_not_on_each_other(layer: str) -> None:
    for path in (PACKAGE / layer).glob("*.py"):
        ours = {n for n in _imports(path, top_level_only=True) if n.startswith("pulumi_nuon.")}
        others = {n for n in ours if not n.startswith(("pulumi_nuon.core", f"pulumi_nuon.{layer}", "pulumi_nuon._"))}
        assert not others, (path.name, others)


def test_the_cli_imports_pulumi_only_inside_the_commands_that_run_programs() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        assert "pulumi" not in _third_party(_imports(path, top_level_only=True)), path.name


def test_stable_import_paths_re_export_their_modules() -> None:
    import importlib

    for old in [*STABLE_CORE_PATHS, "pulumi_nuon.functions", "pulumi_nuon.resources"]:
        name = old.rpartition(".")[2]
        new = importlib.import_module(
            f"pulumi_nuon.dynamic.{name}" if name in ("functions", "resources") else f"pulumi_nuon.core.{name}"
        )
        alias = importlib.import_module(old)
        assert alias.__all__ == new.__all__ and all(getattr(alias, n) is getattr(new, n) for n in new.__all__), old
