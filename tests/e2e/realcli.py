"""The real Pulumi CLI for the end-to-end tests: where it is, the offline environment every run gets, and runners.

`make e2e` builds (or finds) the CLI with tools/pulumi-cli/build.sh and runs tests/e2e. Every run here is offline:
a file backend and `PULUMI_HOME` under the checkout's ignored `.pulumi-nuon-state/e2e/`, a passphrase secrets
provider, no update check, no plugin acquisition, no registry lookup, no proxy; the only server any run talks to is
the simulator on 127.0.0.1 (tests/e2e/test_offline.py checks every connection the CLI and its plugins make).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pulumi_nuon.testing import pulumi_cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PLUGIN_DIR = REPO / "provider"  # the plugin directory the examples' plugins.providers name
TOOL = REPO / "tools" / "pulumi-cli"
STATE = REPO / ".pulumi-nuon-state" / "e2e"
PASSPHRASE = "e2e-passphrase-not-a-secret"
RESULT_MARK = "E2E-RESULT "


def pinned_version() -> str:
    """The Pulumi version tools/pulumi-cli/go.mod pins (the one place it is written), e.g. "v3.276.0"."""
    match = re.search(
        r"^\s*(?:require\s+)?github\.com/pulumi/pulumi/pkg/v3\s+(v\S+)", (TOOL / "go.mod").read_text(), re.M
    )
    assert match, "tools/pulumi-cli/go.mod pins no github.com/pulumi/pulumi/pkg/v3"
    return match.group(1)


def locate_cli() -> Path:
    """The folder holding `pulumi` (PULUMI_NUON_CLI_BIN when make e2e passes it, else what build.sh prints)."""
    given = os.environ.get("PULUMI_NUON_CLI_BIN")
    if given:
        return Path(given)
    built = subprocess.run(["bash", str(TOOL / "build.sh")], capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"tools/pulumi-cli/build.sh failed:\n{built.stderr}")
    return Path(built.stdout.strip().splitlines()[-1])


def offline_env(bin_dir: Path, state: Path, *, path_first: Sequence[Path] = ()) -> dict[str, str]:
    """The environment for every CLI run: the package's offline one (pulumi_nuon.testing.pulumi_cli), its home and
    backend under `state`, plus what the drivers read and unbuffered, uncoloured output."""
    env = pulumi_cli.offline_env(
        bin_dir, state / "home", state / "backend", passphrase=PASSPHRASE, path_first=path_first
    )
    env.update(PULUMI_NUON_E2E_PULUMI_ROOT=str(bin_dir.parent), PYTHONUNBUFFERED="1", NO_COLOR="1")
    return env


@dataclass
class Run:
    """One command's outcome: exit code, what it printed (stdout and stderr together), and how long it took."""

    args: list[str]
    code: int
    output: str
    seconds: float
    result: dict[str, Any] = field(default_factory=dict)

    def ok(self) -> Run:
        assert self.code == 0, f"{' '.join(self.args)} exited {self.code}:\n{self.output}"
        return self

    @property
    def changes(self) -> dict[str, int]:
        """Resource changes by kind (create, same, update, delete, replace): the driver's summary, else the
        "Resources:" block the CLI prints ("+ 3 created", "3 unchanged", "+ 3 to create", "- 3 deleted")."""
        if self.result.get("changes"):
            return {str(k): int(v) for k, v in self.result["changes"].items()}
        words = {"create": "create", "created": "create", "unchanged": "same", "update": "update", "updated": "update"}
        words |= {"delete": "delete", "deleted": "delete", "replace": "replace", "replaced": "replace"}
        found: dict[str, int] = {}
        for line in ("\n" + self.output).rpartition("\nResources:\n")[2].splitlines():
            match = re.search(r"(\d+) (?:to )?([a-z]+)", line)
            if match and match.group(2) in words:
                found[words[match.group(2)]] = int(match.group(1))
            elif line.strip() and not line.startswith(" "):
                break
        return found

    @property
    def outputs(self) -> dict[str, Any]:
        return dict(self.result.get("outputs") or {})


def run(args: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float = 300) -> Run:
    """Run a command to its end; its driver's `E2E-RESULT` line, if any, becomes `result`."""
    start = time.monotonic()
    done = subprocess.run(
        list(args), cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.monotonic() - start
    output = done.stdout + done.stderr
    result: dict[str, Any] = {}
    kept: list[str] = []
    for line in output.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
        else:
            kept.append(line)
    code = done.returncode if done.returncode != 0 else int(result.get("code", 0))
    return Run(list(args), code, "\n".join(kept), seconds, result)


@dataclass
class Project:
    """A Pulumi project folder driven through the real CLI: stack and config by `pulumi` itself, the operations by
    `pulumi` itself (YAML) or through the Automation API's inline program (Python, TypeScript: see the drivers)."""

    folder: Path
    env: dict[str, str]
    driver: list[str] | None  # None: the CLI runs the program through the project's own language host
    stacks: list[str] = field(default_factory=list)  # made by init(): the ones to remove afterwards
    engine_log: Path | None = None  # where the CLI writes its log (`engine_logging`), if it does

    def engine_logging(self, folder: Path) -> None:
        """Have each operation (`op`) write the CLI's log at verbosity 9 into `folder`: PULUMI_OPTION_VERBOSE is `-v`,
        and without --logtostderr the CLI writes `pulumi.<host>.<user>.log.INFO.<time>.<pid>` into TMPDIR (and
        prints where, which is why the other commands, whose output is parsed, do not log)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.engine_log = folder

    def plugins_launched(self, name: str) -> list[PluginLaunch]:
        """Every start of the resource plugin `name` in the engine's log, in order: the executable the engine ran and
        the version it asked for when it looked the plugin up (None: it named no version, or was given a path)."""
        assert self.engine_log is not None, "engine_logging() first"
        return engine_plugin_launches(self.engine_log, name)

    def cli(self, *args: str, timeout: float = 300) -> Run:
        return run([self.env_pulumi(), *args], cwd=self.folder, env=self.env, timeout=timeout)

    def env_pulumi(self) -> str:
        return str(Path(self.env["PULUMI_NUON_E2E_PULUMI_ROOT"]) / "bin" / "pulumi")

    def init(self, stack: str, config: Mapping[str, str], secrets: Mapping[str, str] | None = None) -> None:
        self.cli("stack", "init", stack, "--non-interactive").ok()
        self.stacks.append(stack)
        for key, value in config.items():
            self.cli("config", "set", "--stack", stack, "--", key, value).ok()
        for key, value in (secrets or {}).items():
            self.cli("config", "set", "--stack", stack, "--secret", "--", key, value).ok()

    def op(self, stack: str, op: str, *flags: str, timeout: float = 300) -> Run:
        """preview, up, refresh or destroy, as `pulumi <op>` (YAML) or the driver's equivalent."""
        env = self.env
        if self.engine_log is not None:
            env = {**env, "PULUMI_OPTION_VERBOSE": "9", "TMPDIR": str(self.engine_log)}
        if self.driver is None:
            extra = {"preview": [], "up": ["--yes", "--skip-preview"], "refresh": ["--yes", "--skip-preview"]}
            extra["destroy"] = ["--yes", "--skip-preview"]
            args = [self.env_pulumi(), op, "--stack", stack, "--non-interactive", *extra[op], *flags]
            return run(args, cwd=self.folder, env=env, timeout=timeout)
        return run([*self.driver, str(self.folder), stack, op, *flags], cwd=self.folder, env=env, timeout=timeout)

    def outputs(self, stack: str, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", "--stack", stack] + (["--show-secrets"] if show_secrets else [])
        return dict(json.loads(self.cli(*args).ok().output))

    def remove(self, stack: str) -> None:
        """Remove the stack (forcing: a failed test may leave resources) and its settings file in the folder."""
        self.cli("stack", "rm", stack, "--yes", "--force", "--non-interactive")
        (self.folder / f"Pulumi.{stack}.yaml").unlink(missing_ok=True)


@dataclass(frozen=True)
class PluginLaunch:
    """One start of a resource plugin, from the CLI's log: the executable the engine ran, and how it found it."""

    executable: Path
    found: str  # "installed" (PULUMI_HOME's plugins), "ambient" (PATH), "bundled", "given" (plugins.providers)
    version: str | None  # the version it looked up (the one the SDK asks for), None when it went by a given path


# The CLI's log lines (JSON, one a line, the text in "msg"): how the engine found a plugin (GetPluginPath, logged
# only when it searches: a plugins.providers path is taken as given), then the start of the executable.
_LOOKUP = re.compile(r"GetPluginPath\(resource, (?P<name>[^,]+), (?P<version>[^,]+), [^)]*\): (?P<how>found .*)")
_LAUNCH = re.compile(r"newPlugin\(\): Launching plugin '(?P<name>[^' ]+) \(resource\)' from '(?P<bin>[^']+)'")


def engine_plugin_launches(folder: Path, name: str) -> list[PluginLaunch]:
    """The starts of resource plugin `name` in the CLI's logs in `folder`, each with the lookup before it."""
    launches: list[PluginLaunch] = []
    for log in sorted(folder.glob("pulumi.*.log.INFO.*")):
        found, version = "given", None
        for line in log.read_text(errors="replace").splitlines():
            try:
                message = str(json.loads(line).get("msg", ""))
            except ValueError:
                continue
            if (lookup := _LOOKUP.fullmatch(message)) and lookup["name"] == name:
                how = lookup["how"]
                found = "installed" if "in cache" in how else "ambient" if "on $PATH" in how else "bundled"
                version = None if lookup["version"] == "<nil>" else lookup["version"]
            elif (launch := _LAUNCH.match(message)) and launch["name"] == name:
                launches.append(PluginLaunch(Path(launch["bin"]), found, version))
                found, version = "given", None
    return launches


def python_driver(venv: Path) -> list[str]:
    return [str(venv / "bin" / "python"), str(Path(__file__).parent / "drive_python.py")]


def node_driver() -> list[str]:
    return ["node", str(Path(__file__).parent / "drive_node.js")]


@functools.cache
def go_driver(out: Path) -> list[str]:
    """tests/e2e/drive_go, with the Go example's program compiled in, built once per process into `out`."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed: the Go example cannot be built (install Go 1.26+)")
    binary = out / f"drive_go-{os.getpid()}"
    env = {**os.environ, "GOFLAGS": "-mod=readonly", "GOPROXY": os.environ.get("GOPROXY", "off")}
    built = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=Path(__file__).parent / "drive_go",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return [str(binary)]
