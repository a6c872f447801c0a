"""What users `pip install` uses only the Pulumi SDK's public names: no `pulumi._utils`, `pulumi.runtime._grpc_settings`
or `rpc._special_sig_key` in `provider/pulumi_nuon`. Private names change between SDK releases without notice; the
one user of them, LocalEngine, is a distribution of its own (tools/localengine) and checks them itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.layout import parse

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "provider" / "pulumi_nuon"
ENGINE = ROOT / "tools" / "localengine" / "src" / "nuon_localengine"

# A dotted name under `pulumi` with an underscore-led part: "pulumi._utils", "pulumi.runtime._grpc_settings".
_PRIVATE_PATH = re.compile(r"\bpulumi(?:\.\w+)*\._[A-Za-z]\w*")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_sdk_names(tree: ast.Module) -> list[str]:
    """Every private SDK name a module uses: imported from a `pulumi` module, read as an attribute of a name bound to
    one, or named in a string (as `importlib.import_module` or `getattr` would take it), each as `line: name`."""
    found: list[str] = []
    bound: set[str] = set()  # local names that refer to pulumi modules or objects
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pulumi" or alias.name.startswith("pulumi."):
                    bound.add(alias.asname or alias.name.split(".")[0])
                    found += [f"{node.lineno}: {alias.name}" for part in alias.name.split(".") if _private(part)][:1]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "pulumi":
            module = str(node.module)
            if any(_private(part) for part in module.split(".")):
                found.append(f"{node.lineno}: {module}")
            for alias in node.names:
                bound.add(alias.asname or alias.name)
                if _private(alias.name):
                    found.append(f"{node.lineno}: {module}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root: ast.expr = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{node.lineno}: {match}" for match in _PRIVATE_PATH.findall(node.value)]
    return sorted(set(found), key=lambda entry: (int(entry.split(":")[0]), entry))


def test_the_shipped_package_uses_no_private_sdk_name() -> None:
    used = {
        str(path.relative_to(ROOT)): names
        for path in sorted(SHIPPED.rglob("*.py"))
        if (names := private_sdk_names(parse(path)))
    }
    assert used == {}


def test_the_check_finds_the_private_names_the_engine_uses() -> None:
    """The check above can fail: the module that held every private name the package used before LocalEngine moved
    out (then `pulumi_nuon/testing/engine/sdk.py`) is flagged for each kind of use."""
    names = [entry.split(": ", 1)[1] for entry in private_sdk_names(parse(ENGINE / "sdk.py"))]
    assert "pulumi._utils" in names  # from pulumi._utils import ContextProperty
    assert "pulumi.runtime._grpc_settings" in names  # a module named in a string
    assert any(name.startswith("rpc._special") for name in names), names  # an attribute of an imported module


def test_the_check_reads_every_form_of_use() -> None:
    source = """
import pulumi
import pulumi.runtime.rpc as rpc
from pulumi.runtime import _grpc_settings
from pulumi.runtime.settings import _sync_await, SETTINGS
import pulumi._utils

ok = (pulumi.Output, rpc.UNKNOWN, SETTINGS.monitor, pulumi.__version__, other._private)
bad = (pulumi.runtime._sync_await, rpc._special_sig_key, SETTINGS._monitor)
named = "pulumi.runtime._grpc_settings"
"""
    assert private_sdk_names(ast.parse(source)) == [
        "4: pulumi.runtime._grpc_settings",
        "5: pulumi.runtime.settings._sync_await",
        "6: pulumi._utils",
        "9: SETTINGS._monitor",
        "9: pulumi.runtime._sync_await",
        "9: rpc._special_sig_key",
        "10: pulumi.runtime._grpc_settings",
    ]
