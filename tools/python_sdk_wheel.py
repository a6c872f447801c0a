"""Build the generated Python SDK's wheel (sdk/python, `pulumi_nuon_native`), as a provider's release build does.

    python tools/python_sdk_wheel.py <out dir>        (make sdk-wheel: into dist/)

Writes <out dir>/pulumi_nuon_native-<version>-py3-none-any.whl and prints its path. The generator writes the SDK's
README.md into the package folder while pyproject.toml names one beside itself, so the SDK is copied to a scratch
folder with the README put beside pyproject.toml (what Pulumi's provider repositories do before building), then
`pip wheel --no-deps` builds it (with the build backend pyproject.toml names, setuptools, in an isolated
environment, as `python -m build --wheel` does). The wheel carries `pulumi_nuon_native/pulumi-plugin.json`
(`{"resource": true, "name": "nuon", "version": ...}`), from which Pulumi's Python host infers the plugin a
program on the SDK needs (tests/e2e/test_python_sdk.py checks it in an installed venv).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDK = ROOT / "sdk" / "python"
PACKAGE = "pulumi_nuon_native"


def build(out: Path, python: str = sys.executable) -> Path:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sdk-python-") as scratch:
        source = Path(scratch) / "python"
        shutil.copytree(SDK, source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info"))
        shutil.copy(source / PACKAGE / "README.md", source / "README.md")
        wheels = Path(scratch) / "wheels"
        done = subprocess.run(
            [
                python,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--quiet",
                "--disable-pip-version-check",
                "-w",
                str(wheels),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"pip wheel of sdk/python failed:\n{done.stdout}{done.stderr}")
        (wheel,) = wheels.glob(f"{PACKAGE}-*.whl")
        target = out / wheel.name
        shutil.copy(wheel, target)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/python_sdk_wheel.py <out dir>")
    print(build(Path(sys.argv[1])))
