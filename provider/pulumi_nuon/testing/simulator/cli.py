"""What `pulumi-nuon simulate` runs: load a scenario, serve it on 127.0.0.1 in real time, say how to connect.

The CLI module owns argument parsing; this function owns the serving. It blocks until Ctrl-C
(KeyboardInterrupt) or until `stop` is set, then shuts the server down cleanly.
"""

from __future__ import annotations

import threading
from typing import TextIO

from .clock import WallClock
from .scenario import Scenario, SimulatorError
from .simulator import Simulator

__all__ = ["serve_forever"]


def serve_forever(
    scenario: str | None,
    port: int,
    out: TextIO,
    *,
    speed: float = 1.0,
    token: str | None = None,
    stop: threading.Event | None = None,
    command: str = "pulumi-nuon",
    command_note: str | None = None,
) -> None:
    """Serve `scenario` (a built-in name or a file path; None: `demo`) on 127.0.0.1:`port` (0: any free port)
    with simulated time running at `speed` × real time. Prints the URL, the credentials, the ids of what it
    serves, ready-to-export environment variables and ready-to-paste `deploy` and `wait` commands (run as
    `command`; `command_note` says how else to run it) to `out`, then serves until Ctrl-C or until `stop` is
    set."""
    loaded = Scenario.load(scenario or "demo")
    # Every status of a rollout shows to at least one read, so a `wait` pasted a minute later still sees it roll out.
    sim = loaded.build(clock=WallClock(speed=speed), token=token, hold_until_seen=True)
    stop = stop or threading.Event()
    try:
        serving = sim.serve(port=port)
    except OSError as err:  # the port is taken, or not ours to bind
        raise SimulatorError(f"cannot serve on 127.0.0.1:{port}: {err.strerror or err}; pick another --port") from err
    with serving as server:
        lines = [
            f"Nuon simulator serving scenario {loaded.name!r} ({loaded.source}) at {server.url}"
            f" (simulated time ×{speed:g})",
            f"  token: {server.token}",
            f"  org id: {server.org_id}",
            *_inventory(sim),
            "Use it from another shell, in this directory:",
            f"  export NUON_API_URL={server.url} NUON_API_TOKEN={server.token} NUON_ORG_ID={server.org_id}",
            *_commands(sim, command, speed),
            *([f"  ({command_note})"] if command_note else []),
            "Press Ctrl-C to stop.",
        ]
        out.write("\n".join(lines) + "\n")
        out.flush()
        try:
            while not stop.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    out.write("Nuon simulator stopped.\n")
    out.flush()


def _rolling_out(sim: Simulator) -> list[tuple[str, str, str, str]]:
    """(install name, install id, component id, build id) of each deploy still under way, then of each install's
    latest deploy when none is: what a newcomer would `wait` on."""
    now = sim.now
    found: list[tuple[str, str, str, str]] = []
    latest: list[tuple[str, str, str, str]] = []
    for install in sim.all_installs():
        for component in sim.all_components():
            if component.id not in install.install_components:
                continue
            deploys = sim.deploys(install, component)
            if not deploys:
                continue
            last = deploys[-1]
            row = (install.name, install.id, component.id, last.build_id)
            latest.append(row)
            if not last.finished(now):
                found.append(row)
    return found or latest[:1]


def _inventory(sim: Simulator) -> list[str]:
    lines = []
    for component in sim.all_components():
        lines.append(f"  component {component.name}: {component.id}")
    rolling = {install_id: build for _, install_id, _, build in _rolling_out(sim)}
    for install in sim.all_installs():
        note = f" (deploying build {rolling[install.id]})" if install.id in rolling else ""
        lines.append(f"  install {install.name}: {install.id}{note}")
    return lines


def _commands(sim: Simulator, command: str, speed: float) -> list[str]:
    rows = _rolling_out(sim)
    if not rows:
        return []
    _, install_id, component_id, build_id = rows[0]
    interval = f"{max(0.1, round(1 / speed, 2)):g}"  # about one poll per real second
    return [
        f"  {command} deploy {install_id} {component_id}",
        f"  {command} wait --component {component_id} {install_id} --build-id {build_id} --interval {interval}",
    ]
