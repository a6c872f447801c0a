"""What `pulumi-nuon simulate` runs: load a scenario, serve it on 127.0.0.1 in real time, say how to connect.

The CLI module owns argument parsing; this function owns the serving. It blocks until Ctrl-C
(KeyboardInterrupt) or until `stop` is set, then shuts the server down cleanly.
"""

from __future__ import annotations

import threading
from typing import TextIO

from .clock import WallClock
from .scenario import Scenario, SimulatorError

__all__ = ["serve_forever"]


def serve_forever(
    scenario: str | None,
    port: int,
    out: TextIO,
    *,
    speed: float = 1.0,
    token: str | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve `scenario` (a built-in name or a file path; None: `demo`) on 127.0.0.1:`port` (0: any free port)
    with simulated time running at `speed` × real time. Prints the URL, the credentials and ready-to-export
    environment variables to `out`, then serves until Ctrl-C or until `stop` is set."""
    loaded = Scenario.load(scenario or "demo")
    sim = loaded.build(clock=WallClock(speed=speed), token=token)
    stop = stop or threading.Event()
    try:
        serving = sim.serve(port=port)
    except OSError as err:  # the port is taken, or not ours to bind
        raise SimulatorError(f"cannot serve on 127.0.0.1:{port}: {err.strerror or err}; pick another --port") from err
    with serving as server:
        lines = [
            f"Nuon simulator serving scenario {loaded.name!r} ({loaded.source}) at {server.url}",
            f"  token: {server.token}",
            f"  org id: {server.org_id}",
            "Use it with:",
            f"  export NUON_API_URL={server.url} NUON_API_TOKEN={server.token} NUON_ORG_ID={server.org_id}",
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
