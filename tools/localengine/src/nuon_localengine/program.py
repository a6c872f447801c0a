"""Running a Pulumi project's program for `LocalEngine` as its own process, the way the CLI's language hosts run it.

- Python: `python -u python_exec.py --monitor ... PROGRAM` (see `python_exec`), config in `PULUMI_CONFIG`; an
  early-started process (`spares`) takes the same arguments on stdin;
- Node.js/TypeScript: `node <project>/node_modules/@pulumi/pulumi/cmd/run --monitor ... --engine ... PROGRAM`
  with `PULUMI_CONFIG` (keys as `<ns>:config:<key>`, as the Node.js host passes them),
  `PULUMI_CONFIG_SECRET_KEYS` and `PULUMI_NODEJS_TYPESCRIPT=true` unless the project sets `typescript: false`.

A callable program runs in this process instead (`in_process`). Projects are read by `project`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from . import processes
from .context import RunContext
from .errors import ProgramError
from .hosts import OutputPump
from .project import ProjectProgram, python_base_env
from .spares import PYTHON_EXEC, READY_LINE, PythonSpare

__all__ = ["ProgramRun", "run_project"]

_NODE_RUN = Path("node_modules", "@pulumi", "pulumi", "cmd", "run")
_CANCEL_GRACE_SECONDS = 5.0


@dataclasses.dataclass
class ProgramRun:
    """How a program run ended."""

    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    exception: BaseException | None = None


def _node_command(project: ProjectProgram, node: str | None) -> list[str]:
    executable = node or shutil.which("node")
    if not executable:
        raise ProgramError("cannot run a Node.js program: `node` is not on PATH (pass node=... to LocalEngine)")
    for folder in (project.directory, *project.directory.parents):
        run = folder / _NODE_RUN
        if run.exists():
            return [executable, *str(project.options.get("nodeargs", "")).split(), str(run)]
    raise ProgramError(
        f"cannot run {project.directory}: @pulumi/pulumi is not installed in its node_modules (run `npm ci` there)"
    )


def _python_start(
    project: ProjectProgram,
    context: RunContext,
    *,
    python: str,
    env: Mapping[str, str],
    spare: PythonSpare | None,
    modules_file: str | None,
) -> tuple[processes.Child, OutputPump | None]:
    """Start a Python program: hand `spare` the arguments if it still waits for them, else start a process."""
    directory = str(project.directory)
    args: list[str] = []
    for flag, value in (
        ("monitor", context.monitor),
        ("engine", context.engine),
        ("project", context.project),
        ("root_directory", directory),
        ("stack", context.stack),
        ("pwd", directory),
        ("dry_run", "true" if context.preview else "false"),
        ("parallel", str(context.parallel)),
        ("organization", context.organization),
        ("report_modules", modules_file or ""),
    ):
        if value:
            args += [f"--{flag}", value]
    args.append(project.entry)
    run_env = {
        "PULUMI_CONFIG": json.dumps(dict(context.config)),
        "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(context.secret_keys)),
    }
    if spare is not None:
        if spare.start(args, run_env):
            return spare.process, spare.pump
        spare.stop()
    command = [python, "-u", str(PYTHON_EXEC), *args]
    return processes.start(command, cwd=directory, env={**python_base_env(env), **run_env}), None


def _node_start(
    project: ProjectProgram, context: RunContext, *, node: str | None, env: Mapping[str, str]
) -> processes.Child:
    """Start a Node.js/TypeScript program through `@pulumi/pulumi`'s own runner, as the Node.js host does."""
    directory = str(project.directory)
    command = _node_command(project, node)
    for flag, value in (
        ("monitor", context.monitor),
        ("engine", context.engine),
        ("organization", context.organization),
        ("project", context.project),
        ("root-directory", directory),
        ("stack", context.stack),
        ("pwd", directory),
    ):
        command += [f"--{flag}", value]
    if context.preview:
        command.append("--dry-run")
    command += ["--parallel", str(context.parallel), project.entry]
    namespaced = {}
    for key, value in context.config.items():
        namespace, _, name = key.partition(":")
        namespaced[f"{namespace}:config:{name}"] = value
    child_env = {**os.environ, **env}
    child_env["PULUMI_CONFIG"] = json.dumps(namespaced)
    child_env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(context.secret_keys))
    if project.options.get("typescript", True) is not False:
        child_env["PULUMI_NODEJS_TYPESCRIPT"] = "true"
    if project.options.get("tsconfig"):
        child_env["PULUMI_NODEJS_TSCONFIG_PATH"] = str(project.options["tsconfig"])
    return processes.start(command, cwd=directory, env=child_env)


def run_project(
    project: ProjectProgram,
    context: RunContext,
    *,
    python: str,
    node: str | None,
    env: Mapping[str, str],
    on_start: Callable[[processes.Child], None],
    cancelled: threading.Event,
    spare: PythonSpare | None = None,
    modules_file: str | None = None,
) -> ProgramRun:
    """Run the project's program as its own process against the monitor, until it exits.

    A Python program uses `spare` (started with the same `python` and `env`) when it is still waiting, else a
    process of its own; `modules_file` receives the libraries it loaded."""
    pump: OutputPump | None = None
    if project.runtime == "python":
        process, pump = _python_start(project, context, python=python, env=env, spare=spare, modules_file=modules_file)
    else:
        process = _node_start(project, context, node=node, env=env)
    on_start(process)
    if pump is None:
        pump = OutputPump(process.stdout, process.stderr)
    try:
        deadline: float | None = None
        while process.poll() is None:
            if cancelled.is_set() and deadline is None:
                deadline = time.monotonic() + _CANCEL_GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                processes.stop(process)
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)
        pump.wait_closed(timeout=2.0)
    finally:
        processes.stop(process)
        pump.stop()
        processes.close_streams(process)
    stdout = pump.text("stdout")
    if process is (spare.process if spare is not None else None) and stdout.startswith(READY_LINE.decode()):
        stdout = stdout[len(READY_LINE) :]
    return ProgramRun(exit_code=process.returncode, stdout=stdout, stderr=pump.text("stderr"))
