"""The environment in which this package runs the real `pulumi` CLI against the simulator: offline and isolated.

`pulumi-nuon demo` on the real CLI and the end-to-end tests (`make e2e`) give every `pulumi` they start this
environment, so both mean the same by "offline": a file backend and a `PULUMI_HOME` of their own, a passphrase
secrets provider, no update check, no plugin acquisition, no registry lookup, no proxy, and nothing `PULUMI_*` or
`NUON_*` from the caller (a developer's real credentials or backend never reach a run).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

__all__ = ["offline_env", "pulumi_executable"]


def pulumi_executable(folder: str | os.PathLike[str] | None) -> Path | None:
    """The `pulumi` executable in `folder` when one is given, else the one on PATH; None when there is none there.
    The demo and `PulumiStack` both look the CLI up this way (each says in its own words what a miss means)."""
    if folder:
        candidate = Path(folder) / "pulumi"
        return candidate if candidate.is_file() else None
    found = shutil.which("pulumi")
    return Path(found) if found else None


_PROXIES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


def offline_env(
    bin_dir: Path, home: Path, backend: Path, *, passphrase: str, path_first: Sequence[Path] = ()
) -> dict[str, str]:
    """This process's environment for a `pulumi` in `bin_dir`, with `home` as PULUMI_HOME and `backend` as its file
    backend (both made if missing); `path_first` goes on PATH before `bin_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "NUON_")) and k.lower() not in _PROXIES}
    home.mkdir(parents=True, exist_ok=True)
    backend.mkdir(parents=True, exist_ok=True)
    env.update(
        PATH=os.pathsep.join([*(str(p) for p in path_first), str(bin_dir), env.get("PATH", "")]),
        PULUMI_HOME=str(home),
        PULUMI_BACKEND_URL=backend.resolve().as_uri(),
        PULUMI_CONFIG_PASSPHRASE=passphrase,
        PULUMI_SKIP_UPDATE_CHECK="1",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="1",
        PULUMI_DISABLE_REGISTRY_RESOLVE="1",
        PULUMI_SKIP_CONFIRMATIONS="1",
    )
    return env
