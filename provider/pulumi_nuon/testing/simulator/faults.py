"""Fault injection: what can go wrong between a client and Nuon, and when it should.

A `Fault` says what happens to one request (an HTTP status, a 429 with Retry-After, added latency, a reset
connection, truncated JSON, a proxy's HTML page, a slow trickle; and the hostile ones: an answer that never comes,
a connection cut mid-body, a gzip header on a plain body, a body of any bytes (wrong shape, empty, an HTML 404), a
huge body, endless or repeated pages, and the token echoed back in some form). A `FaultRule` says which requests
get it: a route (or all), the next N requests, and/or a probability drawn from a seeded RNG so failures are
reproducible. Rules are tried in the order they were added; the first that fires wins.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Literal, get_args

from pulumi_nuon.core.errors import InvalidArgumentError

__all__ = ["Fault", "FaultKind", "FaultRule", "Route"]

Route = Literal["releases", "latest_deploy", "other"]
FaultKind = Literal[
    "status",
    "rate_limit",
    "latency",
    "reset",
    "truncated_json",
    "html",
    "trickle",
    "hang",
    "cut",
    "gzip_lie",
    "body",
    "huge",
    "endless_pages",
    "repeat_page",
    "echo",
    "echo_header",
    "header_trickle",
]
EchoForm = Literal[
    "raw",
    "json_escaped",
    "crlf",
    "nul",
    "base64",
    "percent",
    "html_entities",
    "folded",
    "zero_width",
    "plus_for_dash",
    "html_named",
]
EchoHeader = Literal["reason", "content-type", "retry-after", "server"]
_ROUTES: tuple[str, ...] = ("releases", "latest_deploy", "other")
ECHO_FORMS: tuple[EchoForm, ...] = get_args(EchoForm)
ECHO_HEADERS: tuple[EchoHeader, ...] = get_args(EchoHeader)
# The forms a header can carry on the wire (HTTP/1.1 headers are Latin-1 text without bare CR, LF or NUL; a folded
# header, CRLF and a space, is obsolete but still read by httpx's parser). The reason phrase cannot be folded.
HEADER_FORMS: dict[EchoHeader, tuple[EchoForm, ...]] = {
    header: tuple(
        f for f in ECHO_FORMS if f not in ("crlf", "nul", "zero_width") and not (f == "folded" and header == "reason")
    )
    for header in ECHO_HEADERS
}


@dataclass(frozen=True)
class Fault:
    """One way a request goes wrong. Build with the class methods."""

    kind: FaultKind
    status: int = 200
    retry_after: float | None = None
    retry_after_http_date: bool = False
    seconds: float = 0.0
    chunk_size: int = 64
    body: bytes = b""
    content_type: str = "application/json"
    size: int = 0
    declared: bool = True
    form: EchoForm = "raw"
    header: EchoHeader = "reason"

    @classmethod
    def http_status(cls, status: int = 503, *, retry_after: float | None = None, http_date: bool = False) -> Fault:
        """Answer `status` (5xx, 408, …) with Nuon's JSON error body instead of the real response, with a
        `Retry-After` header when `retry_after` is given."""
        if not 400 <= status <= 599:
            raise InvalidArgumentError(f"a fault status must be 4xx or 5xx, got {status}")
        return cls("status", status=status, retry_after=retry_after, retry_after_http_date=http_date)

    @classmethod
    def timeout(cls) -> Fault:
        """408 Request Timeout."""
        return cls.http_status(408)

    @classmethod
    def rate_limit(cls, retry_after: float | None = 1, *, http_date: bool = False) -> Fault:
        """429 with `Retry-After` in seconds, or as an HTTP date that many seconds from now
        (`http_date=True`)."""
        return cls("rate_limit", status=429, retry_after=retry_after, retry_after_http_date=http_date)

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Answer normally, `seconds` (real time) late."""
        return cls("latency", seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection without answering (TCP reset on the socket server)."""
        return cls("reset")

    @classmethod
    def truncated_json(cls) -> Fault:
        """A complete 200 response whose JSON body is cut in half."""
        return cls("truncated_json")

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """A proxy's HTML error page (`text/html`) with `status`."""
        return cls("html", status=status)

    @classmethod
    def trickle(cls, *, chunk_size: int = 64, seconds_per_chunk: float = 0.01) -> Fault:
        """The real response, its body sent `chunk_size` bytes at a time with a pause between chunks."""
        return cls("trickle", chunk_size=chunk_size, seconds=seconds_per_chunk)

    @classmethod
    def hang(cls, seconds: float = 60.0) -> Fault:
        """Never answer: accept the request and send nothing for `seconds` (real time), then close. In process,
        the transport waits for the request's read timeout instead and raises `httpx.ReadTimeout`, as httpx would."""
        return cls("hang", seconds=seconds)

    @classmethod
    def cut(cls) -> Fault:
        """Send the real response's headers and half its body, then reset the connection."""
        return cls("cut")

    @classmethod
    def gzip_lie(cls) -> Fault:
        """The real response with `Content-Encoding: gzip` on a body that is not gzip."""
        return cls("gzip_lie")

    @classmethod
    def answer(cls, body: bytes | str, *, status: int = 200, content_type: str = "application/json") -> Fault:
        """Answer exactly `body` with `status`: a payload of the wrong shape (`{}`, `[]`), an empty body, an
        HTML 404 from a proxy, plain text…"""
        data = body.encode() if isinstance(body, str) else body
        return cls("body", status=status, body=data, content_type=content_type)

    @classmethod
    def huge(cls, size: int = 80 * 1024 * 1024, *, declared: bool = True) -> Fault:
        """A 200 whose body is `size` bytes of JSON-looking filler, streamed; with `declared`, its
        `Content-Length` says so up front, else it is sent without one (the reader finds out as it goes)."""
        return cls("huge", size=size, declared=declared)

    @classmethod
    def endless_pages(cls) -> Fault:
        """Releases: every page is full of new releases and announces a next page, for ever."""
        return cls("endless_pages")

    @classmethod
    def repeat_page(cls) -> Fault:
        """Releases: every request gets the first page (offset ignored) announcing a next page."""
        return cls("repeat_page")

    @classmethod
    def echo(cls, form: EchoForm = "raw", *, status: int = 200) -> Fault:
        """Echo the API token back in `form`: with 200, inside the real answer (a deploy's
        `status_description`, a release's `status_description`); with an error status, in Nuon's error body;
        with status 0, as a plain-text 200 body."""
        if form not in ECHO_FORMS:
            raise InvalidArgumentError(f"unknown echo form {form!r}; use one of {ECHO_FORMS}")
        return cls("echo", status=status, form=form)

    @classmethod
    def echo_header(cls, header: EchoHeader, form: EchoForm = "raw", *, status: int = 401) -> Fault:
        """Answer ``status`` with Nuon's JSON error body and the API token echoed in `form` in a header: the
        reason phrase, ``Content-Type``, ``Retry-After`` (after an HTTP date, so a lenient parser reads it) or
        ``Server``."""
        if header not in ECHO_HEADERS or form not in HEADER_FORMS[header]:
            raise InvalidArgumentError(f"cannot echo in {header!r} as {form!r}; use one of {HEADER_FORMS.get(header)}")
        return cls("echo_header", status=status, form=form, header=header)

    @classmethod
    def trickle_headers(cls, *, seconds_per_byte: float = 0.05) -> Fault:
        """The real response, its status line and headers sent a byte at a time with a pause between bytes (each
        read gets something in time, so only a deadline over the whole exchange ends it). In process, the
        transport sleeps for the read timeout and raises ``httpx.ReadTimeout``, as for a hang."""
        return cls("header_trickle", seconds=seconds_per_byte)

    def retry_after_header(self) -> str | None:
        if self.retry_after is None:
            return None
        if self.retry_after_http_date:
            # An HTTP date is absolute, so it comes from real time: what the client compares it with.
            when = datetime.now(timezone.utc) + timedelta(seconds=self.retry_after)
            return format_datetime(when, usegmt=True)
        return f"{self.retry_after:g}"


@dataclass
class FaultRule:
    """Which requests get `fault`: on `route` (None: any), the next `times` (None: unlimited), with
    `probability`."""

    fault: Fault
    route: Route | None = None
    times: int | None = None
    probability: float | None = None
    fired: int = 0
    path: str | None = None
    """Only requests whose path contains this (an install or component id): faults for one case among many."""

    def __post_init__(self) -> None:
        if self.route is not None and self.route not in _ROUTES:
            raise InvalidArgumentError(f"unknown route {self.route!r}; use one of {_ROUTES} or None")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise InvalidArgumentError(f"probability must be within [0, 1], got {self.probability}")
        if self.times is not None and self.times < 0:
            raise InvalidArgumentError(f"times must not be negative, got {self.times}")

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


@dataclass
class FaultBook:
    """The rules in force and the seeded RNG behind probabilistic ones. Thread-safe."""

    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self, *, seed: int | None = None) -> None:
        with self._lock:
            self.rules.clear()
            if seed is not None:
                self._rng = random.Random(seed)

    def pick(self, route: Route, path: str = "") -> Fault | None:
        with self._lock:
            for rule in self.rules:
                if rule.exhausted or rule.route not in (None, route):
                    continue
                if rule.path is not None and rule.path not in path:
                    continue
                if rule.probability is not None and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule.fault
        return None
