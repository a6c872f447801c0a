"""How the user invokes this CLI: its name and the command to paste from the shell they are in.

Below both `commands` (the parser's name, `simulate`'s printed commands) and `demo` (its "Try next" lines), which
import it; it imports neither, so the CLI's modules import one way.
"""

from __future__ import annotations

import sys

__all__ = ["PROG", "how_to_run"]

PROG = "pulumi-nuon"


def how_to_run() -> tuple[str, str | None]:
    """How the user runs this CLI from the shell they are in: (command, a note on how else), e.g.
    ``(".venv/bin/pulumi-nuon", "or `source .venv/bin/activate` first, then plain `pulumi-nuon`")`` after
    `make demo`, or ``("pulumi-nuon", None)`` when the script on PATH is this one. What the CLI prints for the
    user to paste starts with it."""
    import os
    import shutil
    from pathlib import Path

    bin_dir = Path(sys.executable).parent  # not resolved: a venv's python is a symlink out of the venv
    script = bin_dir / PROG
    if not script.is_file():
        return f"{sys.executable} -m pulumi_nuon", None
    found = shutil.which(PROG)
    if found is not None and os.path.samefile(found, script):
        return PROG, None

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    activate = bin_dir / "activate"
    note = f"or `source {shown(activate)}` first, then plain `{PROG}`" if activate.is_file() else None
    return shown(script), note
