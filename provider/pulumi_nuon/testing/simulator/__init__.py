"""An in-memory Nuon control API for tests, the demo and users' own tests.

It serves `GET /v1/components/{id}/releases` and `GET /v1/installs/{id}/components/{id}/deploys/latest` with
Nuon's semantics (auth order, pagination and its headers, 404s, the latest-deploy quirks), scripts deploys
through statuses over simulated time, injects faults, and logs every request. Run it in process
(`sim.transport()`) or on a real socket (`with sim.serve() as server: ...`)::

    sim = Simulator(token="canary")
    app = sim.add_component("web-app")
    prod = sim.add_install("acme-prod", components=[app])
    sim.add_releases(app, 3)
    deploy = sim.trigger_deploy(prod, app, timeline=Timeline.apply_success(step_seconds=5))
    sim.auto_advance(10, route="latest_deploy")      # each poll moves time on by 10 s
    sim.inject(Fault.http_status(503), route="releases", times=2)
"""

from .cli import serve_forever
from .clock import Clock, ManualClock, WallClock
from .faults import Fault, FaultKind, FaultRule, Route
from .log import AuthState, RequestLog, RequestRecord
from .model import Component, Deploy, Install, Release, ReleaseStep
from .scenario import Scenario, ScenarioError, SimulatorError
from .server import SimServer
from .simulator import DEFAULT_ORG_ID, DEFAULT_TOKEN, Simulator
from .timeline import APPLY_STATUSES, Timeline, TimelineStep
from .transport import SimTransport

__all__ = [
    "APPLY_STATUSES",
    "DEFAULT_ORG_ID",
    "DEFAULT_TOKEN",
    "AuthState",
    "Clock",
    "Component",
    "Deploy",
    "Fault",
    "FaultKind",
    "FaultRule",
    "Install",
    "ManualClock",
    "Release",
    "ReleaseStep",
    "RequestLog",
    "RequestRecord",
    "Route",
    "Scenario",
    "ScenarioError",
    "SimServer",
    "SimTransport",
    "Simulator",
    "SimulatorError",
    "Timeline",
    "TimelineStep",
    "WallClock",
    "serve_forever",
]
