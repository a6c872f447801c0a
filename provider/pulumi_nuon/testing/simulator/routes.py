"""The two routes of Nuon's control API as the simulator answers them when nothing goes wrong.

`route_of` names a request's route; `Routes.answer` checks, in Nuon's order, the method and route (404), a releases
route that is gone (`releases_gone`: 404 or 410), the token (401) and the org (403), then answers a page of releases
(limit, offset or page, and the `X-Nuon-Page-*` headers) or the latest deploy (404 where there is none), as
docs/nuon-api.md describes. Faults are acted out around this answer, by `fault_acts`.
"""

from __future__ import annotations

import hmac
import re
from typing import Protocol
from urllib.parse import parse_qs

from pulumi_nuon.core.errors import InvalidArgumentError

from .faults import Route
from .log import AuthState
from .views import OrgView
from .wire import Outcome, Request

__all__: list[str] = []

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_RELEASES = re.compile(r"/v1/components/(?P<component>[^/]+)/releases")
_LATEST = re.compile(r"/v1/installs/(?P<install>[^/]+)/components/(?P<component>[^/]+)/deploys/latest")
_INTEGER = re.compile(r"[+-]?\d+")


class Credentials(Protocol):
    """What a client must present: the simulator's token and org id, read at each request."""

    token: str
    org_id: str


def route_of(path: str) -> Route:
    return "releases" if _RELEASES.fullmatch(path) else "latest_deploy" if _LATEST.fullmatch(path) else "other"


def error(status: int, error: str, description: str, *, user_error: bool = True) -> Outcome:
    """Nuon's JSON error body."""
    return Outcome.json(status, {"error": error, "user_error": user_error, "description": description})


def int_param(params: dict[str, list[str]], name: str, default: int) -> int:
    values = params.get(name)
    return int(values[0]) if values and _INTEGER.fullmatch(values[0].strip()) else default


class Routes:
    """Answers the releases and latest-deploy routes from `view`, for clients holding `credentials`."""

    def __init__(self, view: OrgView, credentials: Credentials) -> None:
        self._view = view
        self._credentials = credentials
        self._releases_gone: int | None = None

    @property
    def releases_gone(self) -> int | None:
        return self._releases_gone

    @releases_gone.setter
    def releases_gone(self, status: int | None) -> None:
        if status not in (None, 404, 410):
            raise InvalidArgumentError(f"releases_gone must be None, 404 or 410, got {status}")
        self._releases_gone = status

    def auth(self, headers: dict[str, str]) -> AuthState:
        value = headers.get("authorization")
        if value is None:
            return "missing"
        scheme, _, given = value.partition(" ")
        expected = self._credentials.token.encode()
        ok = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)
        return "valid" if ok else "invalid"

    def answer(self, request: Request, auth: AuthState, org: str | None) -> Outcome:
        """The route's answer to `request` (the caller holds the org's lock)."""
        releases, latest = _RELEASES.fullmatch(request.path), _LATEST.fullmatch(request.path)
        if request.method != "GET" or (releases is None and latest is None):
            return error(404, "not found", f"no route for {request.method} {request.path}")
        if releases is not None and self._releases_gone is not None:
            gone = self._releases_gone
            return error(gone, "not found" if gone == 404 else "gone", f"no route for GET {request.path}")
        if auth != "valid":
            return error(401, "unauthorized", "invalid or missing API token")
        if org is None or not hmac.compare_digest(org.encode(), self._credentials.org_id.encode()):
            return error(403, "forbidden", "org not found or no access to org")
        if releases is not None:
            return self._page(releases["component"], parse_qs(request.query, keep_blank_values=True))
        assert latest is not None
        payload = self._view.latest_payload(latest["install"], latest["component"], seen=True)
        if payload is None:
            return error(404, "not found", "not found")
        return Outcome.json(200, payload)

    def _page(self, component_id: str, params: dict[str, list[str]]) -> Outcome:
        limit = int_param(params, "limit", DEFAULT_LIMIT)
        limit = min(limit if limit > 0 else DEFAULT_LIMIT, MAX_LIMIT)
        offset = max(int_param(params, "offset", 0), 0)
        page = int_param(params, "page", 0)
        if page > 0:
            offset = (page - 1) * limit
        releases = self._view.visible_releases(component_id)
        headers = {
            "X-Nuon-Page-Next": "true" if offset + limit < len(releases) else "false",
            "X-Nuon-Page-Offset": str(offset),
            "X-Nuon-Page-Limit": str(limit),
        }
        if page > 0:
            headers["X-Nuon-Page-Number"] = str(page)
        return Outcome.json(200, self._view.release_payloads(releases[offset : offset + limit]), headers)
