"""Tests of the package's shape: layers, tables, references."""

from __future__ import annotations

import ast
from pathlib import Path


def parse(path: Path) -> ast.Module:
    """``ast.parse`` of ``path``, tried again if CPython < 3.11.8 trips over a parse running in another thread.

    Those versions keep one interpreter-wide AST recursion counter; a traceback formatted in a background thread
    at the same moment (3.11 parses source to place its ``^^^`` marks) unbalances it and the parse here fails with
    "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). A second try is unaffected.
    """
    source = path.read_text()
    for _ in range(3):
        try:
            return ast.parse(source, str(path))
        except SystemError as err:
            if "recursion depth mismatch" not in str(err):
                raise
    return ast.parse(source, str(path))
