"""Running a callable program in this process, under the SDK's real runtime pointed at the engine's monitor.

It runs on a thread of its own with a fresh event loop and a copy of the caller's `contextvars` context (the
caller's event loop and Pulumi settings are left alone, so async tests can call the engine); `sdk.ProgramRuntime`
configures the runtime and puts the SDK's process-wide defaults back afterwards.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .context import RunContext
from .program import ProgramRun
from .sdk import ProgramRuntime

__all__ = ["import_root", "run_callable"]


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


def run_callable(program: Callable[[], Any], context: RunContext, *, max_workers: int) -> ProgramRun:
    """Run a callable program to completion in this process; `exception` is what it (or the runtime) ended with."""

    def in_context() -> BaseException | None:
        loop = asyncio.new_event_loop()
        executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pulumi-nuon-program")
        loop.set_default_executor(executor)
        loop.set_exception_handler(_exception_handler)
        asyncio.set_event_loop(loop)
        error: BaseException | None = None
        try:
            with ProgramRuntime(context, root_directory=os.getcwd()) as runtime:
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

    caller = contextvars.copy_context()
    outcome: list[BaseException | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(caller.run(in_context)), name="pulumi-nuon-program", daemon=True
    )
    thread.start()
    thread.join()
    return ProgramRun(exception=outcome[0] if outcome else RuntimeError("the program thread ended without a result"))
