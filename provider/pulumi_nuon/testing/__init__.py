"""Test tools for programs that use pulumi-nuon: a Nuon simulator, and the environment the real Pulumi CLI runs in.

Nothing here is needed at run time; it exists so users' own tests, this repository's tests and the demo can run
offline, with no Nuon account::

    from pulumi_nuon.testing import Simulator, Timeline

    sim = Simulator(token="test-token")
    app = sim.add_component("api")
    prod = sim.add_install("prod", components=[app])
    sim.trigger_deploy(prod, app, timeline=Timeline.apply_success())
    sim.auto_advance(5)                      # every poll moves simulated time on by 5 s
    with sim.serve() as server:              # real HTTP on 127.0.0.1
        ...  # run the program with nuon:apiUrl=server.url, nuon:orgId=server.org_id, nuon:apiToken=server.token

The stand-in engine this repository's tests run programs with, `LocalEngine`, is not part of this package: it is
the `nuon-localengine` distribution (tools/localengine in the repository; docs/engine.md).
"""

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
    "Fault",
    "ManualClock",
    "Scenario",
    "SimServer",
    "Simulator",
    "Timeline",
    "WallClock",
]
