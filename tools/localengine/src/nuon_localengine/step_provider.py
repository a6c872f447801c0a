"""The provider side of a registered resource's step: `Check`, `Diff` (read as the engine reads it), `Create` and
`Update` — each with the engine's handling of secrets, previews and `customTimeouts`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import struct_pb2

from .operation import OperationState
from .provider_access import call
from .providers import Provider
from .resources import ResourceState, diagnostic_text
from .values import copy_struct, mark_secrets, structs_equal, to_plain

__all__ = ["check", "create", "diff", "update"]


def check(
    op: OperationState,
    provider: Provider,
    type_: str,
    name: str,
    urn: str,
    olds: struct_pb2.Struct,
    news: struct_pb2.Struct,
) -> struct_pb2.Struct:
    """Check, as the engine sends it (unknowns kept), with the inputs' secret keys marked in the result."""
    from pulumi.runtime.proto import provider_pb2

    news_out, news_secret = provider.outgoing(news)
    olds_out, _ = provider.outgoing(olds)
    resp = call(
        op,
        provider,
        type_,
        name,
        "Check",
        provider_pb2.CheckRequest(
            urn=urn, name=name, type=type_, olds=olds_out, news=news_out, randomSeed=os.urandom(32)
        ),
    )
    if resp.failures:
        problems = "\n".join(
            f"{type_} resource '{name}' has a problem: {f.reason}"
            + (f". Examine values at '{name}.{f.property}'." if f.property else "")
            for f in resp.failures
        )
        raise op.fail(diagnostic_text(type_, name, problems))
    checked: struct_pb2.Struct = resp.inputs if resp.HasField("inputs") else news_out
    return mark_secrets(checked, news_secret)


def create(
    op: OperationState, provider: Provider, res: ResourceState, inputs: struct_pb2.Struct, extra_secret: Iterable[str]
) -> tuple[str, struct_pb2.Struct]:
    """Create (or its preview); returns the id ("" in a preview) and the outputs, secret keys marked."""
    from pulumi.runtime.proto import provider_pb2

    props, secret = provider.outgoing(inputs)
    if op.preview and not provider.supports_preview:
        return "", copy_struct(inputs)
    resp = call(
        op,
        provider,
        res.type,
        res.name,
        "Create",
        provider_pb2.CreateRequest(
            urn=res.urn,
            name=res.name,
            type=res.type,
            properties=props,
            timeout=res.timeouts.get("create", 0.0),
            preview=op.preview,
        ),
    )
    if not resp.id and not op.preview:
        message = f"plugin returned empty resource.ID from create '{res.urn}'"
        raise op.fail(diagnostic_text(res.type, res.name, message))
    return ("" if op.preview else resp.id), mark_secrets(resp.properties, secret | set(extra_secret))


def update(
    op: OperationState,
    provider: Provider,
    old: ResourceState,
    res: ResourceState,
    news: struct_pb2.Struct,
    extra_secret: Iterable[str],
    ignore: Sequence[str],
) -> struct_pb2.Struct:
    """Update (or its preview); returns the outputs, secret keys marked."""
    from pulumi.runtime.proto import provider_pb2

    news_out, secret = provider.outgoing(news)
    if op.preview and not provider.supports_preview:
        return copy_struct(news)
    olds_out, _ = provider.outgoing(old.outputs)
    old_inputs_out, _ = provider.outgoing(old.inputs)
    resp = call(
        op,
        provider,
        res.type,
        res.name,
        "Update",
        provider_pb2.UpdateRequest(
            id=old.id,
            urn=res.urn,
            name=res.name,
            type=res.type,
            olds=olds_out,
            news=news_out,
            old_inputs=old_inputs_out,
            ignoreChanges=list(ignore),
            timeout=res.timeouts.get("update", 0.0),
            preview=op.preview,
        ),
    )
    return mark_secrets(resp.properties, secret | set(extra_secret))


def diff(
    op: OperationState,
    provider: Provider,
    request: Any,
    old: ResourceState,
    res: ResourceState,
    checked: struct_pb2.Struct,
    ignore: Sequence[str],
) -> tuple[bool, bool, bool]:
    """(changed, replace, delete_before_replace) from the provider's Diff, as the engine reads it."""
    from pulumi.runtime.proto import provider_pb2

    olds_out, _ = provider.outgoing(old.outputs)
    old_inputs_out, _ = provider.outgoing(old.inputs)
    news_out, _ = provider.outgoing(checked)
    resp = call(
        op,
        provider,
        old.type,
        old.name,
        "Diff",
        provider_pb2.DiffRequest(
            id=old.id,
            urn=res.urn,
            name=res.name,
            type=res.type,
            olds=olds_out,
            news=news_out,
            old_inputs=old_inputs_out,
            ignoreChanges=list(ignore),
        ),
    )
    if resp.changes == provider_pb2.DiffResponse.DIFF_SOME:
        changed = True
    elif resp.changes == provider_pb2.DiffResponse.DIFF_NONE:
        changed = False
    else:
        # DIFF_UNKNOWN: the engine falls back to comparing the old and new inputs itop.
        changed = not structs_equal(old.inputs, checked)
    replace = changed and bool(resp.replaces)
    if changed and not replace and request.replaceOnChanges:
        old_plain, new_plain = to_plain(old.inputs), to_plain(checked)
        keys = set(old_plain) | set(new_plain) if "*" in request.replaceOnChanges else request.replaceOnChanges
        replace = any(old_plain.get(k) != new_plain.get(k) for k in keys if k != "__provider")
    delete_first = replace and (bool(resp.deleteBeforeReplace) or bool(request.deleteBeforeReplace))
    return changed, replace, delete_first
