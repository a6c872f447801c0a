"""Provider instances behind `LocalEngine`: which plugin serves a package, and how it is started and configured.

The engine sends a custom resource to the provider its registration names (`provider`, a reference
`<provider urn>::<id>` to an explicit `pulumi:providers:<pkg>` resource) or else to the *default provider* of the
resource type's package (`pulumi-python:dynamic:Resource` → `pulumi-python`, `nuon:index:DeployGate` → `nuon`).
A provider instance is one plugin process, started the way the engine starts it and configured once:

    Handshake (tolerated if unimplemented) → GetPluginInfo → CheckConfig → Configure

with the provider's inputs: for a default provider, the stack config of its package (`nuon:apiToken` → `apiToken`;
the dynamic providers `pulumi-python`/`pulumi-nodejs` get the whole config with namespaces kept), in `args` with
secrets wrapped and in `variables` as `<pkg>:config:<key>` strings with secrets decrypted, as the engine sends them.
`ConfigureResponse` says whether the provider accepts secrets and supports previews; the step engine honours both.

Instances are kept across operations (the engine starts plugins per operation) and restarted when what they were
started or configured with changes, when their process died, or after they were sent `Cancel`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2

from .errors import EngineClosedError, ProviderConfigError
from .hosts import PluginProcess
from .values import from_plain, mark_secrets, secret_keys_of, strip_secrets, to_plain

__all__ = [
    "DYNAMIC_PACKAGES",
    "PROVIDER_TYPE_PREFIX",
    "Provider",
    "ProviderConfigError",
    "ProviderRegistry",
    "ProviderSetup",
    "default_provider_inputs",
    "default_provider_key",
    "package_of",
]

DYNAMIC_PACKAGES = frozenset({"pulumi-python", "pulumi-nodejs"})
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
_NOT_CONFIG = frozenset({"version", "pluginDownloadURL", "__internal"})


def package_of(token: str) -> str:
    """The package of a type or function token (`nuon:index:DeployGate` → `nuon`; `pulumi:providers:nuon` → `nuon`)."""
    if token.startswith(PROVIDER_TYPE_PREFIX):
        return token[len(PROVIDER_TYPE_PREFIX) :]
    return token.split(":", 1)[0]


def default_provider_key(package: str) -> str:
    """The registry key of a package's default provider (what a resource without `provider` uses)."""
    return f"default:{package}"


def default_provider_inputs(package: str, config: Mapping[str, str], secret_keys: set[str]) -> struct_pb2.Struct:
    """A default provider's inputs: its package's stack config (all of it, namespaced, for dynamic providers)."""
    values: dict[str, str] = {}
    secret: list[str] = []
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        if package in DYNAMIC_PACKAGES:
            values[key] = value
        elif namespace == package:
            values[name] = value
        else:
            continue
        if key in secret_keys:
            secret.append(key if package in DYNAMIC_PACKAGES else name)
    return from_plain(values, secret)


@dataclasses.dataclass(frozen=True)
class ProviderSetup:
    """How plugins are started for an operation: argv by package, working directory, environment."""

    plugins: Mapping[str, Sequence[str]]
    cwd: str
    env: Mapping[str, str]
    engine_address: str
    program_directory: str

    def fingerprint(self, package: str) -> tuple[Any, ...]:
        return (tuple(self.plugins.get(package, ())), self.cwd, tuple(sorted(self.env.items())), self.engine_address)


class Provider:
    """One configured provider instance: a plugin process and what its `Configure` answered.

    Construction configures `plugin` (and stops it if that fails)."""

    def __init__(
        self,
        *,
        key: str,
        package: str,
        urn: str,
        inputs: struct_pb2.Struct,
        setup: ProviderSetup,
        plugin: PluginProcess,
    ) -> None:
        from pulumi.runtime.proto import provider_pb2

        self.key = key
        self.package = package
        self.urn = urn
        self.fingerprint = (setup.fingerprint(package), _struct_key(inputs))
        self.cancelled = False
        self.plugin = plugin
        try:
            try:
                self.plugin.stub.Handshake(
                    provider_pb2.ProviderHandshakeRequest(
                        engine_address=setup.engine_address,
                        root_directory=setup.program_directory,
                        program_directory=setup.program_directory,
                        configure_with_urn=True,
                    )
                )
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise
            try:
                self.plugin.stub.GetPluginInfo(empty_pb2.Empty())
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise
            type_ = PROVIDER_TYPE_PREFIX + package
            name = urn.rsplit("::", 1)[-1]
            plain, secret = strip_secrets(inputs)
            checked = inputs
            try:
                resp = self.plugin.stub.CheckConfig(
                    provider_pb2.CheckRequest(urn=urn, name=name, type=type_, olds=struct_pb2.Struct(), news=plain)
                )
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                    raise
            else:
                if resp.failures:
                    problems = "; ".join((f"{f.property}: " if f.property else "") + f.reason for f in resp.failures)
                    raise ProviderConfigError(f"provider {package!r} rejected its configuration: {problems}")
                if resp.HasField("inputs"):
                    checked = mark_secrets(resp.inputs, secret)
            variables = {
                f"{package}:config:{k}": (v if isinstance(v, str) else _json(v))
                for k, v in to_plain(checked).items()
                if k not in _NOT_CONFIG
            }
            configured = self.plugin.stub.Configure(
                provider_pb2.ConfigureRequest(
                    variables=variables,
                    args=checked,
                    acceptSecrets=True,
                    acceptResources=True,
                    urn=urn,
                    name=name,
                    type=type_,
                )
            )
            self.accept_secrets = bool(configured.acceptSecrets)
            self.supports_preview = bool(configured.supportsPreview)
        except BaseException:
            self.plugin.stop()
            raise

    @property
    def stub(self) -> Any:
        """The plugin's `ResourceProvider` stub."""
        return self.plugin.stub

    def outgoing(self, struct: struct_pb2.Struct) -> tuple[struct_pb2.Struct, set[str]]:
        """A property map as this provider receives it (secrets kept only if it accepts them), and the top-level
        keys that were secret (to mark the same keys secret in what comes back)."""
        if self.accept_secrets:
            return struct, secret_keys_of(struct)
        return strip_secrets(struct)

    def alive(self) -> bool:
        return self.plugin.alive()

    def cancel(self, timeout: float = 5.0) -> None:
        """Send `Cancel` (advisory: operations in flight should stop and return an error)."""
        self.cancelled = True
        if not self.alive():
            return
        with contextlib.suppress(grpc.RpcError):
            self.plugin.stub.Cancel(empty_pb2.Empty(), timeout=timeout)

    def stop(self) -> None:
        """Send `Cancel`, as the engine does when it closes a provider, then end the process."""
        if not self.cancelled:
            self.cancel(timeout=1.0)
        self.plugin.stop()


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _struct_key(struct: struct_pb2.Struct) -> tuple[str, tuple[str, ...]]:
    return _json(to_plain(struct)), tuple(sorted(secret_keys_of(struct)))


class ProviderRegistry:
    """The provider instances of one `LocalEngine`, by key (`default:<pkg>` or an explicit provider reference).

    `prestart(package, ...)` starts a plugin process in the background before any resource needs it (the
    program is still starting then); the next instance of that package is configured on it instead of waiting
    for a fresh process. A process started that way and never used is stopped with the others."""

    def __init__(
        self,
        *,
        on_stderr_line: Callable[[str], None] | None,
        on_start: Callable[[Provider], None],
        on_process: Callable[[int], None] = lambda pid: None,
    ) -> None:
        self._on_stderr_line = on_stderr_line
        self._on_start = on_start
        self._on_process = on_process
        self._providers: dict[str, Provider] = {}
        self._starting: dict[str, threading.Lock] = {}
        self._spares: dict[str, tuple[tuple[Any, ...], concurrent.futures.Future[PluginProcess]]] = {}
        self._lock = threading.Lock()
        self.setup: ProviderSetup | None = None

    def _launch(self, setup: ProviderSetup, package: str) -> PluginProcess:
        plugin = PluginProcess(
            argv=setup.plugins[package],
            engine_address=setup.engine_address,
            cwd=setup.cwd,
            env=setup.env,
            on_stderr_line=self._on_stderr_line,
        )
        self._on_process(plugin.pid)
        return plugin

    def prestart(self, key: str, package: str, inputs: struct_pb2.Struct) -> None:
        """Start `package`'s plugin in the background unless the instance `key` would be reused as it is."""
        setup = self.setup
        if setup is None or package not in setup.plugins:
            return
        process_fingerprint = setup.fingerprint(package)
        with self._lock:
            current = self._providers.get(key)
            spare = self._spares.get(package)
        reusable = current is not None and current.alive() and not current.cancelled
        if reusable and current is not None and current.fingerprint == (process_fingerprint, _struct_key(inputs)):
            return
        if spare is not None and spare[0] == process_fingerprint:
            return
        future: concurrent.futures.Future[PluginProcess] = concurrent.futures.Future()

        def launch() -> None:
            try:
                future.set_result(self._launch(setup, package))
            except BaseException as exc:  # the instance that wanted it starts its own and reports
                future.set_exception(exc)

        with self._lock:
            old = self._spares.pop(package, None)
            self._spares[package] = (process_fingerprint, future)
        if old is not None:
            _discard_spare(old[1])
        threading.Thread(target=launch, name="pulumi-nuon-prestart", daemon=True).start()

    def _plugin_for(self, setup: ProviderSetup, package: str) -> PluginProcess:
        with self._lock:
            spare = self._spares.pop(package, None)
        if spare is not None:
            fingerprint, future = spare
            if fingerprint == setup.fingerprint(package):
                try:
                    plugin = future.result()
                except Exception:
                    plugin = None
                if plugin is not None and plugin.alive():
                    return plugin
            else:
                _discard_spare(future)
        return self._launch(setup, package)

    def has_plugin(self, package: str) -> bool:
        """Whether a plugin is known for `package` (else its resources are echoed, see `LocalEngine`)."""
        return self.setup is not None and package in self.setup.plugins

    def get(self, key: str, package: str, urn: str, inputs: Callable[[], struct_pb2.Struct]) -> Provider:
        """The running, configured instance for `key`, started (or restarted) as needed."""
        setup = self.setup
        if setup is None:
            raise EngineClosedError("no operation is running")
        with self._lock:
            start_lock = self._starting.setdefault(key, threading.Lock())
        with start_lock:
            wanted_inputs = inputs()
            fingerprint = (setup.fingerprint(package), _struct_key(wanted_inputs))
            with self._lock:
                current = self._providers.get(key)
            if current is not None and (current.fingerprint != fingerprint or current.cancelled or not current.alive()):
                with self._lock:
                    self._providers.pop(key, None)
                current.stop()
                current = None
            if current is None:
                current = Provider(
                    key=key,
                    package=package,
                    urn=urn,
                    inputs=wanted_inputs,
                    setup=setup,
                    plugin=self._plugin_for(setup, package),
                )
                with self._lock:
                    self._providers[key] = current
                self._on_start(current)
            return current

    def running(self) -> list[Provider]:
        with self._lock:
            return list(self._providers.values())

    def find_running(self, package: str) -> Provider | None:
        """The running default provider of `package`, if any."""
        with self._lock:
            provider = self._providers.get(default_provider_key(package))
        return provider if provider is not None and provider.alive() else None

    def cancel_all(self) -> None:
        """Send `Cancel` to every running provider (what the engine does on the first Ctrl-C)."""
        providers = self.running()
        threads = [threading.Thread(target=p.cancel, daemon=True) for p in providers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=6)

    def stop_all(self) -> None:
        """Stop every instance (after `Cancel`) and every plugin started ahead."""
        with self._lock:
            providers = list(self._providers.values())
            self._providers.clear()
            spares = [future for _, future in self._spares.values()]
            self._spares.clear()
        for provider in providers:
            provider.stop()
        for future in spares:
            _discard_spare(future)


def _discard_spare(future: concurrent.futures.Future[PluginProcess]) -> None:
    """Stop a plugin started ahead and never used (once it has started, if it is still starting)."""

    def stop(done: concurrent.futures.Future[PluginProcess]) -> None:
        if done.exception() is None:
            done.result().stop()

    future.add_done_callback(stop)
