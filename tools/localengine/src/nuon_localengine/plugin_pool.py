"""`PluginPool`: the processes a `LocalEngine` keeps — provider plugins and early-started Python program processes —
how they are started for an operation, what each wrote during it, and their shutdown."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import processes
from .errors import ProgramError
from .hosts import PluginProcess
from .in_process import import_root
from .project import Program, ProjectProgram, imported_libraries, load_project, python_base_env
from .providers import Provider, ProviderRegistry, ProviderSetup, default_provider_inputs, default_provider_key
from .spares import PythonSpare, keep_spare, reuse_spare, start_ahead

__all__ = ["PluginPool"]

_DYNAMIC_HOST = ("-u", "-m", "pulumi.dynamic")
_NOT_PROVIDERS = frozenset({"pulumi"})


class PluginPool:
    """The provider plugins by package (the dynamic-provider host `pulumi-python` always among them) and the next
    operation's Python program process; every pid either ever started, and what the plugins wrote per operation.

    See `LocalEngine` for `plugins`, `cwd`, `extra_pythonpath`, `env`, `python`, `host_per_operation` and
    `on_host_stderr`."""

    def __init__(
        self,
        *,
        plugins: Mapping[str, Sequence[str]] | None,
        cwd: str | os.PathLike[str] | None,
        extra_pythonpath: Sequence[str | os.PathLike[str]],
        env: Mapping[str, str] | None,
        python: str | None,
        host_per_operation: bool,
        on_host_stderr: Callable[[str], None] | None,
    ) -> None:
        self.python = python or sys.executable
        self.env = dict(env or {})
        self._plugins = {name: list(argv) for name, argv in (plugins or {}).items()}
        self._cwd = Path(cwd).resolve() if cwd is not None else None
        self._extra_pythonpath = [str(Path(p).resolve()) for p in extra_pythonpath]
        self._host_per_operation = host_per_operation
        self._lock = threading.Lock()
        self._started_pids: list[int] = []
        self._host_pids: list[int] = []
        self._op_plugins: dict[int, tuple[PluginProcess, int, int]] = {}
        self._spare: tuple[tuple[Any, ...], PythonSpare] | None = None
        self.start_ahead = start_ahead()
        self._modules_file: str | None = None
        self._preload: list[str] = []
        self.registry = ProviderRegistry(
            on_stderr_line=on_host_stderr, on_start=self._plugin_started, on_process=self._started_pids.append
        )

    # -- pids ------------------------------------------------------------------------------------------------

    @property
    def host_pid(self) -> int | None:
        provider = self.registry.find_running("pulumi-python")
        return provider.plugin.pid if provider is not None else None

    @property
    def host_pids(self) -> list[int]:
        return list(self._host_pids)

    @property
    def started_pids(self) -> list[int]:
        return list(self._started_pids)

    def program_started(self, process: processes.Child) -> None:
        with self._lock:
            if process.pid not in self._started_pids:
                self._started_pids.append(process.pid)

    def _plugin_started(self, provider: Provider) -> None:
        plugin = provider.plugin
        with self._lock:
            self._host_pids.append(plugin.pid)
            self._op_plugins.setdefault(plugin.pid, (plugin, plugin.stdout_offset, 0))

    # -- an operation ----------------------------------------------------------------------------------------

    def prepare(
        self,
        program: Program | None,
        *,
        engine_address: str,
        project: str,
        stack: str,
        config: Mapping[str, str],
        secrets: set[str],
    ) -> None:
        """Set the plugins up for an operation on `program` (None: refresh/destroy after no program), start the
        dynamic-provider host early when the program most likely needs it, and mark where each running plugin's
        output of this operation begins."""
        program_dir: Path | None = None
        uses_libraries = False
        if isinstance(program, (str, os.PathLike)):
            path = Path(program).resolve()
            program_dir = path if path.is_dir() else None
            with contextlib.suppress(ProgramError):
                project_program = load_project(path)
                uses_libraries = project_program.runtime == "python" and bool(
                    set(imported_libraries(project_program)) - _NOT_PROVIDERS - set(sys.stdlib_module_names)
                )
        cwd = str(self._cwd or program_dir or Path.cwd())
        path_entries = [cwd, *self._extra_pythonpath]
        if program is not None and callable(program):
            root = import_root(program)
            if root is not None:
                path_entries.append(str(root))
        env = {**os.environ, **self.env}
        if env.get("PYTHONPATH"):
            path_entries.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in path_entries if p))
        env["PULUMI_PROJECT"] = project
        env["PULUMI_STACK"] = stack
        env["PYTHONUNBUFFERED"] = "1"
        plugins: dict[str, Sequence[str]] = {"pulumi-python": [self.python, *_DYNAMIC_HOST]}
        plugins.update(self._plugins)
        self.registry.setup = ProviderSetup(
            plugins=plugins,
            cwd=cwd,
            env=env,
            engine_address=engine_address,
            program_directory=str(program_dir or cwd),
        )
        if uses_libraries:
            # A Python project that imports libraries beyond the SDK most likely has dynamic resources: start their
            # host while the program process starts (a callable starts at once; its host is started when needed).
            dynamic = "pulumi-python"
            inputs = default_provider_inputs(dynamic, config, secrets)
            self.registry.prestart(default_provider_key(dynamic), dynamic, inputs)
        with self._lock:
            self._op_plugins = {}
            for provider in self.registry.running():
                plugin = provider.plugin
                plugin.output.drain()
                self._op_plugins[plugin.pid] = (plugin, plugin.output.size("stdout"), plugin.output.size("stderr"))

    def output(self) -> tuple[str, str]:
        """What the plugins wrote to stdout and stderr since `prepare`."""
        stdout, stderr = [], []
        with self._lock:
            plugins = list(self._op_plugins.values())
        for plugin, out_off, err_off in plugins:
            plugin.output.drain()
            stdout.append(plugin.output.text("stdout", out_off))
            stderr.append(plugin.output.text("stderr", err_off))
        return "".join(stdout), "".join(stderr)

    def end_operation(self) -> None:
        if self._host_per_operation:
            self.registry.stop_all()

    # -- Python program processes started ahead ----------------------------------------------------------------

    @property
    def modules_file(self) -> str | None:
        """Where a Python program writes the libraries it loaded (what the next early start preloads)."""
        return self._modules_file

    def _spare_key(self, project: ProjectProgram) -> tuple[Any, ...]:
        return (self.python, str(project.directory), tuple(sorted(python_base_env(self.env).items())))

    def take_spare(self, project: ProjectProgram) -> PythonSpare | None:
        """The process started ahead for `project`, if one waits (this engine's, or one another engine kept)."""
        key = self._spare_key(project)
        with self._lock:
            taken, self._spare = self._spare, None
        if taken is not None:
            if taken[0] == key:
                return taken[1]
            keep_spare(*taken)
        return reuse_spare(key)

    def start_spare(self, project: ProjectProgram) -> PythonSpare:
        """Start the next operation's Python program process now, preloading what the last run imported."""
        if self._modules_file is None:
            handle, self._modules_file = tempfile.mkstemp(prefix="pulumi-nuon-modules-")
            os.close(handle)
        else:
            with contextlib.suppress(OSError):
                self._preload = [m for m in Path(self._modules_file).read_text().split(",") if m]
        if not self._preload:
            self._preload = imported_libraries(project)
        key = self._spare_key(project)
        spare = reuse_spare(key)
        if spare is None:
            spare = PythonSpare(project, python=self.python, env=self.env, preload=self._preload)
        with self._lock:
            self._started_pids.append(spare.process.pid)
            old, self._spare = self._spare, (key, spare)
        if old is not None:
            keep_spare(*old)
        return spare

    # -- lifetime --------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Send `Cancel` to and stop every plugin; keep an unused spare for the next engine (see `keep_spare`)."""
        self.registry.stop_all()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            keep_spare(*spare)
        if self._modules_file is not None:
            Path(self._modules_file).unlink(missing_ok=True)
            self._modules_file = None
