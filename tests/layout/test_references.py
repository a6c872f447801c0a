"""What the code says about itself stays true: cited documents exist, and every error raised is one of ours."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

from tests.layout import parse

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [*(ROOT / "provider").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]
)
_MD = re.compile(r"(?<![\w/.-])([\w./-]+\.md)\b")


def test_every_markdown_file_a_docstring_or_test_names_exists() -> None:
    missing = []
    for path in SOURCES:
        for name in set(_MD.findall(path.read_text())):
            candidates = [ROOT / name, path.parent / name]
            if not any(c.exists() for c in candidates):
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, missing


# Raised on purpose for programming errors, as Python itself does: a wrong argument type to a constructor (TypeError,
# as generated Pulumi SDKs do), a missing attribute (AttributeError), a missing table entry (KeyError).
_PROGRAMMING_ERRORS = {"TypeError", "AttributeError", "KeyError", "NotImplementedError", "AssertionError"}


def test_the_package_raises_only_its_own_errors_for_what_a_user_can_cause() -> None:
    """No `raise ValueError(...)` and the like: a caller catches NuonError (or its ValueError subclasses)."""
    strays = []
    for path in sorted((ROOT / "provider" / "pulumi_nuon").rglob("*.py")):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                name = node.exc.func.id
                builtin = getattr(builtins, name, None)
                if isinstance(builtin, type) and issubclass(builtin, BaseException) and name not in _PROGRAMMING_ERRORS:
                    strays.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert not strays, strays
