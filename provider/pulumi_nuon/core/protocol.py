"""The client's pure logic, shared by the sync and async clients: request building, response parsing, the retry
decision and the pagination state. Nothing here does I/O or sleeps; the two clients are thin loops around it.
"""

from __future__ import annotations

import email.utils
import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from pulumi_nuon._version import __version__
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
    ResponseValidationError,
)
from pulumi_nuon.core.ids import validate_id
from pulumi_nuon.core.models import ComponentRelease, ErrorBody, InstallDeploy, parse_releases
from pulumi_nuon.core.options import check_limit
from pulumi_nuon.core.settings import Settings

_log = logging.getLogger("pulumi_nuon")

T = TypeVar("T")

USER_AGENT = f"pulumi-nuon/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"

RELEASES_PATH = "/v1/components/{component_id}/releases"
LATEST_DEPLOY_PATH = "/v1/installs/{install_id}/components/{component_id}/deploys/latest"

_HINTS = {
    401: "Check the API token (nuon:apiToken / NUON_API_TOKEN): it is missing, wrong or expired.",
    403: "Check the org id (nuon:orgId / NUON_ORG_ID) and that the token's account belongs to that org.",
    429: "Nuon is rate limiting; retry later or poll less often.",
}


# --- requests -------------------------------------------------------------------------------------------------


def build_path(template: str, **ids: str) -> str:
    """Fill a path template with validated, URL-quoted ids."""
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


def redact(text: str, secret: str) -> str:
    """Remove ``secret`` from ``text`` (defence in depth: no message this package builds may carry the token)."""
    return text.replace(secret, "***") if secret else text


def _excerpt(body: bytes) -> str:
    text = body[: C.ERROR_BODY_EXCERPT].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("…" if len(body) > C.ERROR_BODY_EXCERPT else "")


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


def status_error(method: str, path: str, response: httpx.Response, secret: str) -> APIStatusError:
    """The typed error for an error response, with method, path, status and Nuon's own words."""
    code = response.status_code
    cls = _STATUS_ERRORS.get(code, InternalServerError if code >= 500 else APIStatusError)
    if code in (404, 410) and path.endswith("/releases"):
        cls = ReleasesNotServedError
    body = _parse_error_body(response.content)
    # Only what the server sent is scrubbed: our own wording must stay readable whatever the token looks like.
    error = redact(body.error, secret) if body and body.error else None
    description = redact(body.description, secret) if body and body.description else None
    reason = response.reason_phrase or httpx.codes.get_reason_phrase(code)
    message = f"{method} {path} failed: {code} {reason}".rstrip()
    if body is not None:
        parts = [part for part in (error, description) if part]
        message += " — Nuon says: " + ": ".join(dict.fromkeys(parts))
    elif response.content:
        kind = response.headers.get("content-type", "unknown content type").split(";")[0]
        message += f" ({kind} body: {redact(_excerpt(response.content), secret)})"
    if cls is ReleasesNotServedError:
        message += (
            ". This Nuon API no longer serves component releases (a legacy feature dropped from newer Nuon APIs);"
            " read deploys with get_latest_deploy instead."
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


def transport_error(method: str, path: str, exc: httpx.HTTPError, settings: Settings) -> APIError:
    """Translate an httpx transport exception into ours; the cause stays chained for debugging."""
    detail = redact(str(exc) or type(exc).__name__, settings.api_token)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{method} {path} timed out ({type(exc).__name__}: {detail}) talking to {settings.api_url}. "
            "Nuon may be slow or unreachable; raise the client timeout or retry later.",
            method=method,
            path=path,
        )
    return APIConnectionError(
        f"{method} {path} could not reach {settings.api_url} ({type(exc).__name__}: {detail}). "
        "Check nuon:apiUrl / NUON_API_URL and the network.",
        method=method,
        path=path,
    )


# --- retries --------------------------------------------------------------------------------------------------


def is_retryable_status(code: int) -> bool:
    """Statuses worth another attempt: 408, 429 and every 5xx."""
    return code in (408, 429) or code >= 500


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
    if seconds != seconds or seconds < 0:  # NaN or in the past: retry now
        return 0.0 if seconds == seconds else None
    return seconds


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
    """The retry state of one logical request: after each outcome, says whether to return, raise or wait."""

    policy: RetryPolicy
    method: str
    path: str
    settings: Settings
    random: Callable[[], float]
    clock: Callable[[], float] = time.time
    retries: int = field(default=0, init=False)

    def after(self, outcome: httpx.Response | httpx.HTTPError) -> float | None:
        """None when ``outcome`` is a success to return; seconds to sleep before the next attempt; or raises."""
        if isinstance(outcome, httpx.Response):
            if outcome.is_success:
                return None
            if not is_retryable_status(outcome.status_code) or self.retries >= self.policy.max_retries:
                raise status_error(self.method, self.path, outcome, self.settings.api_token)
            retry_after = parse_retry_after(outcome.headers.get("retry-after"), now=self.clock())
            what = f"{outcome.status_code}"
        else:
            if self.retries >= self.policy.max_retries:
                raise transport_error(self.method, self.path, outcome, self.settings) from outcome
            retry_after = None
            what = type(outcome).__name__
        if retry_after is not None:
            delay = min(retry_after, self.policy.max_retry_after)
        else:
            delay = backoff_delay(
                self.retries, initial=self.policy.initial_delay, maximum=self.policy.max_delay, jitter=self.random()
            )
        self.retries += 1
        _log.info(
            "%s %s: %s; retry %d of %d in %.2fs",
            self.method,
            self.path,
            what,
            self.retries,
            self.policy.max_retries,
            delay,
        )
        return delay


# --- responses ------------------------------------------------------------------------------------------------


def _parse(method: str, path: str, response: httpx.Response, parse: Callable[[bytes], T], what: str) -> T:
    try:
        return parse(response.content)
    except ValidationError as err:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        problem = err.errors()[0]["msg"] if err.errors() else str(err)
        raise ResponseValidationError(
            f"{method} {path} returned {response.status_code} but the body is not {what} ({kind}, "
            f"{len(response.content)} bytes: {problem}; starts with {_excerpt(response.content)!r}). "
            "A proxy or an incompatible Nuon API may be in the way; check nuon:apiUrl / NUON_API_URL.",
            method=method,
            path=path,
        ) from None


def parse_latest_deploy(
    method: str, path: str, response: httpx.Response, install_id: str, component_id: str
) -> InstallDeploy:
    """The deploy from a 200 body, carrying the ids of the request (Nuon sends ``install_id: ""``)."""
    deploy = _parse(method, path, response, InstallDeploy.model_validate_json, "an InstallDeploy JSON object")
    return deploy.model_copy(update={"install_id": install_id, "component_id": component_id})


@dataclass
class ReleasePager:
    """Pagination state for the releases listing: pages of 100, follow ``X-Nuon-Page-Next``, fall back to the
    short-page rule when the header is missing, stop after ``limit`` items, and give up after a hard page bound.
    """

    path: str
    limit: int | None = None
    page_size: int = C.RELEASES_PAGE_SIZE
    max_pages: int = C.MAX_RELEASE_PAGES
    offset: int = field(default=0, init=False)
    pages: int = field(default=0, init=False)
    yielded: int = field(default=0, init=False)
    done: bool = field(default=False, init=False)

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

    def accept(self, response: httpx.Response, requested: int) -> list[ComponentRelease]:
        """Take one page; returns the releases to hand out and updates ``done``."""
        releases = _parse("GET", self.path, response, parse_releases, "a JSON array of ComponentRelease")
        self.pages += 1
        if self.limit is not None:
            releases = releases[: self.limit - self.yielded]
        self.yielded += len(releases)
        self.offset += len(releases)
        effective = _int_header(response, "x-nuon-page-limit") or requested
        announced = response.headers.get("x-nuon-page-next")
        more = announced.strip().lower() == "true" if announced is not None else len(releases) >= effective
        # An empty page that announces more would loop forever on the same offset.
        if not releases or not more or (self.limit is not None and self.yielded >= self.limit):
            self.done = True
        return releases


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        value = int(response.headers.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None
