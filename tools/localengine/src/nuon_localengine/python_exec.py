"""Run a Python Pulumi program against an engine's resource monitor: `LocalEngine`'s `pulumi-language-python-exec`.

The Python language host runs a program with a small script shipped next to it (`pulumi-language-python-exec` in
pulumi/pulumi `sdk/python/cmd/`), which is not part of the `pulumi` wheel. This file does what that script does,
with the same arguments and exit codes, and is run the same way: as a file (`python -u <this file> --monitor ...
--engine ... --project ... --stack ... --pwd ... --dry_run true|false --parallel N --organization ...
--root_directory ... PROGRAM`), with `PULUMI_CONFIG` / `PULUMI_CONFIG_SECRET_KEYS` in the environment. It imports
nothing but the SDK: configure the runtime, `chdir`, then `run_in_stack(runpy.run_path(PROGRAM))` on a fresh event
loop with asyncio's logger silenced (the SDK leaves futures nobody awaits when a program fails). Exit 0 on success;
32 when an error was reported to the engine's `Log` (the language host then prints nothing more); 1 otherwise.

Two additions of `LocalEngine`'s, neither visible to the program: `--await_args` starts the process ahead of an
operation — it imports the SDK (and `--preload`ed libraries), prints `pulumi-nuon-exec-ready`, then reads the
operation's arguments and environment as one JSON line on stdin (and exits quietly if stdin closes first) —, and
`--report_modules FILE` writes the top-level modules the program loaded from outside its directory, which the next
early start preloads.
"""

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

# Run as a file, Python put this file's directory first on sys.path; the program must not import its neighbours.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

_REPORTED = 32  # the language host's "exited after showing the user an actionable message"
_READY = "pulumi-nuon-exec-ready"  # the first stdout line of an early start, once its imports are done


def _user_stacktrace(program: str) -> str:
    """The traceback from the first frame in the user's program on (as the real exec script shows it)."""
    main = os.path.abspath(os.path.join(program, "__main__.py") if os.path.isdir(program) else program)
    frames = traceback.extract_tb(sys.exc_info()[2])
    for index, frame in enumerate(frames):
        if os.path.abspath(frame.filename) == main:
            return traceback.format_exc(limit=-(len(frames) - index))
    return traceback.format_exc()


def _preload(names: str) -> None:
    """Import each module named (comma-separated) that imports; `fork_main._preload`'s twin (both scripts run as
    files: loading a module they shared would cost as many lines as these; tests/engine/test_forkserver.py)."""
    for name in filter(None, names.split(",")):
        with contextlib.suppress(Exception):  # a library that fails here fails again, visibly, in the program
            importlib.import_module(name)


def _await_arguments(preload: str) -> list[str] | None:
    """Import what the program will need, then wait for the operation's arguments (None: stdin closed)."""
    _preload(f"pulumi,pulumi.runtime,{preload}")
    sys.stdout.write(f"{_READY}\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line.strip():
        return None
    request = json.loads(line)
    os.environ.update(request["env"])
    return [str(arg) for arg in request["argv"]]


def _report_modules(path: str, program: str) -> None:
    root = os.path.abspath(program)
    names = set()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if "." in name or not file or name == "__main__" or os.path.abspath(file).startswith(root + os.sep):
            continue
        names.add(name)
    with open(path, "w") as out:
        out.write(",".join(sorted(names)))


def main() -> int:
    parser = argparse.ArgumentParser(description="Execute a Pulumi Python program")
    for flag in (
        "project",
        "root_directory",
        "stack",
        "parallel",
        "dry_run",
        "pwd",
        "monitor",
        "engine",
        "tracing",
        "organization",
        "preload",
        "report_modules",
    ):
        parser.add_argument(f"--{flag}")
    parser.add_argument("--await_args", action="store_true")
    parser.add_argument("PROGRAM", nargs="?", default=".")
    parser.add_argument("ARGS", nargs="*")
    args = parser.parse_args()
    if args.await_args:
        argv = _await_arguments(args.preload or "")
        if argv is None:
            return 0
        args = parser.parse_args(argv)

    try:
        import pulumi
        import pulumi.runtime
    except ImportError:
        print(traceback.format_exc(), file=sys.stderr)
        print("It looks like the Pulumi SDK has not been installed in this interpreter.", file=sys.stderr)
        return 1

    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    settings = pulumi.runtime.Settings(
        monitor=args.monitor,
        engine=args.engine,
        project=args.project,
        stack=args.stack,
        parallel=int(args.parallel or 0) or None,
        dry_run=args.dry_run == "true",
        organization=args.organization,
        root_directory=args.root_directory,
    )
    pulumi.runtime.configure(settings)
    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd:
        os.chdir(args.pwd)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=max(int(args.parallel or 1), 1) * 4)
    loop.set_default_executor(executor)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    program = args.PROGRAM
    exit_code = 1
    try:
        if os.path.isdir(program) and not os.path.exists(os.path.join(program, "__main__.py")):
            pulumi.log.error(f"unable to find main python program `__main__.py` in `{os.path.abspath(program)}`")
            return _REPORTED

        def run() -> None:
            runpy.run_path(program, run_name="__main__")

        loop.run_until_complete(pulumi.runtime.run_in_stack(run))
        exit_code = 0
    except pulumi.RunError as exc:
        pulumi.log.error(str(exc))
    except Exception:
        pulumi.log.error("Program failed with an unhandled exception:\n" + _user_stacktrace(program))
        exit_code = _REPORTED
    finally:
        executor.shutdown(wait=True)
        loop.close()
        if args.report_modules:
            _report_modules(args.report_modules, os.getcwd())
        sys.stdout.flush()
        sys.stderr.flush()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
