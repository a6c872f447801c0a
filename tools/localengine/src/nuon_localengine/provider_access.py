"""Which provider serves a step or an invoke, and calling it: the one place a provider's gRPC failure becomes the
step's failure (`StepFailed`, with the plugin's own last words when it died)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import struct_pb2

from .errors import PluginStartError, ProviderConfigError, ProviderUnavailable
from .operation import OperationState
from .providers import (
    PROVIDER_TYPE_PREFIX,
    Provider,
    default_provider_inputs,
    default_provider_key,
    package_of,
)
from .resources import diagnostic_text, make_urn
from .values import contains_unknowns, copy_struct

__all__ = ["call", "lookup_provider", "provider_for"]

_PROVIDER_INTERNAL_KEYS = ("version", "pluginDownloadURL")


def _default_provider_urn(op: OperationState, package: str) -> str:
    return make_urn(op.stack, op.project, "", PROVIDER_TYPE_PREFIX + package, "default")


def lookup_provider(op: OperationState, token: str, reference: str) -> Provider | None:
    """The provider instance for a resource type or function token (None: no plugin serves its package)."""
    try:
        if reference:
            provider_urn = reference.rsplit("::", 1)[0]
            with op.lock:
                declared = op.new.get(provider_urn) or op.old.get(provider_urn)
            if declared is None:
                raise ProviderUnavailable(f"unknown provider reference {reference!r}")
            package = package_of(declared.type)
            inputs = _provider_config(declared.inputs)
            if not op.registry.has_plugin(package) or contains_unknowns(inputs):
                return None
            return op.registry.get(reference, package, provider_urn, lambda: inputs)
        package = package_of(token)
        if not op.registry.has_plugin(package):
            return None
        return op.registry.get(
            default_provider_key(package),
            package,
            _default_provider_urn(op, package),
            lambda: default_provider_inputs(package, op.config, op.secret_keys),
        )
    except (PluginStartError, ProviderConfigError) as exc:
        raise ProviderUnavailable(str(exc)) from None
    except grpc.RpcError as exc:
        raise ProviderUnavailable(f"configuring the provider failed: {exc.details() or exc}") from None


def provider_for(op: OperationState, type_: str, reference: str, *, name: str) -> Provider | None:
    """As `lookup_provider`, failing the step (and so the operation) when the provider cannot be had."""
    try:
        return lookup_provider(op, type_, reference)
    except ProviderUnavailable as exc:
        raise op.fail(diagnostic_text(type_, name, str(exc))) from None


def call(op: OperationState, provider: Provider, type_: str, name: str, method: str, request: Any) -> Any:
    """Call `method` on the provider for resource `name`; a gRPC failure fails the step (and the operation)."""
    try:
        return getattr(provider.stub, method)(request)
    except grpc.RpcError as exc:
        details = exc.details() if hasattr(exc, "details") else str(exc)
        if not provider.alive():
            details = f"{details}\n{provider.plugin.failure_detail()}"
        raise op.fail(diagnostic_text(type_, name, details or str(exc))) from None


def _provider_config(inputs: struct_pb2.Struct) -> struct_pb2.Struct:
    out = copy_struct(inputs)
    for key in _PROVIDER_INTERNAL_KEYS:
        if key in out.fields:
            del out.fields[key]
    return out
