"""`ConfigStore`: a stack's config, which of its keys are secret, and the stacks `StackReference` reads.

What `pulumi config set [--secret]` / `pulumi config rm` keep for a stack, and what the backend would serve to a
`StackReference`, for one `LocalEngine`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from google.protobuf import struct_pb2

from .results import Secret
from .values import from_plain

__all__ = ["ConfigStore", "OutputsSource", "StackSource"]


class OutputsSource(Protocol):
    """Another engine whose current stack outputs a `StackReference` reads (a `LocalEngine`)."""

    def _stack_outputs_struct(self) -> struct_pb2.Struct | None: ...


StackSource = OutputsSource | Mapping[str, Any]
"""What a `StackReference` reads: another engine's current stack outputs, or fixed outputs (`Secret(...)` allowed)."""


def _config_string(value: Any) -> str:
    # Stack config values are strings; structured values travel as JSON (what `pulumi config set --path` keeps).
    return value if isinstance(value, str) else json.dumps(value)


class ConfigStore:
    """A stack's config (namespaced keys, string values; a key without a namespace gets the project's), its secret
    keys, and the stacks served to `StackReference` by name."""

    def __init__(
        self,
        project: str,
        *,
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        stack_references: Mapping[str, StackSource] | None = None,
    ) -> None:
        self._project = project
        self._values: dict[str, str] = {}
        self._secret_keys: set[str] = set()
        for key, value in (config or {}).items():
            self.put(key, value)
        for key in secret_keys:
            self._secret_keys.add(self.qualify(key))
        self._stack_references: dict[str, StackSource] = dict(stack_references or {})

    def qualify(self, key: str) -> str:
        """The namespaced key: `key` itself when it has a namespace, else `<project>:<key>`."""
        return key if ":" in key else f"{self._project}:{key}"

    def put(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set a value (a `Secret(...)` value is secret, as `secret=True` makes it)."""
        key = self.qualify(key)
        if isinstance(value, Secret):
            value, secret = value.value, True
        self._values[key] = _config_string(value)
        if secret:
            self._secret_keys.add(key)
        else:
            self._secret_keys.discard(key)

    def remove(self, key: str) -> None:
        key = self.qualify(key)
        self._values.pop(key, None)
        self._secret_keys.discard(key)

    @property
    def values(self) -> dict[str, str]:
        """A copy of the config, plaintext."""
        return dict(self._values)

    @property
    def secret_keys(self) -> set[str]:
        """A copy of the secret keys."""
        return set(self._secret_keys)

    def add_stack_reference(self, name: str, source: StackSource) -> None:
        self._stack_references[name] = source

    def stack_outputs(self, name: str) -> struct_pb2.Struct | None:
        """The outputs `StackReference(name)` reads, in wire form (secrets wrapped); None for a stack not served."""
        source = self._stack_references.get(name)
        if source is None:
            return None
        if not isinstance(source, Mapping):
            return source._stack_outputs_struct()
        values = {k: v.value if isinstance(v, Secret) else v for k, v in source.items()}
        return from_plain(values, [k for k, v in source.items() if isinstance(v, Secret)])
