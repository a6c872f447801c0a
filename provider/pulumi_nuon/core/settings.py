"""Where the client's API URL, org id and token come from, and the checks that keep the token safe.

Resolution order, the same for functions, resources and the bare client: explicit argument → stack config
(``nuon:apiToken``, ``nuon:orgId``, ``nuon:apiUrl``, ``nuon:requestTimeout``) → environment (``NUON_API_TOKEN``,
``NUON_ORG_ID``, ``NUON_API_URL``, ``NUON_REQUEST_TIMEOUT``) → the default (URL ``https://api.nuon.co``, request
timeout 30 s). Empty strings count as unset. The rows of :data:`SETTINGS` say it once for every front end.

This module does not import Pulumi. Stack config reaches it only when a caller passes it: a mapping of namespaced
keys (the providers pass what the engine gave ``configure``) or a lookup function (the data-source functions pass
:func:`pulumi_nuon.stack_config`, which reads the running stack). Nothing is installed globally on import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import ConfigurationError, InvalidArgumentError
from pulumi_nuon.core.options import REQUEST_TIMEOUT, Option, check_value

__all__ = [
    "CONFIG_KEYS",
    "SETTINGS",
    "ConfigSource",
    "SettingSpec",
    "Settings",
    "check_api_url",
    "is_loopback_url",
    "render_settings_markdown",
    "resolve_api_url",
    "resolve_settings",
]

ConfigSource = Callable[[str], "str | None"]
"""Looks up a namespaced stack config key such as ``nuon:apiToken``; ``None`` when unset."""


@dataclass(frozen=True)
class SettingSpec:
    """One connection setting: its argument name, stack config key, environment variable and doc.

    :data:`SETTINGS` is the table every front end builds its configuration from (the native provider's config
    schema, the dynamic providers' ``configure``, the CLI's connection flags, the README's configuration table).
    """

    name: str
    config_key: str
    env: str
    doc: str
    secret: bool = False
    default: str | float | None = None
    cli: str | None = None
    """The CLI flag; the token deliberately has none, so it stays out of shell history."""
    type: Literal["string", "number"] = "string"
    option: Option | None = None
    """For a number: the option (bounds, words) its values are checked against."""


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("api_token", C.CONFIG_API_TOKEN, C.ENV_API_TOKEN, "The Nuon API token.", secret=True),
    SettingSpec("org_id", C.CONFIG_ORG_ID, C.ENV_ORG_ID, "The Nuon org id (sent as `X-Nuon-Org-ID`).", cli="--org-id"),
    SettingSpec(
        "api_url", C.CONFIG_API_URL, C.ENV_API_URL, "The Nuon API base URL.", default=C.DEFAULT_API_URL, cli="--api-url"
    ),
    SettingSpec(
        "request_timeout",
        C.CONFIG_REQUEST_TIMEOUT,
        C.ENV_REQUEST_TIMEOUT,
        "Seconds one read from Nuon may take, retries included (a dead API costs no more).",
        default=REQUEST_TIMEOUT.default,
        cli="--request-timeout",
        type="number",
        option=REQUEST_TIMEOUT,
    ),
)
CONFIG_KEYS = tuple(setting.config_key for setting in SETTINGS)
"""The stack config keys the providers take from the engine's ``configure`` (namespaced: ``nuon:apiToken``)."""


def render_settings_markdown() -> str:
    """:data:`SETTINGS` as the README's configuration table (a test keeps the README equal to this)."""
    lines = ["| stack config | environment | CLI flag | what | default |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        key = f"`{setting.config_key}`" + (" (set it with `--secret`)" if setting.secret else "")
        flag = f"`{setting.cli}`" if setting.cli else "— (environment only)"
        bounds = f" ({setting.option.bounds_text()})" if setting.option else ""
        default = (
            "none: required"
            if setting.default is None
            else f"`{setting.default:g}`"
            if isinstance(setting.default, float)
            else f"`{setting.default}`"
        )
        lines.append(f"| {key} | `{setting.env}` | {flag} | {setting.doc.rstrip('.')}{bounds}. | {default} |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings. The token is kept out of ``repr`` and equality output."""

    api_url: str
    org_id: str
    api_token: str = field(repr=False)
    request_timeout: float = REQUEST_TIMEOUT.default

    def __repr__(self) -> str:
        return (
            f"Settings(api_url={self.api_url!r}, org_id={self.org_id!r}, api_token='***', "
            f"request_timeout={self.request_timeout:g})"
        )


def _lookup(config: Mapping[str, str] | ConfigSource | None, key: str) -> str | None:
    if config is None:
        return None
    value = config.get(key) if isinstance(config, Mapping) else config(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _argument(name: str, value: object) -> str | None:
    """An explicit string argument, or None when unset; anything but a string is a clear error."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a string, got {type(value).__name__}", name)
    return value.strip() or None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value is not None and value.strip():
            return value.strip()
    return None


def _request_timeout(argument: object, config_value: str | None, env_value: str | None) -> float:
    """The request timeout: argument → config → environment → default, checked against its option's bounds."""
    if argument is not None:
        return float(check_value(REQUEST_TIMEOUT, argument))
    for source, text in ((C.CONFIG_REQUEST_TIMEOUT, config_value), (C.ENV_REQUEST_TIMEOUT, env_value)):
        if text is None or not text.strip():
            continue
        try:
            return float(check_value(REQUEST_TIMEOUT, float(text)))
        except ValueError:
            raise ConfigurationError(
                f"{source} is {text.strip()[:40]!r}: the request timeout must be {REQUEST_TIMEOUT.bounds_text()} "
                "(seconds)."
            ) from None
    return float(REQUEST_TIMEOUT.default)


def resolve_settings(
    api_token: str | None = None,
    org_id: str | None = None,
    api_url: str | None = None,
    *,
    request_timeout: float | None = None,
    config: Mapping[str, str] | ConfigSource | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings: argument → stack config → environment → default (URL, request timeout).

    ``config`` is a mapping of namespaced stack config keys (``{"nuon:orgId": ...}``) or a lookup function such as
    :func:`pulumi_nuon.stack_config`; when omitted, no stack config is read. ``env`` defaults to ``os.environ``.

    Raises :class:`ConfigurationError` naming the config key and the environment variable to set when the token
    or org id is missing, when the URL is malformed or would send the token in clear text off this machine, and
    when a configured request timeout is not a number within its bounds. An explicit argument of the wrong type
    is an :class:`InvalidArgumentError` naming it.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    token = _first(
        _argument("api_token", api_token), _lookup(config, C.CONFIG_API_TOKEN), _env(environ, C.ENV_API_TOKEN)
    )
    org = _first(_argument("org_id", org_id), _lookup(config, C.CONFIG_ORG_ID), _env(environ, C.ENV_ORG_ID))
    url = (
        _first(_argument("api_url", api_url), _lookup(config, C.CONFIG_API_URL), _env(environ, C.ENV_API_URL))
        or C.DEFAULT_API_URL
    )
    timeout = _request_timeout(
        request_timeout, _lookup(config, C.CONFIG_REQUEST_TIMEOUT), _env(environ, C.ENV_REQUEST_TIMEOUT)
    )

    if token is None:
        raise ConfigurationError(
            "No Nuon API token. Set it with `pulumi config set --secret nuon:apiToken <token>` or the "
            f"environment variable {C.ENV_API_TOKEN}, or pass api_token=.",
            missing="api_token",
        )
    if org is None:
        raise ConfigurationError(
            "No Nuon org id. Set it with `pulumi config set nuon:orgId <org id>` or the environment variable "
            f"{C.ENV_ORG_ID}, or pass org_id=.",
            missing="org_id",
        )
    return Settings(api_url=check_api_url(url), org_id=org, api_token=token, request_timeout=timeout)


def resolve_api_url(
    config: Mapping[str, str] | ConfigSource | None = None, *, env: Mapping[str, str] | None = None
) -> str:
    """The API URL alone (stack config → environment → default), for checks that need no token (the poll
    interval's minimum depends on whether the URL is loopback)."""
    environ: Mapping[str, str] = os.environ if env is None else env
    return _first(_lookup(config, C.CONFIG_API_URL), _env(environ, C.ENV_API_URL)) or C.DEFAULT_API_URL


def _env(environ: Mapping[str, Any], name: str) -> str | None:
    value = environ.get(name)
    return value if isinstance(value, str) else None


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is a loopback address (127.0.0.0/8, ::1, localhost)."""
    from urllib.parse import urlsplit  # here, not at the top: `pulumi-nuon --help` needs no URL parsing

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return bool(host) and _is_loopback(host or "")


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """Return ``url`` without a trailing slash, or raise :class:`ConfigurationError` if it is unusable.

    The token is sent only over https, or over plain http to a loopback address (a local simulator or proxy).
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as err:
        raise ConfigurationError(
            f"Nuon API URL {url!r} is malformed: {err}. Set nuon:apiUrl or {C.ENV_API_URL}."
        ) from err
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(
            f"Nuon API URL {url!r} is not an http(s) URL with a host; expected e.g. {C.DEFAULT_API_URL}. "
            f"Check nuon:apiUrl or {C.ENV_API_URL}."
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError("Nuon API URL must not carry credentials; use nuon:apiToken instead.")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"Nuon API URL {url!r} must not have a query or fragment.")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConfigurationError(
            f"Refusing to send the Nuon API token in clear text to {url!r}: use https, or plain http only to a "
            "loopback address (127.0.0.1, ::1, localhost)."
        )
    return url.rstrip("/")
