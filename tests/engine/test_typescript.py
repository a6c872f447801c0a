"""The TypeScript example compiles: LocalEngine runs it transpile-only (`noCheck` in its tsconfig, as a project with
a separate `tsc` step does), so the type check happens here, once."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import require_node

from .conftest import TS_EXAMPLE


def test_the_typescript_example_type_checks() -> None:
    require_node(TS_EXAMPLE)
    tsc = TS_EXAMPLE / "node_modules" / ".bin" / "tsc"
    done = subprocess.run(
        [str(tsc), "-p", str(TS_EXAMPLE), "--noEmit", "--noCheck", "false"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_typescript_example_pins_the_last_sdk_for_node_20() -> None:
    # @pulumi/pulumi 3.249 and later need Node.js 22; these machines have Node.js 20.
    package = json.loads((TS_EXAMPLE / "package.json").read_text())
    lock = json.loads((TS_EXAMPLE / "package-lock.json").read_text())
    assert package["dependencies"]["@pulumi/pulumi"] == "~3.248.0"
    assert lock["packages"]["node_modules/@pulumi/pulumi"]["version"].startswith("3.248.")
