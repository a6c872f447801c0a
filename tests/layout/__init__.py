"""Tests of the package's shape: layers, the option table, references. ``parse`` reads a module's syntax tree."""

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
