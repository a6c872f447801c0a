"""Where the client's API URL, org id, token and request timeout come from, and the checks that keep the token safe.

Resolution order, the same for functions, resources, the native provider, the CLI and the bare client: explicit
argument → stack config → environment → default. Empty strings count as unset. Each setting is one row of
:data:`SETTINGS` — its argument name, stack config key, environment variable, CLI flag, type, default and bounds
(length, characters, numeric range, the URL's normal form) — and everything else is built from the rows:
:func:`resolve_settings`, :func:`check_setting` (the native provider's ``CheckConfig`` and ``Configure``), the
messages (:meth:`SettingSpec.where`), the native config schema, the CLI's connection flags and help, and the
README's configuration table (:func:`render_settings_markdown`). Tests check the client constructors' keyword
arguments and docstrings, and :class:`Settings`' fields, against the rows.

Every value is checked where it is resolved, once, and later code uses only the checked form: the URL is
normalised there (scheme and host in lowercase, no trailing ``/`` or ``/v1``), so every later decision — is it
loopback, may a proxy see it — reads the same string the requests go to. No message ever quotes the token, nor
a URL's userinfo, query or fragment.

This module does not import Pulumi. Stack config reaches it only when a caller passes it: a mapping of namespaced
keys (the providers pass what the engine gave ``configure``) or a lookup function (the data-source functions pass
:func:`pulumi_nuon.stack_config`, which reads the running stack). Nothing is installed globally on import.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import ConfigurationError, InvalidArgumentError
from pulumi_nuon.core.options import REQUEST_TIMEOUT, Option, check_value

__all__ = [
    "API_TOKEN",
    "API_URL",
    "CONFIG_KEYS",
    "ORG_ID",
    "REQUEST_TIMEOUT_SETTING",
    "SETTINGS",
    "ConfigSource",
    "SettingSpec",
    "Settings",
    "check_api_url",
    "check_setting",
    "is_loopback_url",
    "render_settings_markdown",
    "resolve_api_url",
    "resolve_settings",
]

ConfigSource = Callable[[str], "str | None"]
"""Looks up a namespaced stack config key such as ``nuon:apiToken``; ``None`` when unset."""

Shape = Literal["token", "id", "url", "seconds"]
"""How a setting's text is checked: a token or an id (printable ASCII, no spaces: it goes into a header), an http(s)
URL (normalised), a number of seconds (within its option's bounds)."""


@dataclass(frozen=True)
class SettingSpec:
    """One connection setting, declared once (see the module docstring for what is built from it)."""

    name: str
    """The keyword argument of the clients and :func:`resolve_settings`, and the :class:`Settings` field."""
    config_key: str
    env: str
    doc: str
    what: str
    """What it is, in words for messages: ``API token``."""
    shape: Shape
    secret: bool = False
    default: str | float | None = None
    cli: str | None = None
    """The CLI flag; the token deliberately has none, so it stays out of shell history."""
    max_length: int = C.MAX_ID_LENGTH
    option: Option | None = None
    """For a number: the option (bounds, words) its values are checked against."""

    @property
    def type(self) -> Literal["string", "number"]:
        """Its type in the native provider's config schema."""
        return "number" if self.shape == "seconds" else "string"

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def where(self) -> str:
        """Where to set it, as messages say it: ``nuon:apiUrl / NUON_API_URL``."""
        return f"{self.config_key} / {self.env}"

    def bounds_text(self) -> str:
        """What values are allowed, in words."""
        if self.option is not None:
            return self.option.bounds_text()
        if self.shape == "url":
            return f"an https URL (or http to a loopback address), at most {self.max_length:,} characters"
        return f"printable ASCII without spaces, at most {self.max_length:,} characters"


SETTINGS: tuple[SettingSpec, ...] = (
    # The token first: the rows after it are checked knowing it, so no message about them can quote it.
    SettingSpec(
        "api_token",
        "nuon:apiToken",
        "NUON_API_TOKEN",
        "The Nuon API token.",
        "API token",
        "token",
        secret=True,
        max_length=C.MAX_TOKEN_LENGTH,
    ),
    SettingSpec(
        "org_id",
        "nuon:orgId",
        "NUON_ORG_ID",
        "The Nuon org id (sent as `X-Nuon-Org-ID`).",
        "org id",
        "id",
        cli="--org-id",
    ),
    SettingSpec(
        "api_url",
        "nuon:apiUrl",
        "NUON_API_URL",
        "The Nuon API base URL (a trailing `/v1` is dropped: the paths carry it).",
        "API URL",
        "url",
        default=C.DEFAULT_API_URL,
        cli="--api-url",
        max_length=C.MAX_URL_LENGTH,
    ),
    SettingSpec(
        "request_timeout",
        "nuon:requestTimeout",
        "NUON_REQUEST_TIMEOUT",
        "Seconds one read from Nuon may take, retries included (a dead API costs no more).",
        "request timeout",
        "seconds",
        default=REQUEST_TIMEOUT.default,
        cli="--request-timeout",
        option=REQUEST_TIMEOUT,
    ),
)
API_TOKEN, ORG_ID, API_URL, REQUEST_TIMEOUT_SETTING = SETTINGS
CONFIG_KEYS = tuple(setting.config_key for setting in SETTINGS)
"""The stack config keys the providers take from the engine's ``configure`` (namespaced: ``nuon:apiToken``)."""


def render_settings_markdown() -> str:
    """:data:`SETTINGS` as the README's configuration table (a test keeps the README equal to this)."""
    lines = ["| stack config | environment | CLI flag | what | default |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        key = f"`{setting.config_key}`" + (" (set it with `--secret`)" if setting.secret else "")
        flag = f"`{setting.cli}`" if setting.cli else "— (environment only)"
        bounds = f" ({setting.bounds_text()})"
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
    """Resolved, checked connection settings (one field per row of :data:`SETTINGS`). The token is kept out of
    ``repr`` and equality output."""

    api_url: str
    org_id: str
    api_token: str = field(repr=False)
    request_timeout: float = REQUEST_TIMEOUT.default

    def __repr__(self) -> str:
        return (
            f"Settings(api_url={self.api_url!r}, org_id={self.org_id!r}, api_token='***', "
            f"request_timeout={self.request_timeout:g})"
        )


# --- checks -----------------------------------------------------------------------------------------------------

# What a header value may hold: printable ASCII without spaces. Anything else either cannot be sent (httpx raises
# UnicodeEncodeError on a non-ASCII header) or reads as another value in a log (control and invisible characters).
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


def _char_text(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"


def _masked_url(url: str) -> str:
    """``url`` for a message: its userinfo, query and fragment masked (a token pasted there must not be quoted),
    cut to 120 characters."""
    shown = re.sub(r"//[^/@?#]*@", "//***@", url, count=1)
    shown = re.sub(r"\?[^#]*", "?***", shown, count=1)
    shown = re.sub(r"#.*", "#***", shown, count=1)
    shown = shown.encode("ascii", "backslashreplace").decode()
    return shown if len(shown) <= 120 else shown[:120] + "…"


def _redacted(text: str, secret: str) -> str:
    if not secret:
        return text
    from pulumi_nuon.core.redaction import redact

    return redact(text, secret)


def check_setting(setting: SettingSpec, value: object, *, source: str | None = None, secret: str = "") -> Any:
    """``value`` checked and normalised for ``setting`` (a URL normalised, a number as float), or a
    :class:`ConfigurationError` naming ``source`` (where the value came from: ``NUON_API_URL``, ``api_url=``…), what
    is allowed and where to set it. ``secret`` (the token) is kept out of the message. Strings are stripped;
    numbers may come as numbers or as text (environment, stack config)."""
    where = source or setting.where
    if setting.shape == "seconds":
        assert setting.option is not None
        number: object = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = value
        try:
            return float(check_value(setting.option, number))
        except InvalidArgumentError:
            shown = repr(value.strip()[:40]) if isinstance(value, str) else repr(value)[:40]
            raise ConfigurationError(
                f"{where} is {shown}: the {setting.what} must be {setting.bounds_text()} (seconds).",
                setting=setting.name,
            ) from None
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{where} must be a string (the {setting.what}), got {type(value).__name__}.", setting=setting.name
        )
    text = value.strip()
    if len(text) > setting.max_length:
        raise ConfigurationError(
            f"{where} is {len(text):,} characters long; the {setting.what} may be at most {setting.max_length:,}. "
            f"Check what was pasted into {setting.where}.",
            setting=setting.name,
        )
    if setting.shape == "url":
        return check_api_url(text, secret=secret, source=where)
    if not _HEADER_SAFE.fullmatch(text):
        bad = next(c for c in text if not _HEADER_SAFE.fullmatch(c))
        at = text.index(bad)
        quoted = "" if setting.secret else f" {text[:60].encode('ascii', 'backslashreplace').decode()!r}"
        raise ConfigurationError(
            f"{where}{quoted} holds {_char_text(bad)} at position {at}: the {setting.what} must be "
            f"{setting.bounds_text()} (it is sent in an HTTP header). Check what was pasted into {setting.where}.",
            setting=setting.name,
        )
    return text


def _lookup(config: Mapping[str, str] | ConfigSource | None, key: str) -> object:
    if config is None:
        return None
    return config.get(key) if isinstance(config, Mapping) else config(key)


def _given(value: object) -> bool:
    """Whether a value counts as set (None and blank strings do not)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _resolve(
    setting: SettingSpec,
    argument: object,
    config: Mapping[str, str] | ConfigSource | None,
    environ: Mapping[str, Any],
    secret: str,
) -> Any:
    """One setting: argument → stack config → environment → default, checked (or None when unset and required)."""
    if _given(argument):
        if setting.shape != "seconds" and not isinstance(argument, str):
            raise InvalidArgumentError(f"{setting.name} must be a string, got {type(argument).__name__}", setting.name)
        if setting.shape == "seconds":  # an explicit number: the option's own words (InvalidArgumentError)
            return float(check_value(REQUEST_TIMEOUT if setting.option is None else setting.option, argument))
        return check_setting(setting, argument, source=f"{setting.name}=", secret=secret)
    for source, value in (
        (setting.config_key, _lookup(config, setting.config_key)),
        (setting.env, environ.get(setting.env)),
    ):
        if _given(value) and (isinstance(value, str) or source == setting.config_key):
            return check_setting(setting, value, source=source, secret=secret)
    if setting.default is None:
        return None
    return check_setting(setting, setting.default, secret=secret)


def _missing(setting: SettingSpec) -> ConfigurationError:
    secret = "--secret " if setting.secret else ""
    return ConfigurationError(
        f"No Nuon {setting.what}. Set it with `pulumi config set {secret}{setting.config_key} <{setting.what}>` or "
        f"the environment variable {setting.env}, or pass {setting.name}=.",
        missing=setting.name,
        setting=setting.name,
    )


def resolve_settings(
    api_token: str | None = None,
    org_id: str | None = None,
    api_url: str | None = None,
    *,
    request_timeout: float | None = None,
    config: Mapping[str, str] | ConfigSource | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every row of :data:`SETTINGS`: argument → stack config → environment → default.

    ``config`` is a mapping of namespaced stack config keys (``{"nuon:orgId": ...}``) or a lookup function such as
    :func:`pulumi_nuon.stack_config`; when omitted, no stack config is read. ``env`` defaults to ``os.environ``.

    Raises :class:`ConfigurationError` naming the config key and the environment variable to set when the token
    or org id is missing, and, naming where the value came from, when a value is too long, holds a character that
    cannot go into a header, is a URL that is malformed or would send the token in clear text off this machine (or
    carries the token itself), or a request timeout out of bounds. An explicit argument of the wrong type is an
    :class:`InvalidArgumentError` naming it.
    """
    environ: Mapping[str, Any] = os.environ if env is None else env
    arguments = {"api_token": api_token, "org_id": org_id, "api_url": api_url, "request_timeout": request_timeout}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = _resolve(setting, arguments[setting.name], config, environ, values.get("api_token") or "")
        if value is None:
            raise _missing(setting)
        values[setting.name] = value
    return Settings(**values)


def resolve_api_url(
    config: Mapping[str, str] | ConfigSource | None = None, *, env: Mapping[str, str] | None = None
) -> str:
    """The API URL alone (stack config → environment → default), normalised when it is valid, for checks that need
    no token (the poll interval's minimum depends on whether the URL is loopback)."""
    environ: Mapping[str, Any] = os.environ if env is None else env
    try:
        return str(_resolve(API_URL, None, config, environ, ""))
    except ConfigurationError:
        return C.DEFAULT_API_URL  # not loopback: the stricter bounds apply; the read itself reports the URL


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


def _check_host(host: str, fail: Callable[[str], ConfigurationError]) -> None:
    """A host httpx can connect to: labels of at most 63 characters, at most 253 in all, encodable as IDNA."""
    if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        raise fail(f"its host is {len(host):,} characters long (a DNS name has labels of at most 63, 253 in all)")
    if not host.isascii():
        try:
            host.encode("idna")
        except UnicodeError:
            raise fail("its host is not a valid internationalised domain name") from None


def check_api_url(url: str, *, secret: str = "", source: str | None = None) -> str:
    """``url`` in its normal form, or raise :class:`ConfigurationError` if it is unusable.

    The normal form: scheme and host in lowercase, no trailing ``/``, and no trailing ``/v1`` (every request path
    carries ``/v1`` itself; a pasted ``https://api.nuon.co/v1`` would otherwise ask for ``/v1/v1/...`` and read
    Nuon's 404 as "no deploy yet"). The token is sent only over https, or over plain http to a loopback address (a
    local simulator or proxy); a URL that carries credentials, a query, a fragment or the token itself is refused.
    ``source`` names where the URL came from in messages; ``secret`` (the token) is never quoted.
    """
    from urllib.parse import urlsplit

    where = source or API_URL.where
    url = url.strip()

    def fail(problem: str) -> ConfigurationError:
        shown = _redacted(_masked_url(url), secret)
        return ConfigurationError(
            f"Nuon API URL {shown!r} ({where}) {problem}; expected e.g. {C.DEFAULT_API_URL}. Check {API_URL.where}.",
            setting=API_URL.name,
        )

    if len(url) > API_URL.max_length:
        raise fail(f"is {len(url):,} characters long, more than the {API_URL.max_length:,} allowed")
    odd = next((c for c in url if c.isspace() or not c.isprintable()), None)
    if odd is not None:
        raise fail(f"holds {_char_text(odd)}, which no URL may")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as err:
        raise fail(f"is malformed ({_redacted(str(err), secret)})") from err
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise fail("is not an http(s) URL with a host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise fail(f"must not carry credentials; put the token in {API_TOKEN.where} instead")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise fail("must not have a query or fragment")
    _check_host(host, fail)
    if secret and _redacted(url, secret) != url:
        raise fail(f"holds the API token; put the token only in {API_TOKEN.where}")
    if scheme == "http" and not _is_loopback(host):
        raise ConfigurationError(
            f"Refusing to send the Nuon API token in clear text to {_redacted(_masked_url(url), secret)!r} ({where}): "
            "use https, or plain http only to a loopback address (127.0.0.1, ::1, localhost).",
            setting=API_URL.name,
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    if path.lower().endswith("/v1"):
        path = path[:-3].rstrip("/")
    normal = f"{scheme}://{netloc}{path}"
    return normal
