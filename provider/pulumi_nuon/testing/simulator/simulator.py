"""The simulator: an in-memory Nuon control API with Nuon's semantics, scripted time and injectable faults.

`Simulator` holds the org (components, installs, releases, deploys), answers the two routes exactly as
docs/nuon-api.md describes, and can be changed from the test at any time. It is served either in process
(`transport()`) or over a real socket (`serve()`); both go through `handle`, so the semantics live here only.

It is a facade over small parts, each with one responsibility: `org.Org` (the records and how they change, deploy
timelines included), `views.OrgView` (those records as the API's payloads), `routes.Routes` (the two routes: auth,
org, pagination, 404s), `fault_acts` (faults acted out in an answer) and `service.Service` (one request: fault or
answer, the log, auto-advance). The methods below are the whole surface tests, the demo and users rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from .clock import Clock, ManualClock
from .fault_acts import echoed as echoed  # its old home: tests import it from here
from .faults import Fault, FaultRule, Route
from .log import RequestLog
from .model import Component, Deploy, Install, Release, Stamps
from .org import Org
from .routes import Routes
from .server import SimServer
from .service import Service
from .timeline import Timeline
from .transport import SimTransport
from .views import OrgView
from .wire import Outcome, Request

__all__ = ["DEFAULT_ORG_ID", "DEFAULT_TOKEN", "Simulator"]

DEFAULT_TOKEN = "sim-token"
DEFAULT_ORG_ID = "org-sim"


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
        self.org_id = org_id
        self.log = RequestLog()
        self._org = Org(clock if clock is not None else ManualClock(), seed=seed, hold_until_seen=hold_until_seen)
        if epoch is None:  # simulated time 0 is now (less what the clock already shows): believable timestamps
            epoch = datetime.now(timezone.utc) - timedelta(seconds=self._org.now)
        self._view = OrgView(self._org, Stamps(epoch))
        self._routes = Routes(self._view, self)
        self._service = Service(self._org, self._routes, self, self.log, seed=seed)

    @property
    def clock(self) -> Clock:
        return self._org.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._org.clock = clock

    @property
    def hold_until_seen(self) -> bool:
        return self._org.hold_until_seen

    @hold_until_seen.setter
    def hold_until_seen(self, hold: bool) -> None:
        self._org.hold_until_seen = hold

    # -- time ------------------------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self._org.now

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (works with any clock)."""
        self.clock.advance(seconds)

    def auto_advance(self, seconds: float, *, route: Route = "latest_deploy") -> None:
        """Advance simulated time by `seconds` after every request to `route` (0 turns it off), so a poller in
        another process drives timelines forward without real waiting."""
        self._service.auto_advance(seconds, route)

    # -- the org ---------------------------------------------------------------------------------------------
    def add_component(
        self, name: str = "app", *, id: str | None = None, type: str = "helm_chart", config_version: int = 1
    ) -> Component:
        """Add a component, or replace the name/type of the one with this `id` (its releases stay)."""
        return self._org.add_component(name, id=id, type=type, config_version=config_version)

    def add_install(self, name: str, *, id: str | None = None, components: Sequence[Component | str] = ()) -> Install:
        """Add an install (or return the one with this `id`) that has the given components."""
        return self._org.add_install(name, id=id, components=components)

    def attach(self, install: Install | str, component: Component | str) -> str:
        """Make the install component exist; returns its id."""
        return self._org.attach(install, component)

    def detach(self, install: Install | str, component: Component | str) -> None:
        """Remove the install component: the latest-deploy call answers 404 again."""
        self._org.detach(install, component)

    def component(self, ref: Component | str) -> Component:
        """The component with this id or name (KeyError if none)."""
        return self._org.component(ref)

    def all_components(self) -> list[Component]:
        """Every component, in the order they were added."""
        with self._org.lock:
            return list(self._org.components.values())

    def all_installs(self) -> list[Install]:
        """Every install, in the order they were added."""
        with self._org.lock:
            return list(self._org.installs.values())

    def install(self, ref: Install | str) -> Install:
        """The install with this id or name (KeyError if none)."""
        return self._org.install(ref)

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
        return self._org.add_release(
            component,
            build_id=build_id,
            installs=installs,
            steps=steps,
            at=at,
            status=status,
            status_description=status_description,
            timeline=timeline,
            delay=delay,
        )

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
        self._org.remove_releases(component)

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
        return self._org.trigger_deploy(
            install,
            component,
            build_id=build_id,
            timeline=timeline,
            at=at,
            plan_only=plan_only,
            deploy_type=deploy_type,
            release_id=release_id,
        )

    def set_timeline(self, deploy: Deploy, timeline: Timeline) -> None:
        """Give a deploy a new timeline (counted from when it was added); follow-up deploys are replaced."""
        self._org.set_timeline(deploy, timeline)

    def remove_deploys(self, install: Install | str, component: Component | str) -> None:
        self._org.remove_deploys(install, component)

    def deploys(self, install: Install | str, component: Component | str) -> list[Deploy]:
        """Every deploy of the install component, visible yet or not, oldest first."""
        return self._org.deploys_of(install, component)

    @property
    def releases_gone(self) -> int | None:
        """None, or 404/410: the releases route then answers that for every request, as newer Nuon APIs do."""
        return self._routes.releases_gone

    @releases_gone.setter
    def releases_gone(self, status: int | None) -> None:
        self._routes.releases_gone = status

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
        return self._service.faults.add(FaultRule(fault, route, times, probability, path=path))

    def clear_faults(self, *, reseed: int | None = None) -> None:
        self._service.faults.clear(seed=reseed)

    # -- reading, as the API would answer --------------------------------------------------------------------
    def releases(self, component: Component | str) -> list[dict[str, Any]]:
        """Every visible release of the component as `app.ComponentRelease` payloads, newest first."""
        with self._org.lock:
            return self._view.release_payloads(self._view.visible_releases(self.component(component).id))

    def latest_deploy(self, install: Install | str, component: Component | str) -> dict[str, Any] | None:
        """What the latest-deploy route answers with, or None where it answers 404."""
        with self._org.lock:
            return self._view.latest_payload(self.install(install).id, self.component(component).id)

    # -- serving ---------------------------------------------------------------------------------------------
    def transport(self) -> SimTransport:
        """An httpx transport (sync and async) that answers from this simulator without a network."""
        return SimTransport(self)

    def serve(self, *, port: int = 0) -> SimServer:
        """Start a real HTTP server on 127.0.0.1 (`port` 0: a free one) in a thread; use it as a context
        manager (`with sim.serve() as server: server.url`) or call `stop()`."""
        return SimServer(self, port=port)

    def handle(self, request: Request) -> Outcome:
        """Answer one request: route, fault, auth, payload; log it; auto-advance time."""
        return self._service.handle(request)
