"""LocalEngine's layout (tools/localengine): no class over 300 lines, no module over 400, no import cycle between its
modules. Read from the source (no import), so the floor venv, which has no LocalEngine, runs it too.

`python -m tests.layout.test_engine_layout` prints the table docs/engine.md shows: each module's lines and its
largest class.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.layout import import_cycles, parse

ENGINE = Path(__file__).resolve().parents[2] / "tools" / "localengine" / "src" / "nuon_localengine"
PACKAGE = ENGINE.name
MAX_CLASS_LINES = 300
MAX_MODULE_LINES = 400


def _modules(root: Path = ENGINE) -> dict[str, Path]:
    return {path.stem: path for path in sorted(root.glob("*.py"))}


def class_sizes(tree: ast.Module) -> dict[str, int]:
    """Lines of every class in a module (nested ones too), decorators and docstring included."""
    return {
        node.name: node.end_lineno - min([node.lineno, *(d.lineno for d in node.decorator_list)]) + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.end_lineno is not None
    }


def local_imports(tree: ast.Module, module: str, siblings: set[str]) -> set[str]:
    """The package's modules `module` imports, wherever the import is (under `TYPE_CHECKING`, in a function)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.level == 0 and (node.module or "").split(".")[0] == PACKAGE:
                parts = (node.module or "").split(".")
                found.update([parts[1]] if len(parts) > 1 else [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE and len(parts) > 1:
                    found.add(parts[1])
    return (found & siblings) - {module, "__init__"}


def layout(root: Path = ENGINE) -> list[tuple[str, int, str, int]]:
    """(module, lines, largest class, its lines) for each module of the package."""
    rows = []
    for name, path in _modules(root).items():
        sizes = class_sizes(parse(path))
        largest = max(sizes, key=lambda c: sizes[c], default="")
        rows.append((name, len(path.read_text().splitlines()), largest, sizes.get(largest, 0)))
    return rows


def test_no_class_in_the_engine_is_over_300_lines() -> None:
    too_big = {
        f"{name}.{cls}": size
        for name, path in _modules().items()
        for cls, size in class_sizes(parse(path)).items()
        if size > MAX_CLASS_LINES
    }
    assert too_big == {}


def test_no_module_in_the_engine_is_over_400_lines() -> None:
    too_long = {name: lines for name, lines, _, _ in layout() if lines > MAX_MODULE_LINES}
    assert too_long == {}


def test_the_engine_has_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: local_imports(parse(path), name, set(modules)) for name, path in modules.items()}
    assert import_cycles(graph) == []


def test_the_checks_can_fail() -> None:
    """Each rule above finds what it looks for: a class's lines, an import in any form, a cycle of any length."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import a\n"
        "from .b import x\n"
        "if TYPE_CHECKING:\n"
        "    from nuon_localengine.c import y\n"
        "def f():\n"
        "    import nuon_localengine.d\n"
        "@decorator\n"
        "class Big:\n" + "    x = 1\n" * 400
    )
    tree = ast.parse(source)
    assert class_sizes(tree) == {"Big": 402}
    assert local_imports(tree, "m", {"a", "b", "c", "d", "e", "m"}) == {"a", "b", "c", "d"}
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"a"}, "b": set()}) == [["a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


if __name__ == "__main__":
    print(f"{'module':<16} {'lines':>5}  largest class (lines)")
    for name, lines, cls, size in layout():
        print(f"{name:<16} {lines:>5}  {cls} ({size})" if cls else f"{name:<16} {lines:>5}")
