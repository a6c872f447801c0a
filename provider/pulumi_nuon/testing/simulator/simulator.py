"""The simulator: an in-memory Nuon control API with Nuon's semantics, scripted time and injectable faults.

`Simulator` holds the org (components, installs, releases, deploys), answers the two routes exactly as
docs/nuon-api.md describes, and can be changed from the test at any time. It is served either in process
(`transport()`) or over a real socket (`serve()`); both go through `handle`, so the semantics live here only.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import json
import re
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from pulumi_nuon.core.errors import InvalidArgumentError

from .clock import Clock, ManualClock
from .faults import EchoForm, Fault, FaultBook, FaultRule, Route
from .log import AuthState, RequestLog, RequestRecord, logged_headers
from .model import Component, Deploy, Ids, Install, Release, ReleaseStep, Stamps
from .payloads import component_release, install_deploy
from .server import SimServer
from .timeline import Timeline
from .transport import SimTransport
from .wire import Outcome, Request

__all__ = ["DEFAULT_ORG_ID", "DEFAULT_TOKEN", "Simulator"]

DEFAULT_TOKEN = "sim-token"
DEFAULT_ORG_ID = "org-sim"
_DEFAULT_LIMIT = 10
_MAX_LIMIT = 100
_RELEASES = re.compile(r"/v1/components/(?P<component>[^/]+)/releases")
_LATEST = re.compile(r"/v1/installs/(?P<install>[^/]+)/components/(?P<component>[^/]+)/deploys/latest")
_INTEGER = re.compile(r"[+-]?\d+")
_HTML_PAGE = (
    "<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>{status} Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


_PLACEHOLDER = "\x01echo\x01"


def echoed(token: str, form: EchoForm) -> str:
    """`token` as a server might echo it back in `form` (the text that would appear in a body)."""
    if form == "json_escaped":
        return "".join(f"\\u{ord(c):04x}" for c in token)
    if form == "crlf":
        return "\r\n".join(token)
    if form == "nul":
        return "\x00".join(token)
    if form == "base64":
        return base64.b64encode(f"api:{token}".encode()).decode()
    if form == "percent":
        return "".join(f"%{b:02X}" for b in token.encode())
    if form == "html_entities":
        return "".join(f"&#{ord(c)};" for c in token)
    if form == "folded":
        return "\r\n ".join(token)
    if form == "zero_width":
        return "\u200b".join(token)
    if form == "plus_for_dash":
        return token.replace("-", "+")
    if form == "html_named":
        return token.replace("-", "&hyphen;").replace(".", "&period;").replace(":", "&colon;")
    return token


def _with_echo(payload: Any, token: str, form: EchoForm) -> bytes:
    """`payload` as JSON with the placeholder replaced by the token echoed in `form` (JSON-escaped forms stay
    escapes in the body text; the others are escaped as JSON must)."""
    body = json.dumps(payload, separators=(",", ":"))
    text = echoed(token, form)
    return body.replace(
        json.dumps(_PLACEHOLDER)[1:-1], text if form == "json_escaped" else json.dumps(text)[1:-1]
    ).encode()


def _error(status: int, error: str, description: str, *, user_error: bool = True) -> Outcome:
    return Outcome.json(status, {"error": error, "user_error": user_error, "description": description})


def _int_param(params: dict[str, list[str]], name: str, default: int) -> int:
    values = params.get(name)
    return int(values[0]) if values and _INTEGER.fullmatch(values[0].strip()) else default


class Simulator:
    """An in-memory Nuon org and control API. All methods are thread-safe.

    Refer to components and installs by object, id or name. Times (`at=`) are simulated seconds on `clock`
    (default: a `ManualClock` at 0); `None` means now. With `hold_until_seen`, each deploy shows each status of its
    timeline to at least one read of the latest-deploy route before it moves on (never sooner than the timeline
    says): a poller sees every status whatever the load, which timed stories (the demo, its tests, `simulate`)
    rely on. Timestamps put simulated time 0 at the wall-clock time the
    simulator was made (`epoch=` or a scenario's `epoch` fixes it instead), so they read like a real Nuon's.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        org_id: str = DEFAULT_ORG_ID,
        seed: int = 0,
        clock: Clock | None = None,
        epoch: datetime | None = None,
        hold_until_seen: bool = False,
    ) -> None:
        self.token = token
        self.hold_until_seen = hold_until_seen
        self.org_id = org_id
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.log = RequestLog()
        self._releases_gone: int | None = None
        self._ids = Ids(seed)
        if epoch is None:  # simulated time 0 is now (less what the clock already shows): believable timestamps
            epoch = datetime.now(timezone.utc) - timedelta(seconds=self.clock.now())
        self._stamps = Stamps(epoch)
        self._faults = FaultBook(seed)
        self._auto_advance: dict[Route, float] = {}
        self._components: dict[str, Component] = {}
        self._installs: dict[str, Install] = {}
        self._releases: dict[str, list[Release]] = {}
        self._deploys: dict[tuple[str, str], list[Deploy]] = {}
        self._seq = itertools.count()
        self._lock = threading.RLock()

    # -- time ------------------------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (works with any clock)."""
        self.clock.advance(seconds)

    def auto_advance(self, seconds: float, *, route: Route = "latest_deploy") -> None:
        """Advance simulated time by `seconds` after every request to `route` (0 turns it off), so a poller in
        another process drives timelines forward without real waiting."""
        if seconds < 0:
            raise InvalidArgumentError("auto-advance seconds must not be negative")
        with self._lock:
            self._auto_advance[route] = seconds

    # -- the org ---------------------------------------------------------------------------------------------
    def add_component(
        self, name: str = "app", *, id: str | None = None, type: str = "helm_chart", config_version: int = 1
    ) -> Component:
        """Add a component, or replace the name/type of the one with this `id` (its releases stay)."""
        with self._lock:
            if id is not None and id in self._components:
                found = self._components[id]
                found.name, found.type, found.config_version = name, type, config_version
                return found
            component = Component(id or self._ids.new("cmp"), name, type, config_version)
            self._components[component.id] = component
            return component

    def add_install(self, name: str, *, id: str | None = None, components: Sequence[Component | str] = ()) -> Install:
        """Add an install (or return the one with this `id`) that has the given components."""
        with self._lock:
            install = self._installs.get(id or "") or Install(id or self._ids.new("inl"), name)
            install.name = name
            self._installs[install.id] = install
            for component in components:
                self.attach(install, component)
            return install

    def attach(self, install: Install | str, component: Component | str) -> str:
        """Make the install component exist; returns its id."""
        with self._lock:
            inst, comp = self.install(install), self.component(component)
            if comp.id not in inst.install_components:
                inst.install_components[comp.id] = self._ids.new("inc")
            return inst.install_components[comp.id]

    def detach(self, install: Install | str, component: Component | str) -> None:
        """Remove the install component: the latest-deploy call answers 404 again."""
        with self._lock:
            self.install(install).install_components.pop(self.component(component).id, None)

    def component(self, ref: Component | str) -> Component:
        """The component with this id or name (KeyError if none)."""
        key = ref.id if isinstance(ref, Component) else ref
        found = self._components.get(key) or next((c for c in self._components.values() if c.name == key), None)
        if found is None:
            raise KeyError(f"no component {key!r} in the simulator")
        return found

    def all_components(self) -> list[Component]:
        """Every component, in the order they were added."""
        with self._lock:
            return list(self._components.values())

    def all_installs(self) -> list[Install]:
        """Every install, in the order they were added."""
        with self._lock:
            return list(self._installs.values())

    def install(self, ref: Install | str) -> Install:
        """The install with this id or name (KeyError if none)."""
        key = ref.id if isinstance(ref, Install) else ref
        found = self._installs.get(key) or next((i for i in self._installs.values() if i.name == key), None)
        if found is None:
            raise KeyError(f"no install {key!r} in the simulator")
        return found

    def add_release(
        self,
        component: Component | str,
        *,
        build_id: str | None = None,
        installs: Sequence[Install | str] | None = None,
        steps: Sequence[Sequence[Install | str]] | None = None,
        at: float | None = None,
        status: str | None = None,
        status_description: str | None = None,
        timeline: Timeline | None = None,
        delay: str = "0s",
    ) -> Release:
        """A release of `build_id` to `installs` (default: every install with the component) in one step,
        or in `steps`. Each install gets a deploy linked to its step, running `timeline` (default: already
        `active`). The release's status follows its deploys unless `status` is given."""
        with self._lock:
            comp = self.component(component)
            created = self.now if at is None else at
            if steps is None:
                targets = (
                    installs
                    if installs is not None
                    else [i for i in self._installs.values() if comp.id in i.install_components]
                )
                steps = [targets]
            release = Release(
                self._ids.new("rel"),
                comp.id,
                build_id or self._ids.new("bld"),
                created,
                [],
                status,
                status_description,
                next(self._seq),
            )
            for group in steps:
                step = ReleaseStep(self._ids.new("rel"), [self.install(i).id for i in group], delay)
                release.steps.append(step)
                for install_id in step.install_ids:
                    self.trigger_deploy(
                        install_id,
                        comp,
                        build_id=release.build_id,
                        release_id=step.id,
                        timeline=timeline or Timeline.constant("active"),
                        at=created,
                    )
            self._releases.setdefault(comp.id, []).append(release)
            return release

    def add_releases(
        self,
        component: Component | str,
        count: int,
        *,
        every_seconds: float = 3600.0,
        installs: Sequence[Install | str] | None = None,
    ) -> list[Release]:
        """`count` finished releases, `every_seconds` apart, the newest now. Returned oldest first."""
        now = self.now
        return [
            self.add_release(component, installs=installs, at=now - (count - 1 - i) * every_seconds)
            for i in range(count)
        ]

    def remove_releases(self, component: Component | str) -> None:
        with self._lock:
            self._releases.pop(self.component(component).id, None)

    def trigger_deploy(
        self,
        install: Install | str,
        component: Component | str,
        *,
        build_id: str | None = None,
        timeline: Timeline | None = None,
        at: float | None = None,
        plan_only: bool = False,
        deploy_type: str = "apply",
        release_id: str | None = None,
    ) -> Deploy:
        """Deploy `build_id` (default: the component's latest release's build) to the install, starting `at`
        (default now) and running `timeline` (default `Timeline.apply_success()`). Superseded timelines add
        their follow-up deploys too (see `Deploy.next`). `release_id` defaults to a matching release step."""
        with self._lock:
            inst, comp = self.install(install), self.component(component)
            self.attach(inst, comp)
            releases = self._releases.get(comp.id, [])
            if build_id is None:
                build_id = (
                    max(releases, key=lambda r: (r.created, r.seq)).build_id if releases else self._ids.new("bld")
                )
            if release_id is None:
                release_id = next(
                    (s.id for r in releases if r.build_id == build_id for s in r.steps if inst.id in s.install_ids),
                    "",
                )
            deploy = Deploy(
                self._ids.new("dpl"),
                inst.id,
                comp.id,
                build_id,
                0.0,
                Timeline.constant("queued"),
                release_id,
                plan_only,
                deploy_type,
                next(self._seq),
                held=self.hold_until_seen,
            )
            self._deploys.setdefault((inst.id, comp.id), []).append(deploy)
            self._set_timeline(deploy, timeline or Timeline.apply_success(), self.now if at is None else at)
            return deploy

    def set_timeline(self, deploy: Deploy, timeline: Timeline) -> None:
        """Give a deploy a new timeline (counted from when it was added); follow-up deploys are replaced."""
        with self._lock:
            self._set_timeline(deploy, timeline, deploy.start - deploy.timeline.appear_after)

    def _set_timeline(self, deploy: Deploy, timeline: Timeline, added: float) -> None:
        chain = self._deploys[(deploy.install_id, deploy.component_id)]
        follower = deploy.next
        while follower is not None:
            chain.remove(follower)
            follower = follower.next
        deploy.timeline, deploy.start, deploy.next = timeline, added + timeline.appear_after, None
        if timeline.then is not None:
            deploy.next = self.trigger_deploy(
                deploy.install_id,
                deploy.component_id,
                build_id=deploy.build_id,
                timeline=timeline.then,
                at=deploy.start + timeline.duration + timeline.gap,
                plan_only=deploy.plan_only,
                deploy_type=deploy.deploy_type,
                release_id=deploy.release_id,
            )

    def remove_deploys(self, install: Install | str, component: Component | str) -> None:
        with self._lock:
            self._deploys.pop((self.install(install).id, self.component(component).id), None)

    def deploys(self, install: Install | str, component: Component | str) -> list[Deploy]:
        """Every deploy of the install component, visible yet or not, oldest first."""
        with self._lock:
            found = self._deploys.get((self.install(install).id, self.component(component).id), [])
            return sorted(found, key=lambda d: (d.start, d.seq))

    @property
    def releases_gone(self) -> int | None:
        """None, or 404/410: the releases route then answers that for every request, as newer Nuon APIs do."""
        return self._releases_gone

    @releases_gone.setter
    def releases_gone(self, status: int | None) -> None:
        if status not in (None, 404, 410):
            raise InvalidArgumentError(f"releases_gone must be None, 404 or 410, got {status}")
        self._releases_gone = status

    # -- faults ----------------------------------------------------------------------------------------------
    def inject(
        self,
        fault: Fault,
        *,
        route: Route | None = None,
        times: int | None = None,
        probability: float | None = None,
        path: str | None = None,
    ) -> FaultRule:
        """Act out `fault` on requests to `route` (None: any) whose path contains `path` (None: any): the next
        `times` of them (None: all), each with `probability` (drawn from an RNG seeded with the simulator's
        seed). The first matching rule wins."""
        return self._faults.add(FaultRule(fault, route, times, probability, path=path))

    def clear_faults(self, *, reseed: int | None = None) -> None:
        self._faults.clear(seed=reseed)

    # -- reading, as the API would answer --------------------------------------------------------------------
    def releases(self, component: Component | str) -> list[dict[str, Any]]:
        """Every visible release of the component as `app.ComponentRelease` payloads, newest first."""
        with self._lock:
            return self._release_payloads(self._visible_releases(self.component(component).id))

    def latest_deploy(self, install: Install | str, component: Component | str) -> dict[str, Any] | None:
        """What the latest-deploy route answers with, or None where it answers 404."""
        with self._lock:
            return self._latest_payload(self.install(install).id, self.component(component).id)

    # -- serving ---------------------------------------------------------------------------------------------
    def transport(self) -> SimTransport:
        """An httpx transport (sync and async) that answers from this simulator without a network."""
        return SimTransport(self)

    def serve(self, *, port: int = 0) -> SimServer:
        """Start a real HTTP server on 127.0.0.1 (`port` 0: a free one) in a thread; use it as a context
        manager (`with sim.serve() as server: server.url`) or call `stop()`."""
        return SimServer(self, port=port)

    # -- internals -------------------------------------------------------------------------------------------
    def _visible_releases(self, component_id: str) -> list[Release]:
        """The component's releases that exist by now, newest first (none for an unknown component)."""
        if component_id not in self._components:
            return []
        now = self.now
        visible = [r for r in self._releases.get(component_id, []) if r.created <= now]
        return sorted(visible, key=lambda r: (r.created, r.seq), reverse=True)

    def _release_payloads(self, releases: Sequence[Release]) -> list[dict[str, Any]]:
        return [self._release_payload(r, self._components[r.component_id], self.now) for r in releases]

    def _release_payload(self, release: Release, component: Component, now: float) -> dict[str, Any]:
        step_deploys = []
        for step in release.steps:
            deploys = []
            for install_id in step.install_ids:
                install = self._installs[install_id]
                for deploy in self._deploys.get((install_id, component.id), []):
                    if deploy.release_id == step.id and deploy.visible(now):
                        inc = install.install_components.get(component.id, "")
                        deploys.append(install_deploy(deploy, component, inc, now, self._stamps, latest=False))
            step_deploys.append(deploys)
        return component_release(release, component, step_deploys, self._stamps)

    def _latest_payload(self, install_id: str, component_id: str, *, seen: bool = False) -> dict[str, Any] | None:
        """The latest-deploy payload; ``seen``: a client reads it (a held deploy may then move on)."""
        install, component = self._installs.get(install_id), self._components.get(component_id)
        if install is None or component is None or component_id not in install.install_components:
            return None
        now = self.now
        candidates = [
            d for d in self._deploys.get((install_id, component_id), []) if d.visible(now) and not d.plan_only
        ]
        if not candidates:
            return None
        latest = max(candidates, key=lambda d: (d.start, d.seq))
        payload = install_deploy(
            latest, component, install.install_components[component_id], now, self._stamps, latest=True
        )
        if seen:
            latest.shown = len(latest.passed(now)) - 1
        return payload

    def _auth(self, headers: dict[str, str]) -> AuthState:
        value = headers.get("authorization")
        if value is None:
            return "missing"
        scheme, _, token = value.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token.encode())
        return "valid" if ok else "invalid"

    def handle(self, request: Request) -> Outcome:
        """Answer one request: route, fault, auth, payload; log it; auto-advance time."""
        releases, latest = _RELEASES.fullmatch(request.path), _LATEST.fullmatch(request.path)
        route: Route = "releases" if releases else "latest_deploy" if latest else "other"
        auth, org = self._auth(request.headers), request.headers.get("x-nuon-org-id")
        with self._lock:
            now = self.now
            fault = self._faults.pick(route, request.path)
            if fault is not None and (
                fault.kind in ("status", "rate_limit", "html", "reset", "body", "huge", "echo_header")
                or (fault.kind == "echo" and fault.status != 200)
            ):
                outcome = self._fault_outcome(fault)
            else:
                outcome = self._answer(request, releases, latest, auth, org)
                if fault is not None and fault.kind == "truncated_json":
                    outcome.body = outcome.body[: max(1, len(outcome.body) // 2)]
                elif fault is not None and outcome.status == 200 and releases is not None:
                    outcome = self._page_fault(outcome, fault, parse_qs(request.query))
                elif fault is not None and fault.kind == "echo" and outcome.status == 200:
                    payload = json.loads(outcome.body)
                    payload["status_description"] = f"deployed by {_PLACEHOLDER}"
                    outcome.body = _with_echo(payload, self.token, fault.form)
                elif fault is not None and fault.kind == "gzip_lie":
                    outcome.headers["Content-Encoding"] = "gzip"
                outcome.fault = fault
            self.log.append(
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
            self.clock.advance(step)
        return outcome

    def _page_fault(self, outcome: Outcome, fault: Fault, params: dict[str, list[str]]) -> Outcome:
        """Faults acted out on a releases page: endless or repeated pages, an echoed token, a gzip lie."""
        if fault.kind == "endless_pages":
            limit = min(max(_int_param(params, "limit", _DEFAULT_LIMIT), 1), _MAX_LIMIT)
            offset = max(_int_param(params, "offset", 0), 0)
            page = [
                {"id": f"relendless{offset + i:016d}", "build_id": f"bldendless{offset + i:016d}", "status": "active"}
                for i in range(limit)
            ]
            headers = {**outcome.headers, "X-Nuon-Page-Next": "true", "X-Nuon-Page-Limit": str(limit)}
            return Outcome.json(200, page, headers)
        if fault.kind == "repeat_page":
            page = [
                {"id": f"relrepeat{i:017d}", "build_id": f"bldrepeat{i:017d}", "status": "active"} for i in range(3)
            ]
            return Outcome.json(200, page, {**outcome.headers, "X-Nuon-Page-Next": "true", "X-Nuon-Page-Limit": "3"})
        if fault.kind == "echo":
            payload = json.loads(outcome.body) or [{"id": "relecho0000000000000000000", "status": "active"}]
            for release in payload:
                release["status_description"] = f"released by {_PLACEHOLDER}"
            outcome.body = _with_echo(payload, self.token, fault.form)
        elif fault.kind == "gzip_lie":
            outcome.headers["Content-Encoding"] = "gzip"
        return outcome

    def _fault_outcome(self, fault: Fault) -> Outcome:
        if fault.kind == "reset":
            return Outcome(0, fault=fault)
        if fault.kind == "body":
            return Outcome(fault.status, fault.body, {"Content-Type": fault.content_type}, fault)
        if fault.kind == "huge":
            return Outcome(200, b"", {"Content-Type": "application/json"}, fault)
        if fault.kind == "echo":
            if fault.status == 0:
                text = f"session for {echoed(self.token, fault.form)} expired".encode()
                return Outcome(200, text, {"Content-Type": "text/plain"}, fault)
            body = {"error": f"token {_PLACEHOLDER} rejected", "user_error": True, "description": _PLACEHOLDER}
            return Outcome(
                fault.status, _with_echo(body, self.token, fault.form), {"Content-Type": "application/json"}, fault
            )
        if fault.kind == "echo_header":
            outcome = _error(fault.status, "request failed", "see the headers", user_error=fault.status < 500)
            shown = echoed(self.token, fault.form)
            if fault.header == "reason":
                outcome.reason = f"Denied {shown}"
            elif fault.header == "content-type":
                outcome.headers["Content-Type"] = f"application/json; session={shown}"
            elif fault.header == "retry-after":
                outcome.headers["Retry-After"] = f"{format_datetime(datetime.now(timezone.utc), usegmt=True)} {shown}"
            else:
                outcome.headers["Server"] = f"gateway/{shown}"
            outcome.fault = fault
            return outcome
        if fault.kind == "html":
            page = _HTML_PAGE.format(status=fault.status).encode()
            return Outcome(fault.status, page, {"Content-Type": "text/html"}, fault)
        if fault.kind == "rate_limit":
            outcome = _error(429, "too many requests", "rate limit exceeded, slow down", user_error=False)
            retry_after = fault.retry_after_header()
            if retry_after is not None:
                outcome.headers["Retry-After"] = retry_after
        else:
            outcome = _error(
                fault.status,
                "request failed",
                f"simulated fault: status {fault.status}",
                user_error=fault.status < 500,
            )
            retry_after = fault.retry_after_header()
            if retry_after is not None:
                outcome.headers["Retry-After"] = retry_after
        outcome.fault = fault
        return outcome

    def _answer(
        self,
        request: Request,
        releases: re.Match[str] | None,
        latest: re.Match[str] | None,
        auth: AuthState,
        org: str | None,
    ) -> Outcome:
        if request.method != "GET" or (releases is None and latest is None):
            return _error(404, "not found", f"no route for {request.method} {request.path}")
        if releases is not None and self._releases_gone is not None:
            gone = self._releases_gone
            return _error(gone, "not found" if gone == 404 else "gone", f"no route for GET {request.path}")
        if auth != "valid":
            return _error(401, "unauthorized", "invalid or missing API token")
        if org is None or not hmac.compare_digest(org.encode(), self.org_id.encode()):
            return _error(403, "forbidden", "org not found or no access to org")
        if releases is not None:
            return self._page(releases["component"], parse_qs(request.query, keep_blank_values=True))
        assert latest is not None
        payload = self._latest_payload(latest["install"], latest["component"], seen=True)
        if payload is None:
            return _error(404, "not found", "not found")
        return Outcome.json(200, payload)

    def _page(self, component_id: str, params: dict[str, list[str]]) -> Outcome:
        limit = _int_param(params, "limit", _DEFAULT_LIMIT)
        limit = min(limit if limit > 0 else _DEFAULT_LIMIT, _MAX_LIMIT)
        offset = max(_int_param(params, "offset", 0), 0)
        page = _int_param(params, "page", 0)
        if page > 0:
            offset = (page - 1) * limit
        releases = self._visible_releases(component_id)
        headers = {
            "X-Nuon-Page-Next": "true" if offset + limit < len(releases) else "false",
            "X-Nuon-Page-Offset": str(offset),
            "X-Nuon-Page-Limit": str(limit),
        }
        if page > 0:
            headers["X-Nuon-Page-Number"] = str(page)
        return Outcome.json(200, self._release_payloads(releases[offset : offset + limit]), headers)
