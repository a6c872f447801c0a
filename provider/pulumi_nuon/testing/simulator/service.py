"""One request in, one answer out: the fault picked for it or the route's answer, the log record, and time pushed on.

`Service.handle` is the one way into the simulator's semantics, for the in-process transport and the socket server
alike: it names the route, checks the token, picks a fault from the rules in force (`faults.FaultBook`), answers
through `routes.Routes` with the fault acted out (`fault_acts`), logs the request (`log.RequestLog`, never the
token), then advances simulated time by the route's auto-advance step.
"""

from __future__ import annotations

from pulumi_nuon.core.errors import InvalidArgumentError

from .fault_acts import fault_outcome, replaces_answer, spoil
from .faults import FaultBook, Route
from .log import RequestLog, RequestRecord, logged_headers
from .org import Org
from .routes import Credentials, Routes, route_of
from .wire import Outcome, Request

__all__: list[str] = []


class Service:
    """Serves `routes` for the org, with `faults` acted out and every request written to `log`."""

    def __init__(self, org: Org, routes: Routes, credentials: Credentials, log: RequestLog, *, seed: int) -> None:
        self._org = org
        self._routes = routes
        self._credentials = credentials
        self._log = log
        self.faults = FaultBook(seed)
        self._auto_advance: dict[Route, float] = {}

    def auto_advance(self, seconds: float, route: Route) -> None:
        if seconds < 0:
            raise InvalidArgumentError("auto-advance seconds must not be negative")
        with self._org.lock:
            self._auto_advance[route] = seconds

    def handle(self, request: Request) -> Outcome:
        route = route_of(request.path)
        auth, org = self._routes.auth(request.headers), request.headers.get("x-nuon-org-id")
        with self._org.lock:
            now = self._org.now
            fault = self.faults.pick(route, request.path)
            if fault is not None and replaces_answer(fault):
                outcome = fault_outcome(fault, self._credentials.token)
            else:
                outcome = self._routes.answer(request, auth, org)
                if fault is not None:
                    outcome = spoil(outcome, fault, request, self._credentials.token, releases=route == "releases")
            self._log.append(
                RequestRecord(
                    method=request.method,
                    path=request.path,
                    query=request.query,
                    route=route,
                    auth=auth,
                    org_id=org,
                    status=None if fault is not None and fault.kind == "reset" else outcome.status,
                    fault=fault.kind if fault is not None else None,
                    sim_time=now,
                    headers=logged_headers(request.headers),
                )
            )
            step = self._auto_advance.get(route, 0.0)
        if step:
            self._org.clock.advance(step)
        return outcome
