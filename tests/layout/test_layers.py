"""The package's layers: core → api → gate → front ends, each importing only from those below it; no room holds more
than a third of the package; nothing below the front ends imports Pulumi, only the client touches httpx, the CLI
starts light.

The fresh-interpreter test imports every module of the lower layers (and the old import paths that re-export them)
together: if their union pulls in no Pulumi, no single one does, so one interpreter proves it for all.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.layout import import_cycles, parse

PACKAGE = Path(__file__).resolve().parents[2] / "provider" / "pulumi_nuon"
# The layers below the front ends, lowest first: each imports only from itself and those before it.
LAYERS = ("core", "api", "gate")
FRONT_ENDS = ("dynamic", "native", "cli")
LOWER_PATHS = sorted(p for layer in LAYERS for p in (PACKAGE / layer).glob("*.py"))
LOWER = sorted(f"pulumi_nuon.{p.parent.name}.{p.stem}" for p in LOWER_PATHS if p.stem != "__init__")
# Import paths from before the package had layers, and the modules each re-exports.
STABLE_PATHS = {
    "pulumi_nuon.client": ("pulumi_nuon.api.client",),
    "pulumi_nuon.errors": ("pulumi_nuon.core.errors",),
    "pulumi_nuon.models": ("pulumi_nuon.api.models",),
    "pulumi_nuon.settings": ("pulumi_nuon.core.settings",),
    "pulumi_nuon.status": ("pulumi_nuon.core.status", "pulumi_nuon.gate.rules"),
    "pulumi_nuon.wait": ("pulumi_nuon.gate.wait",),
    "pulumi_nuon.functions": ("pulumi_nuon.dynamic.functions",),
    "pulumi_nuon.resources": ("pulumi_nuon.dynamic.resources",),
}


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


def test_every_lower_module_imports_without_pulumi_or_grpc() -> None:
    stable = [
        old
        for old, new in STABLE_PATHS.items()
        if all(n.startswith(("pulumi_nuon.core", "pulumi_nuon.api", "pulumi_nuon.gate")) for n in new)
    ]
    loaded = _top(_loaded_after_importing(["pulumi_nuon", *LOWER, *stable]))
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


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


@pytest.mark.parametrize("path", LOWER_PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_lower_modules_import_only_their_own_and_lower_layers_httpx_and_pydantic(path: Path) -> None:
    """Every import counts, those for type checkers only and those inside functions too: a layer names nothing above
    it, so it can be read, tested and changed without them."""
    imports = _imports(path, top_level_only=False)
    below = LAYERS[: LAYERS.index(path.parent.name) + 1]
    ours = {n for n in imports if n.startswith("pulumi_nuon")}
    assert all(n == "pulumi_nuon._version" or _layer(n) in below for n in ours), (path.name, ours)
    allowed = {"httpx", "pydantic"} if path.stem in ("client", "protocol") else set()
    if path.stem == "models":
        # pydantic's own core (its JSON parser), pinned by pydantic; msgspec reads releases pages (on first use)
        allowed = {"pydantic", "pydantic_core", "msgspec"}
    assert _third_party(imports) <= allowed, (path.name, _third_party(imports))


def _rooms() -> dict[str, int]:
    """Lines of Python per room of the shipped package: each sub-package (with everything under it) and each
    module at the top; what the structure drawing of the package shows as its rooms."""
    rooms: dict[str, int] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        room = parts[0] if len(parts) > 1 else path.name
        rooms[room] = rooms.get(room, 0) + len(path.read_text().splitlines())
    return rooms


def test_no_room_holds_more_than_a_third_of_the_package() -> None:
    rooms = _rooms()
    total = sum(rooms.values())
    assert {"core", "api", "gate", "dynamic", "native", "cli", "testing"} <= set(rooms), sorted(rooms)
    big = {room: lines for room, lines in rooms.items() if lines * 3 > total}
    assert not big, (big, total)


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = (root.name, *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Which of the package's modules each module imports: every import counts (under `TYPE_CHECKING`, inside a
    function, relative), and each names the most specific module it reaches (`from pulumi_nuon.cli import demo`:
    the module `pulumi_nuon.cli.demo`; `from pulumi_nuon.cli import main`: the package `pulumi_nuon.cli`)."""
    paths = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.stem == "__init__" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names}
        graph[name] = (found & paths.keys()) - {name}
    return graph


def test_no_import_cycle_in_the_package() -> None:
    """Imports run one way between any two of the package's modules, within a layer too (type-checking,
    function-level and relative imports count); the lower layers' order above says which way across layers."""
    assert import_cycles(package_imports()) == []


def test_the_package_cycle_check_finds_one_in_any_form(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    sources = {
        "__init__.py": "",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import b\n",
        "sub/__init__.py": "from pkg.sub.c import name\n",
        "sub/b.py": "def f():\n    from ..a import thing\n",
        "sub/c.py": "from . import d\n",
        "sub/d.py": "import pkg.a\n",
    }
    for rel, text in sources.items():
        (root / rel).write_text(text)
    graph = package_imports(root)
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.sub.b"},
        "pkg.sub": {"pkg.sub.c"},
        "pkg.sub.b": {"pkg.a"},
        "pkg.sub.c": {"pkg.sub.d"},
        "pkg.sub.d": {"pkg.a"},
    }
    assert import_cycles(graph) == [["pkg.a", "pkg.sub.b"]]


def test_only_the_api_client_touches_httpx() -> None:
    users = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "httpx" in {n.partition(".")[0] for n in _imports(p, top_level_only=False)}
    }
    # The simulator serves httpx clients in process (its transport); nothing else may use httpx.
    assert users == {"api/client.py", "api/protocol.py", "testing/simulator/transport.py"}, users


@pytest.mark.parametrize("layer", FRONT_ENDS)
def test_the_front_ends_depend_on_the_lower_layers_not_on_each_other(layer: str) -> None:
    lower = tuple(f"pulumi_nuon.{name}" for name in LAYERS)
    for path in (PACKAGE / layer).glob("*.py"):
        ours = {n for n in _imports(path, top_level_only=True) if n.startswith("pulumi_nuon.")}
        others = {n for n in ours if not n.startswith((*lower, f"pulumi_nuon.{layer}", "pulumi_nuon._"))}
        assert not others, (path.name, others)


def test_the_cli_imports_pulumi_only_inside_the_commands_that_run_programs() -> None:
    for path in (PACKAGE / "cli").glob("*.py"):
        assert "pulumi" not in _third_party(_imports(path, top_level_only=True)), path.name


def test_stable_import_paths_re_export_their_modules() -> None:
    import importlib

    for old, modules in STABLE_PATHS.items():
        alias = importlib.import_module(old)
        names = [name for module in modules for name in importlib.import_module(module).__all__]
        assert sorted(alias.__all__) == sorted(names), old
        for module in modules:
            new = importlib.import_module(module)
            assert all(getattr(alias, n) is getattr(new, n) for n in new.__all__), (old, module)
