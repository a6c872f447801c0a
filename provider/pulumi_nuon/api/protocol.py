"""The client's pure logic, shared by the sync and async clients: request building, response parsing, the retry
decision (:func:`~pulumi_nuon.core.errors.is_transient`'s rule, applied within one call's time) and the pagination
state. Nothing here does I/O or sleeps; the two clients are thin loops around it.

One call to Nuon is a series of attempts within one time limit (the request timeout, or less when a waiter has
less time left): :class:`Attempts` caps each attempt and each wait between retries by the time left, and says when
to give up. Every failure an attempt can meet — an httpx transport or decoding error, an error status, a body
that is too large, arrives too slowly or is not the JSON Nuon documents — becomes one of the package's errors
here, with the token redacted from every word of it (:mod:`pulumi_nuon.core.redaction`).
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from pulumi_nuon._version import __version__
from pulumi_nuon.api.models import RELEASES, ComponentRelease, ErrorBody, InstallDeploy, parse_releases, problems
from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ReleasesNotServedError,
    ResponseTooLargeError,
    ResponseValidationError,
    is_transient,
)
from pulumi_nuon.core.ids import validate_id
from pulumi_nuon.core.options import check_limit
from pulumi_nuon.core.redaction import Redactor, redact, redactor
from pulumi_nuon.core.settings import API_TOKEN, API_URL, ORG_ID, REQUEST_TIMEOUT_SETTING, Settings

__all__ = [
    "LATEST_DEPLOY_PATH",
    "LATEST_DEPLOY_ROUTE",
    "RELEASES_PATH",
    "RELEASES_ROUTE",
    "USER_AGENT",
    "Attempts",
    "Body",
    "ReleasePager",
    "RetryPolicy",
    "Route",
    "backoff_delay",
    "body_error",
    "build_path",
    "default_headers",
    "invalid_body",
    "parse_latest_deploy",
    "parse_retry_after",
    "redact",
    "status_error",
    "transport_error",
]

_log = logging.getLogger("pulumi_nuon")

T = TypeVar("T")

USER_AGENT = f"pulumi-nuon/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"


@dataclass(frozen=True)
class Route:
    """One API route the client reads: its path template, and what an error status means on it."""

    template: str
    gone: type[NotFoundError] | None = None
    """A 404 or 410 for this route, whatever its body, means the API does not serve the route at all: this error."""
    gone_hint: str = ""
    """What such an error adds: what happened and what to do instead."""


RELEASES_ROUTE = Route(
    "/v1/components/{component_id}/releases",
    gone=ReleasesNotServedError,
    gone_hint="This Nuon API no longer serves component releases (a legacy feature dropped from newer Nuon APIs); "
    "read deploys with get_latest_deploy instead.",
)
LATEST_DEPLOY_ROUTE = Route("/v1/installs/{install_id}/components/{component_id}/deploys/latest")
RELEASES_PATH = RELEASES_ROUTE.template
LATEST_DEPLOY_PATH = LATEST_DEPLOY_ROUTE.template

_HINTS = {
    401: f"Check the API token ({API_TOKEN.where}): it is missing, wrong or expired.",
    403: f"Check the org id ({ORG_ID.where}) and that the token's account belongs to that org.",
    429: "Nuon is rate limiting; retry later or poll less often.",
}


# --- requests -------------------------------------------------------------------------------------------------


def build_path(route: Route | str, **ids: str) -> str:
    """Fill a route's path template with validated, URL-quoted ids."""
    template = route.template if isinstance(route, Route) else route
    return template.format(**{k: quote(validate_id(k, v), safe="") for k, v in ids.items()})


def default_headers(settings: Settings) -> dict[str, str]:
    """Both auth headers Nuon requires on every request, plus a User-Agent naming this package."""
    return {
        "Authorization": f"Bearer {settings.api_token}",
        "X-Nuon-Org-ID": settings.org_id,
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }


# --- errors ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """An answer as read off the wire: status, headers and the whole body (read within the time and size limits)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    reason_phrase: str = ""

    @classmethod
    def of(cls, response: httpx.Response, content: bytes) -> Body:
        return cls(response.status_code, response.headers, content, response.reason_phrase)

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "no content type").split(";")[0].strip()

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300


def _header_text(value: str, secret: str, limit: int = 60) -> str:
    """A header value the server sent, fit for a message: redacted whole, then cut (never cut before redacting),
    control characters shown escaped."""
    text = " ".join(redact(value, secret).split())
    text = text if len(text) <= limit else text[:limit] + "…"
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _excerpt(body: bytes, secret: str) -> str:
    """The start of a body, for a message: redacted whole, then cut (a cut must never leave half a token)."""
    text = redact(body.decode("utf-8", "replace"), secret)
    text = " ".join(text.split())
    return text[: C.ERROR_BODY_EXCERPT] + ("…" if len(text) > C.ERROR_BODY_EXCERPT else "")


def _parse_error_body(body: bytes) -> ErrorBody | None:
    try:
        parsed = ErrorBody.model_validate_json(body)
    except ValidationError:
        return None
    return parsed if (parsed.error or parsed.description) else None


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error(
    method: str, path: str, response: Body | httpx.Response, secret: str, route: Route | None = None
) -> APIStatusError:
    """The typed error for an error response, with method, path, status and Nuon's own words.

    On a ``route`` with a ``gone`` error, a 404 or 410 is that error (the API does not serve the route). Otherwise
    a 404 that is not Nuon's JSON error body (a proxy's HTML page, a plain-text "404 page not found") did not come
    from Nuon's API: it is an :class:`APIStatusError` naming what answered, never "no deploy yet".
    """
    code = response.status_code
    content = response.content
    cls = _STATUS_ERRORS.get(code, InternalServerError if code >= 500 else APIStatusError)
    body = _parse_error_body(content)
    gone = route.gone if route is not None and code in (404, 410) else None
    if gone is not None:
        cls = gone
    elif code == 404 and body is None:
        cls = APIStatusError
    # Only what the server sent is scrubbed: our own wording must stay readable whatever the token looks like.
    error = redact(body.error, secret) if body and body.error else None
    description = redact(body.description, secret) if body and body.description else None
    # Headers are the server's words as much as the body is: a reason phrase or a content type may echo the token.
    reason = _header_text(response.reason_phrase or httpx.codes.get_reason_phrase(code), secret)
    message = f"{method} {path} failed: {code} {reason}".rstrip()
    kind = _header_text((response.headers.get("content-type") or "no content type").split(";")[0].strip(), secret)
    if body is not None:
        parts = [part for part in (error, description) if part]
        message += " — Nuon says: " + ": ".join(dict.fromkeys(parts))
    elif content:
        message += f" ({kind} body: {_excerpt(content, secret)})"
    else:
        message += " (empty body)"
    if gone is not None and route is not None:
        message += ". " + route.gone_hint
    elif code == 404 and body is None:
        server = response.headers.get("server")
        message += (
            f". This 404 is not Nuon's JSON error{f' (server: {_header_text(server, secret)})' if server else ''}: "
            f"something other than the Nuon API answered (a proxy, or a wrong {API_URL.where})."
        )
    elif code in _HINTS:
        message += ". " + _HINTS[code]
    return cls(
        message,
        method=method,
        path=path,
        status_code=code,
        error=error,
        description=description,
        user_error=body.user_error if body else None,
    )


def transport_error(
    method: str, path: str, exc: Exception, settings: Settings, *, status: int | None = None, received: int = 0
) -> APIError:
    """Translate an httpx exception (transport, decoding, protocol) into ours; the cause stays chained.

    ``status`` is set when the failure came after the response's headers (while reading its body): then the API
    was reached, and the message says the answer broke off rather than "could not reach".
    """
    detail = redact(str(exc) or type(exc).__name__, settings.api_token)
    what = f"{type(exc).__name__}: {detail}"
    if isinstance(exc, httpx.DecodingError):
        return ResponseValidationError(
            f"{method} {path} answered {status or 'a response'} whose body could not be decoded ({what}); "
            f"a proxy or a broken Nuon API may be in the way; check {API_URL.where}.",
            method=method,
            path=path,
        )
    if isinstance(exc, httpx.TimeoutException):
        stage = f" while reading the body of a {status} response ({received} bytes in)" if status else ""
        return APITimeoutError(
            f"{method} {path} timed out{stage} ({what}) talking to {settings.api_url}. "
            f"Nuon may be slow or unreachable; raise the request timeout ({REQUEST_TIMEOUT_SETTING.where}) or retry "
            "later.",
            method=method,
            path=path,
        )
    if status is not None:
        return APIConnectionError(
            f"{method} {path}: {settings.api_url} answered {status} but the connection broke off while the body was "
            f"arriving ({received} bytes in; {what}). Nuon or a proxy dropped it; retry later.",
            method=method,
            path=path,
        )
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return APIConnectionError(
            f"{method} {path}: {settings.api_url} closed the connection without an answer ({what}). Nuon or a proxy "
            f"dropped it; retry later, and check {API_URL.where} if it persists.",
            method=method,
            path=path,
        )
    return APIConnectionError(
        f"{method} {path} could not reach {settings.api_url} ({what}). Check {API_URL.where} and the network.",
        method=method,
        path=path,
    )


def body_error(
    method: str, path: str, status: int, problem: str, *, too_large: bool = False, timed_out: bool = False
) -> APIError:
    """The error for a body that broke one of our limits: larger than :data:`C.MAX_RESPONSE_BYTES`, or still
    arriving when the attempt's time ran out (a body trickled a byte at a time)."""
    if too_large:
        return ResponseTooLargeError(
            f"{method} {path} answered {status} with a body {problem}, more than the {C.MAX_RESPONSE_BYTES:,} bytes "
            "pulumi-nuon reads; stopped reading. A proxy or a broken Nuon API may be in the way.",
            method=method,
            path=path,
        )
    assert timed_out
    return APITimeoutError(
        f"{method} {path} answered {status} but its body was still arriving when the time ran out ({problem}); "
        f"Nuon or a proxy is sending it too slowly. Raise the request timeout ({REQUEST_TIMEOUT_SETTING.where}) or "
        "retry later.",
        method=method,
        path=path,
    )


# --- retries --------------------------------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or HTTP date); None when absent or unparseable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)  # a date in the past: retry now; an absurd value is clamped by the caller


def backoff_delay(retry: int, *, initial: float, maximum: float, jitter: float) -> float:
    """Exponential backoff for the ``retry``-th retry (0-based), less up to 25% jitter (``jitter`` in [0, 1))."""
    base = min(initial * (2.0**retry), maximum)
    return base * (1.0 - 0.25 * jitter)


@dataclass
class RetryPolicy:
    """How many retries, how long between them. Sleep and randomness live in the clients (injectable)."""

    max_retries: int = C.DEFAULT_MAX_RETRIES
    initial_delay: float = C.INITIAL_RETRY_DELAY
    max_delay: float = C.MAX_RETRY_DELAY
    max_retry_after: float = C.MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= C.MAX_RETRIES:
            raise InvalidArgumentError(
                f"max_retries must be a whole number from 0 to {C.MAX_RETRIES}, got {retries!r}", "max_retries"
            )


@dataclass
class Attempts:
    """The retry state of one call: the time it has (``limit`` seconds from its start), the retries spent, and
    after each failed attempt the decision to wait (how long) or give up.

    ``monotonic`` measures the time left; ``clock`` is wall time, for ``Retry-After`` dates. Each attempt and
    each wait is capped by the time left, so the call ends within ``limit`` (plus the time one blocking read
    takes to notice, at most its own timeout, which is also capped).
    """

    policy: RetryPolicy
    method: str
    path: str
    settings: Settings
    random: Callable[[], float]
    clock: Callable[[], float] = time.time
    limit: float = C.DEFAULT_REQUEST_TIMEOUT
    monotonic: Callable[[], float] = time.monotonic
    retries: int = field(default=0, init=False)
    deadline: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.deadline = self.monotonic() + self.limit

    @property
    def redactor(self) -> Redactor:
        return redactor(self.settings.api_token)

    def left(self) -> float:
        """Seconds left for this call (never negative)."""
        return max(0.0, self.deadline - self.monotonic())

    def attempt_limit(self, per_attempt: float | None) -> float:
        """How long the next attempt may take: its own limit, capped by the time left."""
        left = max(self.left(), C.MIN_ATTEMPT_TIME)
        return left if per_attempt is None else min(per_attempt, left)

    def timeout(self, base: httpx.Timeout, limit: float) -> httpx.Timeout:
        """httpx's per-phase timeouts for an attempt that may take ``limit`` seconds in all."""

        def cap(value: float | None) -> float:
            return limit if value is None else min(value, limit)

        return httpx.Timeout(connect=cap(base.connect), read=cap(base.read), write=cap(base.write), pool=cap(base.pool))

    def after_error(self, error: APIError, retry_after: str | None = None) -> float:
        """Seconds to wait before the next attempt after ``error``; raises ``error`` when it is not worth
        retrying, the retries are spent, or the wait would not leave time for another attempt."""
        if not is_transient(error) or self.retries >= self.policy.max_retries:
            raise error
        wanted = parse_retry_after(retry_after, now=self.clock())
        if wanted is not None:
            delay = min(wanted, self.policy.max_retry_after)
        else:
            delay = backoff_delay(
                self.retries, initial=self.policy.initial_delay, maximum=self.policy.max_delay, jitter=self.random()
            )
        left = self.left()
        if delay + C.MIN_ATTEMPT_TIME >= left:
            shown = _header_text(str(retry_after), self.settings.api_token)
            waited = f"Retry-After {shown}" if wanted is not None else f"a retry in {delay:.1f}s"
            error.message += (
                f" (gave up after {self.retries + 1} attempt(s): {waited} would not leave time for another attempt "
                f"within the {self.limit:g}s time limit of this call)"
            )
            error.args = (error.message,)
            raise error
        self.retries += 1
        _log.info(
            "%s %s: %s; retry %d of %d in %.2fs",
            self.method,
            self.path,
            type(error).__name__,
            self.retries,
            self.policy.max_retries,
            delay,
        )
        return delay


# --- responses ------------------------------------------------------------------------------------------------


def _describe(err: ValidationError) -> str:
    """Pydantic's first complaint, without the input value (it may be anything the server sent)."""
    found = problems(err)
    if not found:
        return "invalid"
    loc, msg = found[0]
    where = ".".join(str(part) for part in loc)
    return f"{where}: {msg}" if where else msg


def _parse(
    method: str,
    path: str,
    body: Body,
    validate_json: Callable[[bytes], T],
    validate_python: Callable[[Any], T],
    what: str,
    secret: str,
) -> T:
    """``body`` validated as ``what``; every string in it redacted when the body carries the token in any form.

    Raises :class:`ResponseValidationError` (the message quotes the redacted start of the body) otherwise.
    """
    scrubber = redactor(secret) if secret else None
    problem: str
    try:
        if scrubber is not None and scrubber.found_in(body.content):
            return validate_python(scrubber.value(json.loads(body.content)))
        return validate_json(body.content)
    except ValidationError as err:
        problem = _describe(err)
    except (ValueError, RecursionError) as err:  # json.loads / from_json: not JSON, or nested beyond reason
        problem = f"not JSON ({type(err).__name__})"
    raise invalid_body(method, path, body, what, problem, secret)


def invalid_body(method: str, path: str, body: Body, what: str, problem: str, secret: str) -> ResponseValidationError:
    """The error for a 2xx body that is not ``what``."""
    size = len(body.content)
    start = f"starts with {_excerpt(body.content, secret)!r}" if size else "is empty"
    return ResponseValidationError(
        f"{method} {path} returned {body.status_code} but the body is not {what} "
        f"({_header_text(body.content_type, secret)}, {size} bytes: "
        f"{redact(problem, secret)}; {start}). A proxy or an incompatible Nuon API may be in the way; check "
        f"{API_URL.where}.",
        method=method,
        path=path,
    )


def parse_latest_deploy(
    method: str, path: str, body: Body | httpx.Response, install_id: str, component_id: str, secret: str = ""
) -> InstallDeploy | None:
    """The deploy from a 200 body, carrying the ids of the request (Nuon sends ``install_id: ""``); ``None`` for a
    plan-only deploy (a drift check: Nuon's own latest-deploy route leaves them out, so one here is not "the latest
    deploy" either).

    A deploy without an ``id`` or a ``status`` is not an answer a waiter can act on: a
    :class:`ResponseValidationError`, as is a top-level field of the wrong type (nested parts that do not match
    the spec are dropped, see :mod:`pulumi_nuon.api.models`) and a deploy that names another install or component
    than the request's (an answer to another question: a proxy's cache, a routing bug — never a pass).
    """
    read = body if isinstance(body, Body) else Body.of(body, body.content)
    what = "an InstallDeploy JSON object"
    deploy = _parse(method, path, read, InstallDeploy.model_validate_json, InstallDeploy.model_validate, what, secret)
    missing = [name for name in ("id", "status") if not getattr(deploy, name)]
    if missing:
        raise invalid_body(method, path, read, what, f"no {' and no '.join(missing)}", secret)
    for name, asked in (("install_id", install_id), ("component_id", component_id)):
        named = getattr(deploy, name)
        if named and named != asked:
            raise invalid_body(
                method, path, read, what, f"a deploy of {name} {named!r}, not the {asked!r} asked for", secret
            )
    if deploy.plan_only:
        _log.debug("%s %s: the latest deploy %s is plan-only; not a deploy", method, path, deploy.id)
        return None
    return deploy.model_copy(update={"install_id": install_id, "component_id": component_id})


@dataclass
class ReleasePager:
    """Pagination state for the releases listing: pages of 100, follow ``X-Nuon-Page-Next``, fall back to the
    short-page rule when the header is missing, stop after ``limit`` items, and give up after a hard page bound
    or on a page that repeats releases already read (a server ignoring ``offset``).

    Releases that an earlier page already held are skipped (a release created mid-listing shifts the pages by one);
    a page holding nothing new is a :class:`PaginationError`. A page over the size limit makes the pager ask for
    smaller pages (:meth:`shrink`).
    """

    path: str
    limit: int | None = None
    page_size: int = C.RELEASES_PAGE_SIZE
    secret: str = ""
    max_pages: ClassVar[int] = C.MAX_RELEASE_PAGES
    """The hard page bound, for every pager (a test of the guard over a real socket may lower it)."""
    offset: int = field(default=0, init=False)
    pages: int = field(default=0, init=False)
    yielded: int = field(default=0, init=False)
    done: bool = field(default=False, init=False)
    seen: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.limit = check_limit(self.limit)

    def params(self) -> dict[str, int]:
        """Query for the next page; asks for no more than still wanted (a release can weigh megabytes)."""
        if self.pages >= self.max_pages:
            raise PaginationError(
                f"GET {self.path}: the server still announced more releases after {self.pages} pages of "
                f"{self.page_size}; stopping. Pass limit= to read only the newest releases.",
                method="GET",
                path=self.path,
            )
        size = self.page_size
        if self.limit is not None:
            size = min(size, self.limit - self.yielded)
        return {"offset": self.offset, "limit": size}

    def shrink(self, error: ResponseTooLargeError) -> None:
        """Ask for pages half as large after a page was too large; raises ``error`` once pages of one are."""
        if self.page_size <= 1:
            raise error
        self.page_size = max(1, self.page_size // 2)

    def parser(self, requested: int) -> Callable[[Body], list[ComponentRelease]]:
        """:meth:`accept` for the page asked for with ``limit=requested``, as the client's parse step."""
        return lambda body: self.accept(body, requested)

    def accept(self, response: Body | httpx.Response, requested: int) -> list[ComponentRelease]:
        """Take one page; returns the releases to hand out and updates ``done``."""
        body = response if isinstance(response, Body) else Body.of(response, response.content)
        what = "a JSON array of ComponentRelease"
        page = _parse("GET", self.path, body, parse_releases, RELEASES.validate_python, what, self.secret)
        if any(not release.id for release in page):
            raise invalid_body("GET", self.path, body, what, "a release without an id", self.secret)
        self.pages += 1
        unique: dict[str | None, ComponentRelease] = {}
        for release in page:
            if release.id not in self.seen:
                unique.setdefault(release.id, release)
        fresh = list(unique.values())
        if page and not fresh:
            raise PaginationError(
                f"GET {self.path}: the page at offset {self.offset} repeats {len(page)} release(s) already read; "
                "the server is not paging (it ignores offset). Stopping rather than reading the same releases "
                "again. Pass limit= to read only the newest releases.",
                method="GET",
                path=self.path,
            )
        self.seen.update(str(release.id) for release in fresh)
        releases = fresh
        if self.limit is not None:
            releases = releases[: self.limit - self.yielded]
        self.yielded += len(releases)
        self.offset += len(page)
        effective = _int_header(body, "x-nuon-page-limit") or requested
        announced = body.headers.get("x-nuon-page-next")
        more = announced.strip().lower() == "true" if announced is not None else len(page) >= effective
        # An empty page that announces more would loop forever on the same offset.
        if not page or not more or (self.limit is not None and self.yielded >= self.limit):
            self.done = True
        return releases


def _int_header(response: Body, name: str) -> int | None:
    try:
        value = int(response.headers.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None
