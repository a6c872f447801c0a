"""`make clean` leaves the checkout as a fresh clone has it: everything the targets and tests make is removed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MADE = [
    ".venv/bin/python",
    ".venv-floor/bin/python",
    ".pytest_cache/v/cache/x",
    ".mypy_cache/3.11/x.json",
    ".ruff_cache/CACHEDIR.TAG",
    ".hypothesis/examples/x",
    "provider/pulumi_nuon.egg-info/PKG-INFO",
    "tools/localengine/src/nuon_localengine.egg-info/PKG-INFO",
    "bench-results.json",
    "examples/typescript/node_modules/.installed",
    "examples/typescript-gate/node_modules/.installed",
]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_removes_what_the_targets_and_tests_make(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    kept = tmp_path / "provider" / "pulumi_nuon" / "__init__.py"
    for name in [*MADE, "provider/pulumi_nuon/__init__.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    subprocess.run(["make", "--no-print-directory", "clean"], cwd=tmp_path, check=True, capture_output=True)
    left = [name for name in MADE if (tmp_path / name).exists()]
    assert left == []
    assert not (tmp_path / "provider" / "pulumi_nuon.egg-info").exists() and not (tmp_path / ".hypothesis").exists()
    assert kept.exists()  # the source stays
