"""`LocalEngine`, the class: the engine's public face over a config store, a plugin pool and a program runner.

See the package docstring for what it is and the class docstring for what it models of the real engine. The work
is done by `config_store.ConfigStore` (config, secrets, stack references), `plugin_pool.PluginPool` (provider
plugins and early-started program processes) and `runner.ProgramRunner` (the operations and the state).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from google.protobuf import struct_pb2

from .config_store import ConfigStore, StackSource
from .errors import ProgramError
from .plugin_pool import PluginPool
from .project import Program
from .results import EngineResult, LogMessage
from .runner import ProgramRunner, RunnerSettings
from .sdk import check_sdk
from .values import to_plain

__all__ = ["LocalEngine", "Program", "StackSource"]


class LocalEngine:
    """Runs a Pulumi program's preview/up/refresh/destroy locally against real provider plugin processes.

    :param program: the default program for `preview`/`up` (each call may pass another one): a Pulumi project
        directory — Python (`__main__.py`) or Node.js/TypeScript (`package.json`, with `@pulumi/pulumi` in its
        `node_modules`), as its `Pulumi.yaml` says — run as its own process like the language host runs it; or a
        callable (its body registers resources and calls `pulumi.export`; it may return an awaitable), run in this
        process on a thread of its own under the SDK's runtime.
    :param project: project name (the URNs, `pulumi.get_project()`).
    :param stack: stack name.
    :param config: stack config, namespaced keys (`"nuon:orgId"`; a key without a namespace gets the project's,
        as `pulumi config set` does). Values are strings, or JSON-able values stored as JSON. Wrap secret values
        in `Secret(...)` or list their keys in `secret_keys`. The program sees the config through
        `pulumi.Config(...)` (secret keys are secret there); each default provider's `Configure` receives its
        package's keys (the dynamic providers: all of them, namespaced), secrets decrypted, as the engine sends them.
    :param secret_keys: config keys whose values are secret.
    :param plugins: provider plugins by package: `{"nuon": ["pulumi-resource-nuon"]}` (an argv; the engine's
        address is appended as the last argument, and the plugin prints its port on stdout). `pulumi-python`
        defaults to the SDK's dynamic-provider host, `python -u -m pulumi.dynamic`. Custom resources of a package
        with no plugin have their inputs echoed as outputs (the real engine would fail to load the plugin).
    :param stack_references: what `pulumi.StackReference(name)` reads, by the name the program passes
        (`"organization/gated-rollout/prod"`): another `LocalEngine` (its current stack outputs, secrets kept
        secret) or a mapping of outputs.
    :param cwd: the plugins' working directory (default: the program's directory, else the current one).
    :param extra_pythonpath: more entries for the plugins' `PYTHONPATH`. Always on it: their cwd, the directory
        this package imports from, and the import root of a callable program's module (so dynamic providers
        defined next to a test unpickle in the host).
    :param env: environment variables added to (or overriding) this process's for programs and plugins.
    :param python: the interpreter for Python programs and the dynamic host (default `sys.executable`).
    :param node: the `node` executable for Node.js programs (default: `node` on PATH).
    :param invoke: answers invokes no plugin owns: `invoke(token, args) -> dict`; without it such an invoke fails
        with a clear error.
    :param max_workers: threads for a Python program's RPCs (the SDK registers resources from its executor), and
        `--parallel` is a quarter of it, as the language host sets it.
    :param host_per_operation: stop every plugin at the end of each operation, as the real engine does, instead
        of keeping them for the engine's life.
    :param raise_on_error: default for every operation's `raise_on_error`.
    :param on_host_stderr: called with each line a provider plugin writes to stderr, as it is written (a gate's
        progress lines, live), from a background thread; the lines are also in `EngineResult.host_stderr`.
    :param on_log: called with each message sent to the engine's `Log` RPC as it arrives (a resource's status
        lines, live), from a gRPC thread; the messages are also in `EngineResult.log`.

    `cancel()` (from another thread) is the CLI's Ctrl-C. Every process the engine starts ends with `close()`
    (except an unused early-started program process, kept for the next engine running the same program), and with
    this process however it ends (see `processes`).

    What the stand-in models of the real engine (as the engine does it):

    - the `ResourceMonitor` and `Engine` gRPC services, the SDKs' own protocol: secrets and unknowns on the wire,
      `SupportsFeature`/`GetDeploymentInfo`, the stack resource and its outputs, `RegisterResourceOutputs`;
    - programs run as the language hosts run them: a Python project through the exec script's logic, a Node.js or
      TypeScript project through `@pulumi/pulumi/cmd/run`, config in `PULUMI_CONFIG`, their exit codes (32: an
      error already reported);
    - steps: Check → Create, or Check → Diff → nothing / Update / replace (create-before-delete, or
      delete-before-replace when the provider or the program asks), Delete for what left the program, in the order
      the program's dependencies give; `ignoreChanges` and `replaceOnChanges` (top-level properties),
      `additionalSecretOutputs`, outputs of secret inputs kept secret; previews with unknowns, `Create`/`Update`
      with `preview=true` for providers that support it;
    - providers: a plugin per package (and per explicit provider resource) started with the engine's address,
      its port read from stdout; Handshake, GetPluginInfo, CheckConfig and Configure with the stack's namespaced
      config (`variables` decrypted, `args` with secrets); `acceptSecrets` honoured; invokes routed to the token's
      provider; the builtins `getResource`, `readStackOutputs` and `StackReference` (served from another engine);
    - `customTimeouts` as the `timeout` of Create/Update/Delete; `cancel()` (Ctrl-C) and every shutdown send
      `Cancel` to every provider; the first failed step stops the update (the monitor answers UNAVAILABLE, as a
      monitor that shut down does) and nothing new starts; refresh (Read; a gone resource leaves state);
    - the `Log` RPC per resource URN, ephemeral status lines apart from diagnostics (debug messages dropped, as
      the CLI drops them without `--debug`).

    Not modeled (how the stand-in differs):

    - no CLI, backend, checkpoint or secrets provider: state lives in memory, `state` shows it as JSON with
      secrets redacted rather than encrypted (`export_stack`/`import_stack` move it, plaintext secrets only);
      default provider resources are not in `state` or `steps`;
    - plugin processes are kept across operations (the engine starts them per operation; `host_per_operation=True`
      does that), and for a Python program the dynamic-provider host and the next operation's program process are
      started ahead (the latter has imported the SDK and the program's libraries when the operation begins; not
      with `NUON_LOCALENGINE_START_AHEAD=0` in the environment, which `make test` sets: see `spares.START_AHEAD_ENV`);
    - on Linux a Python plugin or program process is forked from a server that has imported the SDK (and the
      modules named in `NUON_LOCALENGINE_PRELOAD`), set up as a fresh interpreter would be, instead of started
      fresh (see `forkserver`; `NUON_LOCALENGINE_FORK=0` starts every one fresh);
    - no DiffConfig: a changed provider config restarts its plugin (the engine may replace the provider's
      resources); an explicit provider whose config is unknown in a preview is not started, its resources echo;
    - custom resources of a package with no plugin have their inputs echoed as outputs (id `<name>-id`) where the
      engine would fail to load the plugin;
    - refresh reads and deletes run one at a time (the engine runs independent ones in parallel); refresh runs no
      program; replaced resources are deleted at the end of the update even when it failed (the engine would keep
      them pending-delete);
    - no `--parallel` limit beyond the program's own threads, no `protect`, `retainOnDelete`, aliases, imports,
      transforms, hooks, policy packs, `--continue-on-error`, components from providers (`Construct`/`Call`),
      resource references or output values on the wire;
    - a callable program runs in this process (one at a time per process), not as a process of its own.
    """

    def __init__(
        self,
        program: Program | None = None,
        *,
        project: str = "project",
        stack: str = "dev",
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        plugins: Mapping[str, Sequence[str]] | None = None,
        stack_references: Mapping[str, StackSource] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        extra_pythonpath: Sequence[str | os.PathLike[str]] = (),
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        node: str | None = None,
        invoke: Callable[[str, dict[str, Any]], Mapping[str, Any]] | None = None,
        max_workers: int = 64,
        host_per_operation: bool = False,
        raise_on_error: bool = False,
        organization: str = "organization",
        on_host_stderr: Callable[[str], None] | None = None,
        on_log: Callable[[LogMessage], None] | None = None,
    ) -> None:
        check_sdk()
        self.project = project
        self.stack = stack
        self.organization = organization
        self._program = program
        self._raise_on_error = raise_on_error
        self._config = ConfigStore(project, config=config, secret_keys=secret_keys, stack_references=stack_references)
        self._pool = PluginPool(
            plugins=plugins,
            cwd=cwd,
            extra_pythonpath=extra_pythonpath,
            env=env,
            python=python,
            host_per_operation=host_per_operation,
            on_host_stderr=on_host_stderr,
        )
        settings = RunnerSettings(
            project=project,
            stack=stack,
            organization=organization,
            node=node,
            invoke=invoke,
            max_workers=max_workers,
            on_log=on_log,
        )
        self._runner = ProgramRunner(settings, self._config, self._pool, program)

    # -- configuration ---------------------------------------------------------------------------------------

    def set_config(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set a stack config value (like `pulumi config set [--secret]`); takes effect on the next operation."""
        self._config.put(key, value, secret=secret)

    def remove_config(self, key: str) -> None:
        """Remove a stack config value (like `pulumi config rm`)."""
        self._config.remove(key)

    @property
    def config(self) -> dict[str, str]:
        """A copy of the stack config (plaintext — do not print it in tests that check for leaks)."""
        return self._config.values

    def add_stack_reference(self, name: str, source: StackSource) -> None:
        """Serve `source` to `pulumi.StackReference(name)` from the next operation on."""
        self._config.add_stack_reference(name, source)

    # -- public state ----------------------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """The current state as JSON-able data (secrets redacted), as in `EngineResult.state`."""
        return self._runner.state_json()

    def export_stack(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The state as a deployment, like `pulumi stack export` (see `deployment`): `{"version": 3, "deployment":
        {"manifest": ..., "resources": [...]}}`, each resource as `state` lists it. Secrets are redacted unless
        `show_secrets` (as `--show-secrets`): only such an export imports again."""
        return self._runner.export_deployment(show_secrets=show_secrets)

    def import_stack(self, deployment: Mapping[str, Any]) -> None:
        """Replace the state with `deployment`'s, like `pulumi stack import`: what `export_stack(show_secrets=True)`
        gave, edited or not, from this engine or another of the same project and stack. The whole deployment is
        checked first: `StateImportError` says what is wrong and where, and leaves the state as it was. Not while
        an operation runs; the next operation starts from the imported state."""
        self._runner.import_deployment(deployment)

    @property
    def stack_outputs(self) -> dict[str, Any]:
        """The stack's outputs after the last operation that changed state, as plain values."""
        outputs = self._stack_outputs_struct()
        return to_plain(outputs) if outputs is not None else {}

    def _stack_outputs_struct(self) -> struct_pb2.Struct | None:
        # What another engine's `StackReference` to this stack reads (`config_store.OutputsSource`).
        return self._runner.stack_outputs_struct()

    @property
    def host_pid(self) -> int | None:
        """The pid of the running dynamic-provider host (`pulumi-python`), if one is running."""
        return self._pool.host_pid

    @property
    def host_pids(self) -> list[int]:
        """The pids of every provider plugin this engine started (all stopped by `close()`)."""
        return self._pool.host_pids

    @property
    def started_pids(self) -> list[int]:
        """The pids of every process this engine started: programs and plugins."""
        return self._pool.started_pids

    # -- operations ------------------------------------------------------------------------------------------

    def preview(self, program: Program | None = None, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi preview`: run the program; Check (and Diff for existing resources), no Create/Update.

        Outputs of resources that would be created, updated or replaced are `UNKNOWN` where the engine would
        not know them; resources that left the program show as `delete` steps. State is unchanged.
        """
        return self._finish(self._runner.run_program("preview", self._program_for(program)), raise_on_error)

    def up(self, program: Program | None = None, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi up`: run the program, create/update/replace as the providers' Check and Diff say, then
        delete what left the program (only when everything else succeeded)."""
        return self._finish(self._runner.run_program("up", self._program_for(program)), raise_on_error)

    def refresh(self, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi refresh`: Read every resource a provider serves; a Read with an empty id drops it."""
        return self._finish(self._runner.refresh(), raise_on_error)

    def destroy(self, *, raise_on_error: bool | None = None) -> EngineResult:
        """`pulumi destroy`: Delete everything in reverse dependency order; the state ends empty."""
        return self._finish(self._runner.destroy(), raise_on_error)

    def cancel(self) -> bool:
        """Ctrl-C: stop starting steps and send `Cancel` to every provider plugin. Call it from another thread
        while an operation runs; the operation then fails with "<operation> canceled" (and whatever the providers
        said). Returns whether an operation was running."""
        return self._runner.cancel()

    def _program_for(self, program: Program | None) -> Program:
        program = program if program is not None else self._program
        if program is None:
            raise ProgramError("no program: pass one to LocalEngine(...) or to this call")
        return program

    def _finish(self, result: EngineResult, raise_on_error: bool | None) -> EngineResult:
        should_raise = self._raise_on_error if raise_on_error is None else raise_on_error
        return result.raise_for_error() if should_raise else result

    # -- lifetime --------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Send `Cancel` to and stop every plugin, stop the gRPC server. No operations afterwards.

        A Python program process started ahead and never used is kept for the next `LocalEngine` that runs the same
        program the same way (a few at most, in this process; see `spares.keep_spare`)."""
        self._runner.closed = True
        self._pool.close()
        self._runner.stop_server()

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        runner = getattr(self, "_runner", None)
        if runner is not None and not runner.closed:
            with contextlib.suppress(Exception):  # best effort at collection; `processes` stops the rest at exit
                self.close()
