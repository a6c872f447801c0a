"""The Nuon API client: ``NuonClient`` (sync) and ``AsyncNuonClient`` (async), with the same surface.

Both are thin loops over the pure pieces in :mod:`~pulumi_nuon.api.protocol` (request building, retry decisions,
pagination, parsing), so their behaviour cannot drift apart. Only this module and ``protocol`` touch httpx;
nothing here imports Pulumi.

    with NuonClient() as nuon:                      # settings from arguments, stack config or NUON_* variables
        for release in nuon.list_component_releases("cmp...", limit=5):
            print(release.id, release.build_id)
        deploy = nuon.get_latest_deploy("inl...", "cmp...")   # None when there is no deploy
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random as _random
import ssl
import sys
import threading
import time
import urllib.request
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, TypeVar, cast

import httpx

from pulumi_nuon.api import protocol
from pulumi_nuon.api.models import ComponentRelease, InstallDeploy
from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import (
    APIError,
    ConfigurationError,
    InvalidArgumentError,
    NotFoundError,
    ResponseTooLargeError,
)
from pulumi_nuon.core.options import TIMEOUT, check_value
from pulumi_nuon.core.redaction import guard_logs
from pulumi_nuon.core.settings import API_URL, ConfigSource, Settings, resolve_settings

__all__ = ["AsyncNuonClient", "NuonClient", "ssl_context"]

_log = logging.getLogger("pulumi_nuon")

T = TypeVar("T")

# Errors while sending or reading that httpx raises: transport (connect, read, protocol), decoding (a gzip header
# on a body that is not gzip), and stream misuse; each becomes one of ours in protocol.transport_error.
_HTTPX_ERRORS = (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL)


_SSL_LOCK = threading.Lock()
_SSL_CONTEXTS: dict[bool, ssl.SSLContext] = {}


def ssl_context(*, verify: bool = True) -> ssl.SSLContext:
    """The process's SSL context for every client (``verify=False``: the one for plain http, which never does TLS).

    Built on first use, once per process (thread-safe), by httpx's own ``create_ssl_context``: certifi's CA bundle,
    or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as they are at that moment. Loading the CA bundle costs 20-40 ms, which
    every ``httpx.Client()`` would otherwise pay again (and an ``AsyncNuonClient`` on the event loop); a shared
    context makes a client ~0.3 ms. An ``SSLContext`` is safe to share between threads and clients.
    """
    context = _SSL_CONTEXTS.get(verify)
    if context is None:
        with _SSL_LOCK:
            context = _SSL_CONTEXTS.get(verify)
            if context is None:
                context = _SSL_CONTEXTS[verify] = httpx.create_ssl_context(verify=verify)
    return context


class _LaneStream(httpx.AsyncByteStream):
    """A response body that hands its lane back when it is closed (every read closes its response)."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[bool], None]) -> None:
        self._stream = stream
        self._release: Callable[[bool], None] | None = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()  # the body's own iterator: no generator of ours between it and the reader

    async def aclose(self) -> None:
        closed = False
        try:
            await self._stream.aclose()
            closed = True
        finally:
            release, self._release = self._release, None
            if release is not None:
                release(closed)


class _Lanes(httpx.AsyncBaseTransport):
    """The async client's connections as up to ``size`` lanes, each a pool of one keep-alive connection.

    A request takes a free lane (or opens one, or waits for one), and gives it back when its body is closed. So a
    request costs the same whatever the concurrency: httpcore's single pool looks at every connection it holds on
    each request and each response (``has_expired`` reads each idle socket's readability; a quadratic count of idle
    connections), and hands one idle connection to several requests started in the same tick, which then queue
    again (at 64 in flight: 4.6x a bare httpx loop's CPU per request, measured with ``make bench``). Connections
    stay open between requests, as a shared pool's would: no new handshake per request.
    """

    def __init__(self, make: Callable[[], httpx.AsyncBaseTransport], size: int) -> None:
        self._make, self._size = make, size
        self._lanes: list[httpx.AsyncBaseTransport] = []
        self._free: list[httpx.AsyncBaseTransport] = []
        self._waiting: deque[asyncio.Future[httpx.AsyncBaseTransport]] = deque()
        self._closing: set[asyncio.Future[None]] = set()

    async def _take(self) -> httpx.AsyncBaseTransport:
        if self._free:
            return self._free.pop()
        if len(self._lanes) < self._size:
            lane = self._make()
            self._lanes.append(lane)
            return lane
        turn: asyncio.Future[httpx.AsyncBaseTransport] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # given a lane as the wait was cancelled: pass it on
                self._give(turn.result())
            raise

    def _give(self, lane: httpx.AsyncBaseTransport) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(lane)
                return
        self._free.append(lane)

    def _done(self, lane: httpx.AsyncBaseTransport, clean: bool) -> None:
        """A request is done with ``lane``. Interrupted (cancelled by a deadline mid-request or mid-close), its pool
        may still count the connection as busy, and the next request on it would wait for it until its pool timeout:
        the lane is closed instead, and a new one takes its place."""
        if clean:
            self._give(lane)
            return
        self._lanes.remove(lane)
        closing = asyncio.ensure_future(lane.aclose())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)
        if self._waiting:
            replacement = self._make()
            self._lanes.append(replacement)
            self._give(replacement)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lane = await self._take()
        try:
            response = await lane.handle_async_request(request)
        except Exception:
            self._done(lane, clean=True)  # httpcore has put its pool in order before raising
            raise
        except BaseException:
            self._done(lane, clean=False)
            raise
        response.stream = _LaneStream(response.stream, lambda clean: self._done(lane, clean))  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        lanes, self._lanes, self._free = self._lanes, [], []
        for lane in lanes:
            await lane.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


def _environment_proxy() -> bool:
    """Whether the environment names a proxy for https (httpx routes through it, so the client keeps httpx's
    own transports then)."""
    proxies = urllib.request.getproxies()
    return any(scheme in proxies for scheme in ("https", "all"))


def _check_timeout(timeout: object) -> httpx.Timeout:
    """The per-attempt httpx timeouts from the ``timeout`` argument (seconds, or an ``httpx.Timeout``)."""
    if timeout is None:
        return httpx.Timeout(C.DEFAULT_TIMEOUT, connect=C.DEFAULT_CONNECT_TIMEOUT)
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            value = getattr(timeout, phase)
            if value is not None:
                check_value(TIMEOUT, value)
        return timeout
    seconds = float(check_value(TIMEOUT, timeout))
    return httpx.Timeout(seconds, connect=min(seconds, C.DEFAULT_CONNECT_TIMEOUT))


def _check_time_limit(time_limit: object) -> float | None:
    if time_limit is None:
        return None
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or time_limit != time_limit:
        raise InvalidArgumentError(f"time_limit must be a number of seconds, got {time_limit!r}", "time_limit")
    return max(0.0, float(time_limit))


class _Reader:
    """Reads one response's body within the attempt's time and the size limit (shared by both clients)."""

    def __init__(self, response: httpx.Response, attempts: protocol.Attempts, ends: float, path: str) -> None:
        self.response, self.attempts, self.ends, self.path = response, attempts, ends, path
        self.chunks: list[bytes] = []
        self.size = 0
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > C.MAX_RESPONSE_BYTES:
            raise protocol.body_error("GET", path, response.status_code, f"of {int(declared):,} bytes", too_large=True)

    def take(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > C.MAX_RESPONSE_BYTES:
            raise protocol.body_error(
                "GET", self.path, self.response.status_code, f"of over {self.size:,} bytes", too_large=True
            )
        self.chunks.append(chunk)
        if self.attempts.monotonic() > self.ends:
            raise protocol.body_error(
                "GET", self.path, self.response.status_code, f"{self.size:,} bytes read", timed_out=True
            )

    def body(self) -> protocol.Body:
        return protocol.Body.of(self.response, b"".join(self.chunks))

    def failed(self, exc: Exception) -> APIError:
        return protocol.transport_error(
            "GET", self.path, exc, self.attempts.settings, status=self.response.status_code, received=self.size
        )


class _Late(Exception):
    """A sync attempt's deadline passed while its worker was still sending or reading."""


class _Worker:
    """A daemon thread running one exchange at a time for a sync client. Abandoned when an exchange outlasts its
    deadline: it finishes that exchange (the server decides when) and ends, and the caller has long moved on."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="pulumi-nuon-read", daemon=True).start()

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        self._jobs.put(None)


class _Workers:
    """The sync clients' workers, shared by every client of the process: each attempt runs on an idle one (a new
    one when none is idle, as when reads run from several threads at once), and the caller waits for it at most
    until the call's deadline."""

    _KEEP = 16

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def run(self, work: Callable[[], T], seconds: float) -> T:
        with self._lock:
            worker = self._idle.pop() if self._idle else _Worker()
        done = threading.Event()
        box: list[Any] = []

        def job() -> None:
            try:
                box.append((True, work()))
            except BaseException as exc:  # handed to the caller, whatever it is
                box.append((False, exc))
            done.set()

        worker.submit(job)
        if not done.wait(seconds):
            worker.stop()  # ends after the exchange it is stuck in
            raise _Late()
        with self._lock:
            if len(self._idle) < self._KEEP:
                self._idle.append(worker)
            else:
                worker.stop()
        ok, value = box[0]
        if not ok:
            raise value
        return cast(T, value)


_WORKERS = _Workers()


class _BaseClient:
    """Settings, retry policy, time limits and request construction shared by both clients."""

    _settings: Settings

    def __init__(
        self,
        *,
        api_token: str | None,
        org_id: str | None,
        api_url: str | None,
        timeout: float | httpx.Timeout | None,
        request_timeout: float | None,
        max_retries: int,
        config: Mapping[str, str] | ConfigSource | None,
        random: Callable[[], float] | None,
        clock: Callable[[], float] | None,
    ) -> None:
        self._timeout = _check_timeout(timeout)
        self._settings = resolve_settings(api_token, org_id, api_url, request_timeout=request_timeout, config=config)
        try:  # settings checked the URL; httpx's own parser has the last word, before any request
            httpx.URL(self._settings.api_url)
        except (httpx.InvalidURL, ValueError) as err:
            raise ConfigurationError(
                f"Nuon API URL {self._settings.api_url[:120]!r} is not a URL httpx can use ({type(err).__name__}). "
                f"Check {API_URL.where}."
            ) from None
        # httpx and httpcore log reason phrases and headers, which a server may fill with the token.
        self._log_guard = guard_logs(self._settings.api_token)
        self._policy = protocol.RetryPolicy(max_retries=max_retries)
        self._random = random if random is not None else _random.random
        self._clock = clock if clock is not None else time.time
        self._attempt_limit = self._timeout.read
        self._urls: dict[str, httpx.URL] = {}

    @property
    def api_url(self) -> str:
        """The base URL requests go to."""
        return self._settings.api_url

    @property
    def org_id(self) -> str:
        """The org every request is made for (``X-Nuon-Org-ID``)."""
        return self._settings.org_id

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt for retryable failures."""
        return self._policy.max_retries

    @property
    def request_timeout(self) -> float:
        """The time limit of one call, every attempt and every wait between retries included."""
        return self._settings.request_timeout

    def __repr__(self) -> str:
        settings = getattr(self, "_settings", None)  # a client whose constructor failed still has a repr
        if settings is None:
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(api_url={settings.api_url!r}, org_id={settings.org_id!r})"

    def _attempts(self, method: str, path: str, time_limit: float | None) -> protocol.Attempts:
        limit = (
            self._settings.request_timeout if time_limit is None else min(time_limit, self._settings.request_timeout)
        )
        return protocol.Attempts(self._policy, method, path, self._settings, self._random, self._clock, limit)

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "base_url": self._settings.api_url,
            "headers": protocol.default_headers(self._settings),
            "timeout": self._timeout,
            "follow_redirects": False,
            # A fleet's round reuses its connections (httpx keeps 20 alive by default; a gate may have 64 in flight).
            "limits": httpx.Limits(max_keepalive_connections=C.MAX_CONCURRENCY),
        }
        if not self._settings.api_url.startswith("http:"):
            kwargs["verify"] = ssl_context()
        else:
            # Plain http goes only to loopback (settings refuse anything else): no proxy from the environment
            # (HTTP_PROXY, ALL_PROXY) may see the token on its way there, and with no TLS there is no CA bundle to
            # load. https proxies and verifies as httpx does, with the process's shared context (see ssl_context).
            kwargs.update(trust_env=False, verify=ssl_context(verify=False))
        return kwargs

    def _url(self, http: httpx.Client | httpx.AsyncClient, path: str) -> httpx.URL:
        """``path`` joined to the API URL, once per path: httpx would parse and join both on every request
        (~35 µs, a twentieth of a read on loopback; a fleet's reads repeat their paths every poll). Joined as
        httpx joins a path to its ``base_url`` (which ends in "/" and has no query: settings refuse one), in one
        parse of the whole URL: building a request to read its URL cost 2.5x that, on every path's first read."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= C.MAX_CACHED_URLS:
                self._urls.clear()
            url = self._urls[path] = httpx.URL(str(http.base_url).rstrip("/") + "/" + path.lstrip("/"))
        return url

    def _prepare(self, attempts: protocol.Attempts) -> tuple[httpx.Timeout, float]:
        """The attempt's httpx timeouts and when it must be over (monotonic)."""
        limit = attempts.attempt_limit(self._attempt_limit)
        return attempts.timeout(self._timeout, limit), attempts.monotonic() + limit

    def _done(
        self,
        attempts: protocol.Attempts,
        body: protocol.Body,
        parse: Callable[[protocol.Body], T],
        route: protocol.Route | None = None,
    ) -> T:
        """The parsed result of a read body, or raises the typed error for it (the loop decides on retrying)."""
        if not body.is_success:
            raise protocol.status_error(attempts.method, attempts.path, body, self._settings.api_token, route)
        _log.debug("%s %s -> %d (%d bytes)", attempts.method, attempts.path, body.status_code, len(body.content))
        return parse(body)


class NuonClient(_BaseClient):
    """A synchronous client for the Nuon API calls this package needs.

    Settings are resolved in this order: explicit argument → stack config (``nuon:apiToken``, ``nuon:orgId``,
    ``nuon:apiUrl``; from ``config`` or, inside a running Pulumi program, the stack) → environment
    (``NUON_API_TOKEN``, ``NUON_ORG_ID``, ``NUON_API_URL``) → ``https://api.nuon.co``. A missing token or org id
    raises :class:`~pulumi_nuon.core.errors.ConfigurationError`. The token is only ever sent over https, or plain http
    to a loopback address.

    Connection errors, timeouts, 408, 429, 5xx and 2xx bodies that are not valid JSON are retried ``max_retries``
    times (default 2, so 3 attempts) with exponential backoff and jitter, honouring ``Retry-After`` up to 60 s.
    Each call ends within ``request_timeout`` seconds (default 30; also the ``nuon:requestTimeout`` stack config and
    ``NUON_REQUEST_TIMEOUT``), every attempt and wait included; ``timeout`` limits one attempt, from connecting to
    the body's last byte (default 30 s, connecting 5 s). A body over 64 MiB is refused. Every failure is a
    :class:`~pulumi_nuon.core.errors.NuonError`. ``transport`` replaces the network (e.g. ``httpx.MockTransport`` or
    the simulator's transport); ``sleep`` and ``random`` are injectable so tests never really wait.
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        org_id: str | None = None,
        api_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        request_timeout: float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        config: Mapping[str, str] | ConfigSource | None = None,
        sleep: Callable[[float], None] | None = None,
        random: Callable[[], float] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            api_token=api_token,
            org_id=org_id,
            api_url=api_url,
            timeout=timeout,
            request_timeout=request_timeout,
            max_retries=max_retries,
            config=config,
            random=random,
            clock=clock,
        )
        self._sleep = sleep if sleep is not None else time.sleep
        self._http = httpx.Client(transport=transport, **self._client_kwargs())

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> NuonClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _attempt(self, path: str, params: Mapping[str, int] | None, attempts: protocol.Attempts) -> protocol.Body:
        timeout, ends = self._prepare(attempts)
        readers: list[_Reader] = []
        try:
            # On a worker, waited for at most until the call's deadline: httpx's timeouts are per read, so a server
            # that trickles its headers a byte at a time would otherwise hold the call for as long as it trickles.
            # (The attempt's own limit is httpx's per-read timeouts and the body reader's; the worker is the
            # call's backstop, so a slow machine does not turn a slow attempt into a failed one.)
            return _WORKERS.run(
                lambda: self._exchange(path, params, attempts, timeout, ends, readers),
                max(attempts.left(), C.MIN_ATTEMPT_TIME) + C.DEADLINE_GRACE,
            )
        except _Late as exc:
            if readers:  # the headers had come: the body was too slow
                reader = readers[0]
                raise protocol.body_error(
                    "GET", path, reader.response.status_code, f"{reader.size:,} bytes read", timed_out=True
                ) from exc
            raise protocol.transport_error(
                "GET", path, httpx.ReadTimeout("no complete answer in time"), self._settings
            ) from exc

    def _exchange(
        self,
        path: str,
        params: Mapping[str, int] | None,
        attempts: protocol.Attempts,
        timeout: httpx.Timeout,
        ends: float,
        readers: list[_Reader],
    ) -> protocol.Body:
        try:
            request = self._http.build_request("GET", self._url(self._http, path), params=params, timeout=timeout)
            response = self._http.send(request, stream=True)
        except _HTTPX_ERRORS as exc:
            raise protocol.transport_error("GET", path, exc, self._settings) from exc
        try:
            reader = _Reader(response, attempts, ends, path)
            readers.append(reader)
            try:
                for chunk in response.iter_bytes():
                    reader.take(chunk)
            except _HTTPX_ERRORS as exc:
                raise reader.failed(exc) from exc
            return reader.body()
        finally:
            response.close()

    def _call(
        self,
        path: str,
        parse: Callable[[protocol.Body], T],
        params: Mapping[str, int] | None = None,
        time_limit: float | None = None,
        route: protocol.Route | None = None,
    ) -> T:
        """One call: attempts until a parsed result, retrying what is worth it within the call's time limit."""
        attempts = self._attempts("GET", path, time_limit)
        while True:
            retry_after = None
            try:
                body = self._attempt(path, params, attempts)
                retry_after = body.headers.get("retry-after")
                return self._done(attempts, body, parse, route)
            except APIError as error:
                delay = attempts.after_error(error, retry_after)  # raises when the call has failed for good
            self._sleep(delay)

    def list_component_releases(
        self, component_id: str, *, limit: int | None = None, time_limit: float | None = None
    ) -> Iterator[ComponentRelease]:
        """Yield a component's releases, newest first, fetching pages of 100 as the iteration goes.

        ``limit`` stops after that many releases (and asks Nuon for no more). An unknown component yields nothing
        (Nuon answers ``200 []``). Raises :class:`~pulumi_nuon.core.errors.ReleasesNotServedError` when the Nuon API no
        longer serves releases, a legacy feature newer Nuon APIs dropped. ``time_limit`` (seconds) caps each page's
        call below the request timeout. Bad arguments raise before any request.
        """
        path = protocol.build_path(protocol.RELEASES_ROUTE, component_id=component_id)  # bad ids fail here, not later
        pager = protocol.ReleasePager(path, limit, secret=self._settings.api_token)
        return self._releases(pager, _check_time_limit(time_limit))

    def _releases(self, pager: protocol.ReleasePager, time_limit: float | None) -> Iterator[ComponentRelease]:
        while not pager.done:
            params = pager.params()
            try:
                page = self._call(
                    pager.path, pager.parser(params["limit"]), params, time_limit, protocol.RELEASES_ROUTE
                )
            except ResponseTooLargeError as error:
                pager.shrink(error)
                continue
            yield from page

    def get_latest_deploy(
        self, install_id: str, component_id: str, *, time_limit: float | None = None
    ) -> InstallDeploy | None:
        """The latest deploy of a component on an install, or ``None`` when there is none.

        Nuon answers 404 both when the install has no such component and when the component was never deployed
        there; the two cannot be told apart, so both are ``None`` (a 404 that is not Nuon's JSON error body is an
        error: something else answered). Plan-only (drift check) deploys are never returned. ``install_id`` and
        ``component_id`` on the result are those of the request (Nuon sends ``install_id: ""``). ``time_limit``
        (seconds) caps the call below the request timeout (a waiter passes the time it has left).
        """
        path = protocol.build_path(protocol.LATEST_DEPLOY_ROUTE, install_id=install_id, component_id=component_id)
        limit = _check_time_limit(time_limit)
        token = self._settings.api_token
        try:
            return self._call(
                path,
                lambda body: protocol.parse_latest_deploy("GET", path, body, install_id, component_id, token),
                time_limit=limit,
            )
        except NotFoundError:
            return None


async def _within(exchange: Awaitable[T], seconds: float) -> T:
    """``await exchange``, or ``asyncio.TimeoutError`` once ``seconds`` have passed (the exchange cancelled).

    ``asyncio.timeout`` where Python has it (3.11): it cancels the reading task itself at the deadline, where
    ``asyncio.wait_for`` before 3.12 runs the exchange as a task of its own, scheduled and awaited on every read.
    """
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await exchange
    return await asyncio.wait_for(exchange, seconds)


class AsyncNuonClient(_BaseClient):
    """The asynchronous twin of :class:`NuonClient`: the same settings, retries, errors and results.

    ``list_component_releases`` is an async iterator; ``get_latest_deploy`` is a coroutine. ``sleep`` defaults
    to ``asyncio.sleep``; ``transport`` takes an ``httpx.AsyncBaseTransport``.
    """

    def __init__(
        self,
        *,
        api_token: str | None = None,
        org_id: str | None = None,
        api_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        request_timeout: float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        config: Mapping[str, str] | ConfigSource | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        random: Callable[[], float] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            api_token=api_token,
            org_id=org_id,
            api_url=api_url,
            timeout=timeout,
            request_timeout=request_timeout,
            max_retries=max_retries,
            config=config,
            random=random,
            clock=clock,
        )
        self._sleep = sleep if sleep is not None else asyncio.sleep
        kwargs = self._client_kwargs()
        if transport is None and (not kwargs.get("trust_env", True) or not _environment_proxy()):
            verify, trust_env = kwargs["verify"], kwargs.get("trust_env", True)
            limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            transport = _Lanes(
                lambda: httpx.AsyncHTTPTransport(verify=verify, trust_env=trust_env, limits=limits), C.MAX_CONCURRENCY
            )
        self._http = httpx.AsyncClient(transport=transport, **kwargs)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncNuonClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _attempt(self, path: str, params: Mapping[str, int] | None, attempts: protocol.Attempts) -> protocol.Body:
        timeout, ends = self._prepare(attempts)
        readers: list[_Reader] = []
        try:
            # The same backstop as the sync client's: the exchange is waited for until the call's deadline (and
            # DEADLINE_GRACE), so trickled headers or a trickled body cannot outlast the call; the attempt's own
            # limit is httpx's per-read timeouts and the body reader's, so a busy event loop or machine does not
            # turn a slow attempt into a failed one.
            return await _within(
                self._exchange(path, params, attempts, timeout, ends, readers),
                max(attempts.left(), C.MIN_ATTEMPT_TIME) + C.DEADLINE_GRACE,
            )
        except asyncio.TimeoutError as exc:
            if readers:  # the headers had come: the body was too slow
                reader = readers[0]
                raise protocol.body_error(
                    "GET", path, reader.response.status_code, f"{reader.size:,} bytes read", timed_out=True
                ) from exc
            raise protocol.transport_error("GET", path, httpx.ReadTimeout("no answer in time"), self._settings) from exc

    async def _exchange(
        self,
        path: str,
        params: Mapping[str, int] | None,
        attempts: protocol.Attempts,
        timeout: httpx.Timeout,
        ends: float,
        readers: list[_Reader],
    ) -> protocol.Body:
        try:
            request = self._http.build_request("GET", self._url(self._http, path), params=params, timeout=timeout)
            response = await self._http.send(request, stream=True)
        except _HTTPX_ERRORS as exc:
            raise protocol.transport_error("GET", path, exc, self._settings) from exc
        try:
            reader = _Reader(response, attempts, ends, path)
            readers.append(reader)
            try:
                async for chunk in response.aiter_bytes():
                    reader.take(chunk)
            except _HTTPX_ERRORS as exc:
                raise reader.failed(exc) from exc
            return reader.body()
        finally:
            await response.aclose()

    async def _call(
        self,
        path: str,
        parse: Callable[[protocol.Body], T],
        params: Mapping[str, int] | None = None,
        time_limit: float | None = None,
        route: protocol.Route | None = None,
    ) -> T:
        """Async twin of :meth:`NuonClient._call`."""
        attempts = self._attempts("GET", path, time_limit)
        while True:
            retry_after = None
            try:
                body = await self._attempt(path, params, attempts)
                retry_after = body.headers.get("retry-after")
                return self._done(attempts, body, parse, route)
            except APIError as error:
                delay = attempts.after_error(error, retry_after)  # raises when the call has failed for good
            await self._sleep(delay)

    def list_component_releases(
        self, component_id: str, *, limit: int | None = None, time_limit: float | None = None
    ) -> AsyncIterator[ComponentRelease]:
        """Async twin of :meth:`NuonClient.list_component_releases` (``async for release in ...``)."""
        path = protocol.build_path(protocol.RELEASES_ROUTE, component_id=component_id)  # bad ids fail here, not later
        pager = protocol.ReleasePager(path, limit, secret=self._settings.api_token)
        return self._releases(pager, _check_time_limit(time_limit))

    async def _releases(
        self, pager: protocol.ReleasePager, time_limit: float | None
    ) -> AsyncIterator[ComponentRelease]:
        while not pager.done:
            params = pager.params()
            try:
                page = await self._call(
                    pager.path, pager.parser(params["limit"]), params, time_limit, protocol.RELEASES_ROUTE
                )
            except ResponseTooLargeError as error:
                pager.shrink(error)
                continue
            for release in page:
                yield release

    async def get_latest_deploy(
        self, install_id: str, component_id: str, *, time_limit: float | None = None
    ) -> InstallDeploy | None:
        """Async twin of :meth:`NuonClient.get_latest_deploy`."""
        path = protocol.build_path(protocol.LATEST_DEPLOY_ROUTE, install_id=install_id, component_id=component_id)
        limit = _check_time_limit(time_limit)
        token = self._settings.api_token
        try:
            return await self._call(
                path,
                lambda body: protocol.parse_latest_deploy("GET", path, body, install_id, component_id, token),
                time_limit=limit,
            )
        except NotFoundError:
            return None
