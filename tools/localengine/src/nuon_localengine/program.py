"""Running a Pulumi program for `LocalEngine`, the way the CLI's language hosts run it.

- A directory is a Pulumi project: its `Pulumi.yaml` says the runtime (without one, `__main__.py` means Python and
  `package.json` Node.js) and may name a `main` entry point. It runs as its own process:
  - Python: `python -u python_exec.py --monitor ... PROGRAM` (see `python_exec`), config in `PULUMI_CONFIG`;
  - Node.js/TypeScript: `node <project>/node_modules/@pulumi/pulumi/cmd/run --monitor ... --engine ... PROGRAM`
    with `PULUMI_CONFIG` (keys as `<ns>:config:<key>`, as the Node.js host passes them),
    `PULUMI_CONFIG_SECRET_KEYS` and `PULUMI_NODEJS_TYPESCRIPT=true` unless the project sets `typescript: false`.
- A callable runs in this process on a thread of its own with a fresh event loop and a copy of the caller's
  `contextvars` context (the caller's event loop and Pulumi settings are left alone, so async tests can call the
  engine), under the SDK's real runtime pointed at the same monitor (`sdk.ProgramRuntime`).
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import contextlib
import contextvars
import dataclasses
import inspect
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import processes
from .errors import ProgramError
from .hosts import OutputPump
from .sdk import ProgramRuntime

__all__ = [
    "ProgramError",
    "ProgramRun",
    "ProjectProgram",
    "PythonSpare",
    "import_root",
    "imported_libraries",
    "keep_spare",
    "load_project",
    "python_base_env",
    "reuse_spare",
    "run_callable",
    "run_project",
]

_NODE_RUN = Path("node_modules", "@pulumi", "pulumi", "cmd", "run")
_PYTHON_EXEC = Path(__file__).with_name("python_exec.py")
_CANCEL_GRACE_SECONDS = 5.0


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


_READY_LINE = b"pulumi-nuon-exec-ready\n"


class PythonSpare:
    """A Python program process started ahead of an operation (`python_exec --await_args`): it imports the SDK and
    the program's libraries, says so on stdout, and waits for the operation's arguments on stdin."""

    def __init__(self, project: ProjectProgram, *, python: str, env: Mapping[str, str], preload: Sequence[str]) -> None:
        command = [python, "-u", str(_PYTHON_EXEC), "--await_args", "--preload", ",".join(preload)]
        self.process = processes.start(
            command, cwd=str(project.directory), env=python_base_env(env), stdin=subprocess.PIPE
        )
        self.pump = OutputPump(self.process.stdout, self.process.stderr)

    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> bool:
        """Hand it the operation's arguments; False if it is no longer waiting for them."""
        if self.process.poll() is not None or self.process.stdin is None:
            return False
        try:
            self.process.stdin.write(json.dumps({"argv": list(argv), "env": dict(env)}).encode() + b"\n")
            self.process.stdin.close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        processes.stop(self.process)
        self.pump.stop()
        _close_pipes(self.process)


_POOL_LIMIT = 4
_pool: list[tuple[tuple[Any, ...], PythonSpare]] = []
_pool_lock = threading.Lock()


def keep_spare(key: tuple[Any, ...], spare: PythonSpare) -> None:
    """Keep a spare no operation used for the next engine that runs the same program the same way (`key`: the
    interpreter, the directory, the environment). At most a few are kept, the oldest stopped first; they end with
    this process like every other child."""
    if spare.process.poll() is not None:
        spare.stop()
        return
    with _pool_lock:
        _pool.append((key, spare))
        evicted = _pool[:-_POOL_LIMIT]
        del _pool[:-_POOL_LIMIT]
    for _, old in evicted:
        old.stop()


def reuse_spare(key: tuple[Any, ...]) -> PythonSpare | None:
    """A kept spare started with `key`, if there is one still waiting."""
    with _pool_lock:
        for index, (kept_key, spare) in enumerate(_pool):
            if kept_key == key and spare.process.poll() is None:
                del _pool[index]
                return spare
    return None


def _stop_kept_spares() -> None:
    with _pool_lock:
        kept = [spare for _, spare in _pool]
        _pool.clear()
    for spare in kept:
        spare.stop()


atexit.register(_stop_kept_spares)


def _close_pipes(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def run_project(
    project: ProjectProgram,
    *,
    monitor: str,
    engine: str,
    organization: str,
    project_name: str,
    stack: str,
    preview: bool,
    parallel: int,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    python: str,
    node: str | None,
    env: Mapping[str, str],
    on_start: Callable[[subprocess.Popen[bytes]], None],
    cancelled: threading.Event,
    spare: PythonSpare | None = None,
    modules_file: str | None = None,
) -> ProgramRun:
    """Run the project's program as its own process against the monitor, until it exits.

    A Python program uses `spare` (started with the same `python` and `env`) when it is still waiting, else a
    process of its own; `modules_file` receives the libraries it loaded."""
    directory = str(project.directory)
    secret_keys_json = json.dumps(list(secret_keys))
    process: subprocess.Popen[bytes] | None = None
    pump: OutputPump | None = None
    if project.runtime == "python":
        args: list[str] = []
        for flag, value in (
            ("monitor", monitor),
            ("engine", engine),
            ("project", project_name),
            ("root_directory", directory),
            ("stack", stack),
            ("pwd", directory),
            ("dry_run", "true" if preview else "false"),
            ("parallel", str(parallel)),
            ("organization", organization),
            ("report_modules", modules_file or ""),
        ):
            if value:
                args += [f"--{flag}", value]
        args.append(project.entry)
        run_env = {"PULUMI_CONFIG": json.dumps(dict(config)), "PULUMI_CONFIG_SECRET_KEYS": secret_keys_json}
        if spare is not None and spare.start(args, run_env):
            process, pump = spare.process, spare.pump
        elif spare is not None:
            spare.stop()
        if process is None:
            command = [python, "-u", str(_PYTHON_EXEC), *args]
            process = processes.start(command, cwd=directory, env={**python_base_env(env), **run_env})
    else:
        command = _node_command(project, node)
        for flag, value in (
            ("monitor", monitor),
            ("engine", engine),
            ("organization", organization),
            ("project", project_name),
            ("root-directory", directory),
            ("stack", stack),
            ("pwd", directory),
        ):
            command += [f"--{flag}", value]
        if preview:
            command.append("--dry-run")
        command += ["--parallel", str(parallel), project.entry]
        namespaced = {}
        for key, value in config.items():
            namespace, _, name = key.partition(":")
            namespaced[f"{namespace}:config:{name}"] = value
        child_env = {**os.environ, **env}
        child_env["PULUMI_CONFIG"] = json.dumps(namespaced)
        child_env["PULUMI_CONFIG_SECRET_KEYS"] = secret_keys_json
        if project.options.get("typescript", True) is not False:
            child_env["PULUMI_NODEJS_TYPESCRIPT"] = "true"
        if project.options.get("tsconfig"):
            child_env["PULUMI_NODEJS_TSCONFIG_PATH"] = str(project.options["tsconfig"])
        process = processes.start(command, cwd=directory, env=child_env)

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
        _close_pipes(process)
    stdout = pump.text("stdout")
    if process is (spare.process if spare is not None else None) and stdout.startswith(_READY_LINE.decode()):
        stdout = stdout[len(_READY_LINE) :]
    return ProgramRun(exit_code=process.returncode, stdout=stdout, stderr=pump.text("stderr"))


def import_root(program: Callable[..., Any]) -> Path | None:
    """The directory from which the module defining `program` imports (so a provider host can import it too)."""
    module = inspect.getmodule(program)
    file = getattr(module, "__file__", None)
    if module is None or not file:
        return None
    path = Path(file).resolve()
    if module.__name__ == "__main__":
        return path.parent
    depth = len(module.__name__.split("."))
    if path.name == "__init__.py":
        depth += 1
    parents = path.parents
    return parents[depth - 1] if depth - 1 < len(parents) else None


def _exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # A failed step fails the outputs of its resource and of everything waiting on it, and futures nobody
    # awaited then report "exception was never retrieved" when collected. The language host silences asyncio's
    # logger for the same reason; here only this loop's reports are dropped, not the caller's.
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def run_callable(
    program: Callable[[], Any],
    *,
    monitor: str,
    engine: str,
    organization: str,
    project_name: str,
    stack: str,
    preview: bool,
    parallel: int,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    max_workers: int,
) -> ProgramRun:
    """Run a callable program to completion in this process; `exception` is what it (or the runtime) ended with."""

    def in_context() -> BaseException | None:
        loop = asyncio.new_event_loop()
        executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pulumi-nuon-program")
        loop.set_default_executor(executor)
        loop.set_exception_handler(_exception_handler)
        asyncio.set_event_loop(loop)
        error: BaseException | None = None
        try:
            with ProgramRuntime(
                monitor=monitor,
                engine=engine,
                project=project_name,
                stack=stack,
                organization=organization,
                dry_run=preview,
                parallel=parallel,
                root_directory=os.getcwd(),
                config=config,
                secret_keys=secret_keys,
            ) as runtime:
                try:
                    loop.run_until_complete(runtime.run_in_stack(program))
                except BaseException as exc:  # reported on the result, as the language host reports it
                    error = exc
                finally:
                    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                    for task in pending:
                        task.cancel()
                    if pending:
                        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                    loop.run_until_complete(loop.shutdown_asyncgens())
        except BaseException as exc:
            error = error or exc
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            executor.shutdown(wait=True)
        return error

    context = contextvars.copy_context()
    outcome: list[BaseException | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(context.run(in_context)), name="pulumi-nuon-program", daemon=True
    )
    thread.start()
    thread.join()
    return ProgramRun(exception=outcome[0] if outcome else RuntimeError("the program thread ended without a result"))
