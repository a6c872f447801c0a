"""A Pulumi project directory, read as the CLI reads it: which runtime, which entry point, which libraries.

A directory is a Pulumi project: its `Pulumi.yaml` says the runtime (without one, `__main__.py` means Python and
`package.json` Node.js) and may name a `main` entry point.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Union

from .errors import ProgramError

__all__ = ["Program", "ProjectProgram", "imported_libraries", "load_project", "python_base_env"]

Program = Union[Callable[[], Any], str, "os.PathLike[str]"]
"""A Pulumi program: a project directory (Python or Node.js), or a callable run as a Python program's body."""


@dataclasses.dataclass(frozen=True)
class ProjectProgram:
    """A Pulumi project directory and how to run it."""

    directory: Path
    runtime: str  # "python" or "nodejs"
    entry: str  # the program to run, relative to `directory` ("." for the directory itself)
    options: Mapping[str, Any]


def _read_project_file(path: Path) -> dict[str, Any]:
    import yaml  # type: ignore[import-untyped]

    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ProgramError(f"cannot read {path}: {exc}") from None
    return loaded if isinstance(loaded, dict) else {}


def load_project(path: str | os.PathLike[str]) -> ProjectProgram:
    """What `pulumi up` in `path` would run; `ProgramError` saying what is wrong otherwise."""
    directory = Path(path).resolve()
    if not directory.exists():
        raise ProgramError(f"the program directory {directory} does not exist")
    if not directory.is_dir():
        raise ProgramError(f"the program {directory} is not a directory (a Pulumi project is a directory)")
    runtime, entry, options = "", ".", {}
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        if (directory / name).is_file():
            project = _read_project_file(directory / name)
            declared = project.get("runtime")
            if isinstance(declared, dict):
                runtime = str(declared.get("name", ""))
                options = dict(declared.get("options") or {})
            elif declared:
                runtime = str(declared)
            entry = str(project.get("main") or ".")
            break
    if not runtime:
        if (directory / "__main__.py").is_file():
            runtime = "python"
        elif (directory / "package.json").is_file():
            runtime = "nodejs"
        else:
            raise ProgramError(
                f"{directory} is not a Pulumi program: it has no Pulumi.yaml, __main__.py or package.json"
            )
    if runtime not in ("python", "nodejs"):
        raise ProgramError(f"{directory}: LocalEngine runs Python and Node.js programs, not {runtime!r}")
    target = (directory / entry).resolve()
    if not target.exists():
        raise ProgramError(f"the program's main {target} does not exist")
    if runtime == "python" and target.is_dir() and not (target / "__main__.py").is_file():
        raise ProgramError(f"{target} has no __main__.py")
    return ProjectProgram(directory=directory, runtime=runtime, entry=entry, options=options)


def imported_libraries(project: ProjectProgram) -> list[str]:
    """The top-level modules a Python program's main file imports that do not live in the program's directory
    (what an early-started program process can import before it knows the operation)."""
    main = project.directory / project.entry
    if main.is_dir():
        main = main / "__main__.py"
    try:
        tree = ast.parse(main.read_text())
    except (OSError, SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module.split(".")[0])
    local = {p.stem for p in project.directory.iterdir()}
    return [name for name in dict.fromkeys(names) if name not in local]


def python_base_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment of a Python program process before the operation's config is added."""
    return {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
