"""Tests of the package's shape: layers, the option table, references. ``parse`` reads a module's syntax tree;
``import_cycles`` finds the cycles in a graph of imports."""

from __future__ import annotations

import ast
import gc
from pathlib import Path


def parse(path: Path) -> ast.Module:
    """``ast.parse`` of ``path``, with the garbage collector kept out of it.

    CPython 3.11 before 3.11.8 fails a parse with "SystemError: AST constructor recursion depth mismatch" when a
    collection in the middle of it runs a finalizer that parses source too — as pytest's unraisable-exception
    hook does when it formats a traceback (3.11's tracebacks parse the failing line). The SDK's mocks leave such
    finalizers behind (see ``tests/conftest.py``), so the collector stays off during the parse.
    """
    source = path.read_text()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, str(path))
    finally:
        if enabled:
            gc.enable()


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module, and every module importing itself: the cycles,
    each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; recursion as deep as the longest import chain
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)
