"""The Nuon API client: ``NuonClient`` (sync) and ``AsyncNuonClient`` (async), with the same surface.

Both are thin loops over the pure pieces in :mod:`~pulumi_nuon.core.protocol` (request building, retry decisions,
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
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from types import TracebackType
from typing import Any

import httpx

from pulumi_nuon.core import constants as C
from pulumi_nuon.core import protocol
from pulumi_nuon.core.errors import NotFoundError
from pulumi_nuon.core.models import ComponentRelease, InstallDeploy
from pulumi_nuon.core.settings import ConfigSource, Settings, resolve_settings

__all__ = ["AsyncNuonClient", "NuonClient"]

_log = logging.getLogger("pulumi_nuon")

_DEFAULT_TIMEOUT = httpx.Timeout(C.DEFAULT_TIMEOUT, connect=C.DEFAULT_CONNECT_TIMEOUT)


class _BaseClient:
    """Settings, retry policy and request construction shared by both clients."""

    def __init__(
        self,
        *,
        api_token: str | None,
        org_id: str | None,
        api_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        config: Mapping[str, str] | ConfigSource | None,
        random: Callable[[], float] | None,
        clock: Callable[[], float] | None,
    ) -> None:
        self._settings: Settings = resolve_settings(api_token, org_id, api_url, config=config)
        self._policy = protocol.RetryPolicy(max_retries=max_retries)
        self._random = random if random is not None else _random.random
        self._clock = clock if clock is not None else time.time
        if timeout is None:
            self._timeout = _DEFAULT_TIMEOUT
        elif isinstance(timeout, httpx.Timeout):
            self._timeout = timeout
        else:
            self._timeout = httpx.Timeout(timeout, connect=min(float(timeout), C.DEFAULT_CONNECT_TIMEOUT))

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.api_url!r}, org_id={self.org_id!r})"

    def _attempts(self, method: str, path: str) -> protocol.Attempts:
        return protocol.Attempts(self._policy, method, path, self._settings, self._random, self._clock)

    def _client_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self._settings.api_url,
            "headers": protocol.default_headers(self._settings),
            "timeout": self._timeout,
            "follow_redirects": False,
        }


class NuonClient(_BaseClient):
    """A synchronous client for the Nuon API calls this package needs.

    Settings are resolved in this order: explicit argument → stack config (``nuon:apiToken``, ``nuon:orgId``,
    ``nuon:apiUrl``; from ``config`` or, inside a running Pulumi program, the stack) → environment
    (``NUON_API_TOKEN``, ``NUON_ORG_ID``, ``NUON_API_URL``) → ``https://api.nuon.co``. A missing token or org id
    raises :class:`~pulumi_nuon.core.errors.ConfigurationError`. The token is only ever sent over https, or plain http
    to a loopback address.

    Connection errors, timeouts, 408, 429 and 5xx are retried ``max_retries`` times (default 2, so 3 attempts)
    with exponential backoff and jitter, honouring ``Retry-After`` up to 60 s. Every failure is a
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

    def _get(self, path: str, params: Mapping[str, int] | None = None) -> httpx.Response:
        attempts = self._attempts("GET", path)
        while True:
            outcome: httpx.Response | httpx.HTTPError
            try:
                outcome = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                outcome = exc
            delay = attempts.after(outcome)  # raises when the request has failed for good
            if delay is None:
                assert isinstance(outcome, httpx.Response)
                _log.debug("GET %s -> %d", path, outcome.status_code)
                return outcome
            self._sleep(delay)

    def list_component_releases(self, component_id: str, *, limit: int | None = None) -> Iterator[ComponentRelease]:
        """Yield a component's releases, newest first, fetching pages of 100 as the iteration goes.

        ``limit`` stops after that many releases (and asks Nuon for no more). An unknown component yields nothing
        (Nuon answers ``200 []``). Raises :class:`~pulumi_nuon.core.errors.ReleasesNotServedError` when the Nuon API no
        longer serves releases, a legacy feature newer Nuon APIs dropped.
        """
        path = protocol.build_path(protocol.RELEASES_PATH, component_id=component_id)  # bad ids fail here, not later
        return self._releases(protocol.ReleasePager(path, limit))

    def _releases(self, pager: protocol.ReleasePager) -> Iterator[ComponentRelease]:
        while not pager.done:
            params = pager.params()
            yield from pager.accept(self._get(pager.path, params), params["limit"])

    def get_latest_deploy(self, install_id: str, component_id: str) -> InstallDeploy | None:
        """The latest deploy of a component on an install, or ``None`` when there is none.

        Nuon answers 404 both when the install has no such component and when the component was never deployed
        there; the two cannot be told apart, so both are ``None``. Plan-only (drift check) deploys are never
        returned. ``install_id`` and ``component_id`` on the result are those of the request (Nuon sends
        ``install_id: ""``).
        """
        path = protocol.build_path(protocol.LATEST_DEPLOY_PATH, install_id=install_id, component_id=component_id)
        try:
            response = self._get(path)
        except NotFoundError:
            return None
        return protocol.parse_latest_deploy("GET", path, response, install_id, component_id)


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
            max_retries=max_retries,
            config=config,
            random=random,
            clock=clock,
        )
        self._sleep = sleep if sleep is not None else asyncio.sleep
        self._http = httpx.AsyncClient(transport=transport, **self._client_kwargs())

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncNuonClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _get(self, path: str, params: Mapping[str, int] | None = None) -> httpx.Response:
        attempts = self._attempts("GET", path)
        while True:
            outcome: httpx.Response | httpx.HTTPError
            try:
                outcome = await self._http.get(path, params=params)
            except httpx.TransportError as exc:
                outcome = exc
            delay = attempts.after(outcome)  # raises when the request has failed for good
            if delay is None:
                assert isinstance(outcome, httpx.Response)
                _log.debug("GET %s -> %d", path, outcome.status_code)
                return outcome
            await self._sleep(delay)

    def list_component_releases(
        self, component_id: str, *, limit: int | None = None
    ) -> AsyncIterator[ComponentRelease]:
        """Async twin of :meth:`NuonClient.list_component_releases` (``async for release in ...``)."""
        path = protocol.build_path(protocol.RELEASES_PATH, component_id=component_id)  # bad ids fail here, not later
        return self._releases(protocol.ReleasePager(path, limit))

    async def _releases(self, pager: protocol.ReleasePager) -> AsyncIterator[ComponentRelease]:
        while not pager.done:
            params = pager.params()
            for release in pager.accept(await self._get(pager.path, params), params["limit"]):
                yield release

    async def get_latest_deploy(self, install_id: str, component_id: str) -> InstallDeploy | None:
        """Async twin of :meth:`NuonClient.get_latest_deploy`."""
        path = protocol.build_path(protocol.LATEST_DEPLOY_PATH, install_id=install_id, component_id=component_id)
        try:
            response = await self._get(path)
        except NotFoundError:
            return None
        return protocol.parse_latest_deploy("GET", path, response, install_id, component_id)
