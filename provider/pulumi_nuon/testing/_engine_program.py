"""Running a Pulumi program for `LocalEngine`, the way the Python language host runs it.

The language host configures the runtime, changes into the program's directory and runs
`pulumi.runtime.run_in_stack(lambda: runpy.run_path(program, run_name="__main__"))` on a fresh event loop.
Here the runtime is configured by the SDK's `set_mocks` with our monitor, on a thread of its own with a
copy of the caller's `contextvars` context (so the caller's Pulumi settings, config and event loop are
untouched, and an async test can call the engine), and the process-wide changes a program directory needs
(cwd, `sys.path`, `sys.argv`, the program's own modules) are undone afterwards.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import os
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as runtime_mocks
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_in_stack

from ._engine_deploy import _StepFailed

__all__: list[str] = []


class _RootPlaceholder:
    """Stands in as the root resource while `set_mocks` runs, so it does not register a Stack of its own
    (`run_in_stack` registers the real one, as under the language host)."""


def _exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # A failed step fails the outputs of its resource, and futures nobody awaited then log "exception was
    # never retrieved" when collected. The failure is on the result already; don't print it again.
    if isinstance(context.get("exception"), _StepFailed) and "never retrieved" in context.get("message", ""):
        return
    loop.default_exception_handler(context)


def _program_dir(program: object) -> Path | None:
    if isinstance(program, (str, os.PathLike)):
        path = Path(program).resolve()
        return path if path.is_dir() else path.parent
    return None


def _import_root(program: Callable[..., Any]) -> Path | None:
    """The directory from which the module defining `program` imports (so the host can import it too)."""
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


def _run(
    program: Callable[[], Any] | str | os.PathLike[str],
    *,
    mocks: runtime_mocks.Mocks,
    monitor: runtime_mocks.MockMonitor,
    project: str,
    stack: str,
    organization: str,
    preview: bool,
    config: Mapping[str, str],
    secret_keys: list[str],
    max_workers: int,
) -> BaseException | None:
    """Run the program to completion; returns the exception it (or a step) ended with, or None."""
    program_dir = _program_dir(program)
    if program_dir is not None and not (program_dir / "__main__.py").exists():
        return FileNotFoundError(f"{program_dir} has no __main__.py")

    def body() -> None:
        if program_dir is not None:
            runpy.run_path(str(program_dir), run_name="__main__")
            return None
        assert callable(program)
        return program()  # type: ignore[no-any-return]

    def in_context() -> BaseException | None:
        loop = asyncio.new_event_loop()
        executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pulumi-nuon-engine")
        loop.set_default_executor(executor)
        loop.set_exception_handler(_exception_handler)
        asyncio.set_event_loop(loop)
        error: BaseException | None = None
        try:
            runtime_settings.ROOT.set(_RootPlaceholder())  # type: ignore[arg-type]
            runtime_mocks.set_mocks(
                mocks,
                project=project,
                stack=stack,
                preview=preview,
                monitor=monitor,
                organization=organization,
            )
            runtime_settings.ROOT.set(None)
            runtime_settings.SETTINGS.outputs = set()
            runtime_settings.SETTINGS.lock = threading.Lock()
            runtime_settings.SETTINGS.root_directory = str(program_dir) if program_dir else os.getcwd()
            runtime_config.set_all_config(dict(config), list(secret_keys))
            loop.run_until_complete(run_in_stack(body))
        except BaseException as exc:  # reported on the result, as the CLI reports it
            error = exc
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                asyncio.set_event_loop(None)
                loop.close()
                executor.shutdown(wait=True)
        return error

    saved_cwd = os.getcwd()
    saved_path = list(sys.path)
    saved_argv = list(sys.argv)
    saved_modules = set(sys.modules)
    if program_dir is not None:
        os.chdir(program_dir)
        sys.path.insert(0, str(program_dir))
        sys.argv = [str(program_dir)]
    # The program gets a thread (and event loop) of its own: the caller's thread keeps its event loop (set,
    # running — an async test — or none), and the SDK's contextvars start from a copy of the caller's.
    context = contextvars.copy_context()
    outcome: list[BaseException | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(context.run(in_context)), name="pulumi-nuon-program", daemon=True
    )
    try:
        thread.start()
        thread.join()
        return outcome[0] if outcome else RuntimeError("the program thread ended without a result")
    finally:
        if program_dir is not None:
            os.chdir(saved_cwd)
            sys.path[:] = saved_path
            sys.argv = saved_argv
            for name in set(sys.modules) - saved_modules:
                file = getattr(sys.modules[name], "__file__", None)
                if file and Path(file).resolve().is_relative_to(program_dir):
                    del sys.modules[name]
