"""Build the `nuon` plugin archive: what `pulumi plugin install resource nuon <version> --file <archive>` installs.

    python tools/plugin_archive.py <out dir>             (make plugin-archive: into dist/)
    python tools/plugin_archive.py --release <out dir>   (make plugin-release: into dist/release/)

Writes <out dir>/pulumi-resource-nuon-v<version>.tar.gz and prints its path. With --release it writes, instead, one
copy per platform under the names the engine downloads (`pulumi-resource-nuon-v<version>-<os>-<arch>.tar.gz`, from a
pluginDownloadURL or `pulumi plugin install --server`; RELEASE_PLATFORMS) and prints their paths: the bytes are the
same, since the plugin is Python; Windows is left out, because its engine looks for a `.exe`/`.cmd` plugin and this
one's executable is a POSIX shell script. The archive is the plugin directory
as Pulumi runs it: the executable `pulumi-resource-nuon` at the top (the engine runs it directly), `__main__.py`,
this package's code (`pulumi_nuon/`, so the plugin is this version's code whichever Python runs
it) and a `requirements.txt` of the package's dependencies (pyproject.toml's, the one place they are declared).
Python is needed on the machine running `pulumi`, as for the plugin directory (docs/sdks.md, "The plugin archive").
Without `PulumiPlugin.yaml`: with it (`runtime: python`), `pulumi plugin install` asks the Python language host to
install the dependencies, and fails where that host is missing ("no language plugin 'pulumi-language-python'
found"); without it the archive is unpacked as it is, and the executable finds a Python (`PULUMI_NUON_PYTHON`,
./venv, or a python3 that has the dependencies) or says how to make ./venv. Reproducible: sorted entries, no
timestamps or owners.
"""

from __future__ import annotations

import gzip
import io
import sys
import tarfile
from pathlib import Path

if sys.version_info < (3, 11):  # tomllib
    sys.exit("tools/plugin_archive.py needs Python 3.11 or newer (it reads pyproject.toml with tomllib)")
import tomllib  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = ROOT / "provider"


def version() -> str:
    namespace: dict[str, str] = {}
    exec((PROVIDER / "pulumi_nuon" / "_version.py").read_text(), namespace)
    return namespace["__version__"]


def requirements() -> bytes:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [
        "# The nuon plugin's dependencies (pyproject.toml's); its own code is in pulumi_nuon/ beside this file.",
        "# You install them into ./venv: python3 -m venv venv && venv/bin/pip install -r requirements.txt",
        *project["dependencies"],
    ]
    return ("\n".join(lines) + "\n").encode()


def entries() -> list[tuple[str, bytes, int]]:
    found = [
        ("pulumi-resource-nuon", (PROVIDER / "pulumi-resource-nuon").read_bytes(), 0o755),
        ("__main__.py", (PROVIDER / "__main__.py").read_bytes(), 0o644),
        ("requirements.txt", requirements(), 0o644),
    ]
    for path in sorted((PROVIDER / "pulumi_nuon").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            found.append((path.relative_to(PROVIDER).as_posix(), path.read_bytes(), 0o644))
    return found


RELEASE_PLATFORMS = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64")
"""The <os>-<arch> names a release publishes the archive under (the engine's names: GOOS-GOARCH)."""


def release_name(platform: str) -> str:
    """The file name the engine asks a plugin server for (Pulumi's standardAssetName)."""
    return f"pulumi-resource-nuon-v{version()}-{platform}.tar.gz"


def build(out: Path, name: str | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    archive = out / (name or f"pulumi-resource-nuon-v{version()}.tar.gz")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))
    with archive.open("wb") as file, gzip.GzipFile(fileobj=file, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return archive


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--release"] and len(args) == 2:
        for platform in RELEASE_PLATFORMS:
            print(build(Path(args[1]), release_name(platform)))
    elif len(args) == 1 and not args[0].startswith("-"):
        print(build(Path(args[0])))
    else:
        sys.exit("usage: python tools/plugin_archive.py [--release] <out dir>")
