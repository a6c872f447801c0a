"""Test tools for programs that use pulumi-nuon: a Nuon simulator and a local engine.

Nothing here is needed at run time; it exists so this repository's tests, the demo and users' own tests can run
offline, with no Nuon account and no Pulumi CLI::

    from pulumi_nuon.testing import LocalEngine, Secret, Simulator, Timeline

    sim = Simulator(token="test-token")
    app = sim.add_component("api")
    prod = sim.add_install("prod", components=[app])
    sim.trigger_deploy(prod, app, timeline=Timeline.apply_success())
    sim.auto_advance(5)                      # every poll moves simulated time on by 5 s
    with sim.serve() as server, LocalEngine(my_program, config={
        "nuon:apiUrl": server.url, "nuon:orgId": server.org_id, "nuon:apiToken": Secret(server.token),
    }) as engine:
        assert engine.up().success
"""

from pulumi_nuon.testing.engine import (
    UNKNOWN,
    EngineError,
    EngineResult,
    LocalEngine,
    LogMessage,
    Secret,
    StepRecord,
)
from pulumi_nuon.testing.simulator import (
    Fault,
    ManualClock,
    Scenario,
    SimServer,
    Simulator,
    Timeline,
    WallClock,
)

__all__ = [
    "UNKNOWN",
    "EngineError",
    "EngineResult",
    "Fault",
    "LocalEngine",
    "LogMessage",
    "ManualClock",
    "Scenario",
    "Secret",
    "SimServer",
    "Simulator",
    "StepRecord",
    "Timeline",
    "WallClock",
]
