"""Benchmarks (``make bench``; excluded from ``make test``): every figure of issue 13's table, each against its target.

Each benchmark runs its two arms interleaved in pairs (``harness.interleave``) and records a row: the median of
each arm, the median ratio of the pairs with its spread, the target, pass or fail. HTTP benchmarks talk to a
``ReplayServer``, a separate process on 127.0.0.1 answering with the simulator's recorded bytes, so neither arm
pays for building payloads or shares its CPU with the server. Clients, event loops and servers are built outside
the timed region unless building them is part of the figure (the plain function takes the process's shared client
for the settings in force: its first call builds it, later calls reuse it and its connection, as in a program).

The session prints the table at the end and writes it as JSON (see ``conftest.py`` for the knobs).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pulumi
import pytest

import pulumi_nuon as nuon
from pulumi_nuon import AsyncNuonClient, NuonClient
from pulumi_nuon.api.models import parse_releases, parse_releases_by_pydantic
from pulumi_nuon.gate import wait as core_wait
from pulumi_nuon.testing.simulator import Simulator, Timeline
from tests.bench.conftest import ROOT, pairs
from tests.bench.harness import (
    Allocation,
    Row,
    Target,
    allocated,
    calls_lasting,
    ideal_rounds_seconds,
    interleave,
    timed,
    timed_call,
)
from tests.bench.replay import Recording, RecordingTransport, ReplayServer

pytestmark = pytest.mark.benchmark

Record = Callable[[Row], Row]
TOKEN = "bench-token"


def _headers(sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.token}", "X-Nuon-Org-ID": sim.org_id}


def _record(sim: Simulator, calls: Callable[[NuonClient], object]) -> Recording:
    """What ``calls`` asks of the simulator, recorded through our own client (so both arms make its requests)."""
    recording = Recording()
    transport = RecordingTransport(sim.transport(), recording)
    with NuonClient(api_token=sim.token, org_id=sim.org_id, api_url="http://127.0.0.1:9", transport=transport) as c:
        calls(c)
    return recording


def _finished_fleet(installs: int) -> tuple[Simulator, str, list[str]]:
    """A component whose latest deploy is ``active`` on each of ``installs`` installs."""
    sim = Simulator(token=TOKEN)
    app = sim.add_component("api")
    fleet = [sim.add_install(f"customer-{i}", components=[app]) for i in range(installs)]
    for install in fleet:
        sim.trigger_deploy(install, app, timeline=Timeline.constant("active"))
    return sim, app.id, [i.id for i in fleet]


# --- 1. the plain data-source function, per call ------------------------------------------------------------


def _worst_stall(loop: asyncio.AbstractEventLoop, work: Any) -> float:
    """Run ``work`` on ``loop`` beside a heartbeat; the longest the heartbeat waited is the longest the loop blocked."""

    async def watch() -> float:
        task = asyncio.ensure_future(work)
        worst = 0.0
        while not task.done():
            started = time.perf_counter()
            await asyncio.sleep(0)
            worst = max(worst, time.perf_counter() - started)
        task.result()
        return worst

    return loop.run_until_complete(watch())


class _NoEngine(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError("pulumi-nuon functions must not go through the engine's invoke")


def test_get_latest_deploy_function(record: Record, monkeypatch: pytest.MonkeyPatch) -> None:
    sim, component, (install,) = _finished_fleet(1)
    recording = _record(sim, lambda client: client.get_latest_deploy(install, component))
    with ReplayServer(recording) as server:
        # As a Pulumi program calls it: settings resolved from the stack or the environment on each call, a fresh
        # read each call (on the process's shared client; the warm-up pairs make it).
        env = {"NUON_API_URL": server.url, "NUON_API_TOKEN": sim.token, "NUON_ORG_ID": sim.org_id}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        url = server.url_for(recording.targets[0])
        # The baseline is the least work that gets the same JSON: a GET on a client built once, then json.loads.
        # (`httpx.get()` itself builds a client, and so an SSL context, per call: the very cost being measured.)
        with httpx.Client(headers=_headers(sim)) as http:
            assert nuon.get_latest_deploy(install, component).status == "active"
            assert json.loads(http.get(url).content)["status"] == "active"

            def ours_call() -> object:
                return nuon.get_latest_deploy(install, component)

            def bare_call() -> object:
                return json.loads(http.get(url).content)

            ours, baseline = interleave(
                timed_call(ours_call, repeat=calls_lasting(0.1, ours_call)),
                timed_call(bare_call, repeat=calls_lasting(0.1, bare_call)),
                pairs=pairs(15),
                warmup=2,
                seed=1,
            )
        record(
            Row(
                key="get_latest_deploy_call",
                figure="`get_latest_deploy()` per call, loopback",
                unit="ms",
                ours=tuple(ours),
                baseline=tuple(baseline),
                baseline_label="httpx GET on a reused client + `json.loads`",
                target=Target(1.5),
            )
        )

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # the SDK runs a program on the thread's current loop
        pulumi.runtime.set_mocks(_NoEngine(), project="bench", stack="bench", preview=False)
        aclient = httpx.AsyncClient(headers=_headers(sim))

        async def bare() -> Any:
            return json.loads((await aclient.get(url)).content)

        def ours_stall() -> float:
            return _worst_stall(loop, nuon.get_latest_deploy_output(install, component).future())

        try:
            assert loop.run_until_complete(nuon.get_latest_deploy_output(install, component).future()).found
            stalls = interleave(ours_stall, lambda: _worst_stall(loop, bare()), pairs=pairs(15), warmup=2, seed=2)
        finally:
            loop.run_until_complete(aclient.aclose())
            asyncio.set_event_loop(None)
            loop.close()
    record(
        Row(
            key="get_latest_deploy_output_stall",
            figure="`get_latest_deploy_output()`: longest event-loop stall per read",
            unit="ms",
            ours=tuple(stalls[0]),
            baseline=tuple(stalls[1]),
            baseline_label="`await` httpx GET on a reused async client",
            note="no numeric target: the design says the form never blocks the loop",
        )
    )


# --- 2, 3. start-up: import and the CLI, each in a fresh interpreter -------------------------------------------

# What a program touches: the package, then the resources and functions it uses. Attribute access is part of it:
# the package's names load on first use (PEP 562), so `import pulumi_nuon` alone would measure nearly nothing.
PROGRAM_IMPORT = (
    "import pulumi_nuon as nuon; nuon.DeployGate; nuon.LatestDeploy; nuon.ComponentReleases; "
    "nuon.get_latest_deploy; nuon.get_latest_deploy_output; nuon.get_component_releases; "
    "nuon.get_component_releases_output"
)


@pytest.fixture(scope="module")
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of an installed package: compiled bytecode cached, for both arms alike.

    pip compiles a package's bytecode when it installs it, so `import pulumi` never compiles Pulumi's source; this
    checkout is installed in editable mode, and where PYTHONDONTWRITEBYTECODE is set (as on the benchmark machine)
    its modules would be compiled on every start. So start-up runs with a bytecode cache of its own
    (PYTHONPYCACHEPREFIX: a fresh directory both arms fill during the warm-up pairs, Pulumi's modules included).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    return env


def _command(*argv: str, env: dict[str, str] | None = None) -> Callable[[], float]:
    """A sample timing one run of ``argv`` from start to exit (wall time)."""

    def run() -> None:
        subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return timed_call(run)


def _start_up(
    record: Record,
    *,
    key: str,
    figure: str,
    note: str,
    ours: tuple[str, ...],
    baseline: tuple[str, ...],
    baseline_label: str,
    env: dict[str, str] | None,
    seed: int,
    target: Target | None = None,
) -> None:
    """A start-up figure: `ours` and `baseline` commands from start to exit, interleaved, in the same environment.

    `env=None`: without a bytecode cache for this checkout (PYTHONDONTWRITEBYTECODE=1, an editable install): its
    modules are compiled from source on every start, Pulumi's are not (pip compiled them when it installed them).
    Where the checkout already has `__pycache__` directories (a run without PYTHONDONTWRITEBYTECODE wrote them),
    they would be read all the same: the figure is then recorded as not measured."""
    if env is None:
        if any((ROOT / "provider").rglob("__pycache__")):
            record(
                Row(key=key, figure=figure, unit="ms", ours=(), note=f"{note}; not measured: provider/ has __pycache__")
            )
            return
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPYCACHEPREFIX", None)
    ours_s, baseline_s = interleave(
        _command(*ours, env=env), _command(*baseline, env=env), pairs=pairs(15), warmup=2, seed=seed
    )
    record(
        Row(
            key=key,
            figure=figure,
            note=note,
            unit="ms",
            ours=tuple(ours_s),
            baseline=tuple(baseline_s),
            baseline_label=baseline_label,
            target=target,
        )
    )


def test_import_time(record: Record, bytecode_cache: dict[str, str]) -> None:
    ours, baseline = (sys.executable, "-c", PROGRAM_IMPORT), (sys.executable, "-c", "import pulumi")
    _start_up(
        record,
        key="import",
        figure="`import pulumi_nuon` and the names a program uses, fresh interpreter",
        note="DeployGate, LatestDeploy, ComponentReleases and the four functions; bytecode cached, as installed",
        ours=ours,
        baseline=baseline,
        baseline_label="`import pulumi`",
        env=bytecode_cache,
        seed=3,
        target=Target(1.10),
    )
    _start_up(
        record,
        key="import_uncached",
        figure="the same, this checkout's bytecode not cached",
        note="PYTHONDONTWRITEBYTECODE=1 with an editable install: our modules compiled on every start",
        ours=ours,
        baseline=baseline,
        baseline_label="`import pulumi` (its bytecode compiled at install)",
        env=None,
        seed=10,
    )


def test_import_and_first_read(record: Record, bytecode_cache: dict[str, str]) -> None:
    """What a program that reads anything pays at start: the import, then the first read (httpx, pydantic and the
    models load then), against ``import pulumi`` and the same GET with httpx and ``json.loads``."""
    sim, component, (install,) = _finished_fleet(1)
    recording = _record(sim, lambda client: client.get_latest_deploy(install, component))
    with ReplayServer(recording) as server:
        env = {**bytecode_cache, "NUON_API_URL": server.url, "NUON_API_TOKEN": sim.token, "NUON_ORG_ID": sim.org_id}
        ours = f"{PROGRAM_IMPORT}; assert nuon.get_latest_deploy({install!r}, {component!r}).status == 'active'"
        bare = (
            "import pulumi, httpx, json; "
            f"h = {{'Authorization': 'Bearer {sim.token}', 'X-Nuon-Org-ID': '{sim.org_id}'}}; "
            f"assert json.loads(httpx.Client(headers=h).get({server.url_for(recording.targets[0])!r}).content)"
            "['status'] == 'active'"
        )
        _start_up(
            record,
            key="import_first_read",
            figure="`import pulumi_nuon`, the names a program uses and its first `get_latest_deploy()`",
            note="fresh interpreter, bytecode cached, loopback read",
            ours=(sys.executable, "-c", ours),
            baseline=(sys.executable, "-c", bare),
            baseline_label="`import pulumi, httpx` + the same GET and `json.loads`",
            env=env,
            seed=13,
        )


def test_cli_help(record: Record, bytecode_cache: dict[str, str]) -> None:
    cli = Path(sys.executable).with_name("pulumi-nuon")
    assert cli.exists(), f"{cli} is missing: install the package (make bench does)"
    ours, baseline = (str(cli), "--help"), (sys.executable, "-c", "pass")
    _start_up(
        record,
        key="cli_help",
        figure="`pulumi-nuon --help`",
        note="bytecode cached, as installed",
        ours=ours,
        baseline=baseline,
        baseline_label="`python -c pass`",
        env=bytecode_cache,
        seed=4,
        target=Target(6.0),
    )
    _start_up(
        record,
        key="cli_help_uncached",
        figure="the same, this checkout's bytecode not cached",
        note="PYTHONDONTWRITEBYTECODE=1 with an editable install",
        ours=ours,
        baseline=baseline,
        baseline_label="`python -c pass`",
        env=None,
        seed=11,
    )


# --- 4. parsing a releases page ----------------------------------------------------------------------------


def _realistic(value: Any, rng: random.Random) -> Any:
    """``value`` with every string replaced by a unique one of the same length and the same three-letter start
    (ids keep their kind): a real page repeats its keys and statuses, not its ids, names, shas and log text."""
    if isinstance(value, dict):
        return {k: _realistic(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_realistic(v, rng) for v in value]
    if isinstance(value, str) and len(value) > 3:
        return value[:3] + "".join(rng.choice(_LETTERS) for _ in range(len(value) - 3))
    return value


_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _realistic_page() -> bytes:
    """A page of 100 releases, each with its steps to 10 installs (deploys, builds, runner jobs), every string
    unique (see :func:`_realistic`); statuses stay Nuon's own (they repeat on a real page too)."""
    sim = Simulator()
    app = sim.add_component("api")
    installs = [sim.add_install(f"customer-{i}", components=[app]) for i in range(10)]
    sim.add_releases(app, 100, installs=installs)
    rng = random.Random(12)
    page = sim.releases(app)

    def keep_statuses(original: Any, changed: Any) -> Any:
        if isinstance(original, dict):
            return {
                k: v
                if k in ("status", "status_v2") and not isinstance(v, (dict, list))
                else keep_statuses(v, changed[k])
                for k, v in original.items()
            }
        if isinstance(original, list):
            return [keep_statuses(o, c) for o, c in zip(original, changed, strict=True)]
        return changed

    return json.dumps(keep_statuses(page, _realistic(page, rng))).encode()


def test_parse_a_realistic_releases_page(record: Record) -> None:
    body = _realistic_page()
    releases = parse_releases(body)
    assert len(releases) == 100 and len({r.id for r in releases}) == 100
    assert all(r.release_steps for r in parse_releases(body))  # the steps are there, and every one fits the models
    note = f"{len(body) / 1e6:.1f} MB, 100 releases × 10 installs, every id and text unique"
    ours, baseline = interleave(
        timed_call(lambda: parse_releases(body), repeat=calls_lasting(0.1, lambda: parse_releases(body))),
        timed_call(lambda: json.loads(body), repeat=calls_lasting(0.1, lambda: json.loads(body))),
        pairs=pairs(15),
        warmup=2,
        seed=5,
    )
    record(
        Row(
            key="parse",
            figure="parse a realistic releases page into our models (the fields results expose typed)",
            note=note + "; msgspec, steps kept as JSON text and typed when first read",
            unit="ms",
            ours=tuple(ours),
            baseline=tuple(baseline),
            baseline_label="`json.loads`",
            target=Target(1.0),
        )
    )

    def by_pydantic() -> list[Any]:
        return parse_releases_by_pydantic(body)

    ours, baseline = interleave(
        timed_call(by_pydantic, repeat=calls_lasting(0.1, by_pydantic)),
        timed_call(lambda: json.loads(body), repeat=calls_lasting(0.1, lambda: json.loads(body))),
        pairs=pairs(9),
        warmup=1,
        seed=13,
    )
    record(
        Row(
            key="parse_pydantic",
            figure="the same page by pydantic alone (what a page msgspec refuses gets)",
            note=note + "; pydantic-core's parser, steps built as JSON values",
            unit="ms",
            ours=tuple(ours),
            baseline=tuple(baseline),
            baseline_label="`json.loads`",
        )
    )

    def typed_steps() -> int:
        return sum(len(r.release_steps or ()) for r in parse_releases(body))

    ours, baseline = interleave(
        timed_call(typed_steps, repeat=calls_lasting(0.1, typed_steps)),
        timed_call(lambda: json.loads(body), repeat=calls_lasting(0.1, lambda: json.loads(body))),
        pairs=pairs(9),
        warmup=1,
        seed=12,
    )
    record(
        Row(
            key="parse_steps",
            figure="the same page with every release's steps read as models",
            note=note,
            unit="ms",
            ours=tuple(ours),
            baseline=tuple(baseline),
            baseline_label="`json.loads`",
        )
    )


# --- 5. listing releases over loopback: time and memory -------------------------------------------------------


def test_list_releases(record: Record) -> None:
    sim = Simulator(token=TOKEN)
    app = sim.add_component("api")
    sim.add_releases(app, 1000, installs=[sim.add_install(f"customer-{i}", components=[app]) for i in range(2)])
    recording = _record(sim, lambda client: list(client.list_component_releases(app.id)))
    targets = recording.targets

    with ReplayServer(recording) as server:

        def ours_client() -> NuonClient:
            return NuonClient(api_token=sim.token, org_id=sim.org_id, api_url=server.url)

        def bare_client() -> httpx.Client:
            return httpx.Client(base_url=server.url, headers=_headers(sim))

        def ours(client: NuonClient) -> list[Any]:
            return list(client.list_component_releases(app.id))

        def bare(http: httpx.Client) -> list[Any]:
            return [http.get(target).json() for target in targets]

        with ours_client() as client, bare_client() as http:
            assert len(ours(client)) == 1000 and sum(len(page) for page in bare(http)) == 1000

        def close(client: NuonClient | httpx.Client) -> None:
            client.close()

        times = interleave(
            timed(ours, ours_client, close), timed(bare, bare_client, close), pairs=pairs(7), warmup=1, seed=6
        )
        memory: tuple[list[Allocation], list[Allocation]] = interleave(
            allocated(ours, ours_client, close), allocated(bare, bare_client, close), pairs=3, warmup=0, seed=7
        )
    size = f"{recording.body_bytes / 1e6:.1f} MB in {len(targets)} requests"
    record(
        Row(
            key="list",
            figure="list 1,000 releases × 2 installs with `NuonClient.list_component_releases`",
            note=size,
            unit="ms",
            ours=tuple(times[0]),
            baseline=tuple(times[1]),
            baseline_label="bare httpx loop + `.json()`",
            target=Target(1.5),
        )
    )
    record(
        Row(
            key="list_memory_kept",
            figure="list: memory kept by the result (tracemalloc)",
            unit="MB",
            ours=tuple(float(a.kept) for a in memory[0]),
            baseline=tuple(float(a.kept) for a in memory[1]),
            baseline_label="the dicts",
            target=Target(1.5),
        )
    )
    record(
        Row(
            key="list_memory_peak",
            figure="list: peak memory while listing (tracemalloc)",
            unit="MB",
            ours=tuple(float(a.peak) for a in memory[0]),
            baseline=tuple(float(a.peak) for a in memory[1]),
            baseline_label="the dicts",
        )
    )


# --- 5b. the async client's CPU per request at a fleet's concurrency ----------------------------------------------


@pytest.mark.timeout(900)
@pytest.mark.parametrize("concurrency", [8, 32, 64])
def test_client_cpu_per_request(record: Record, concurrency: int) -> None:
    """Process CPU time per read (``time.process_time``: this process only; the server is another), 1,000 reads
    with ``concurrency`` in flight at 50 ms each, ours (``AsyncNuonClient.get_latest_deploy``) against httpx."""
    reads = 1000
    sim, component, installs = _finished_fleet(reads)
    recording = _record(sim, lambda client: [client.get_latest_deploy(i, component) for i in installs])
    targets = recording.targets

    with ReplayServer(recording, latency=0.05) as server:

        def ours_setup() -> tuple[asyncio.AbstractEventLoop, AsyncNuonClient]:
            return asyncio.new_event_loop(), AsyncNuonClient(api_token=sim.token, org_id=sim.org_id, api_url=server.url)

        def ours(context: tuple[asyncio.AbstractEventLoop, AsyncNuonClient]) -> None:
            loop, client = context
            limit = asyncio.Semaphore(concurrency)

            async def one(install: str) -> str | None:
                async with limit:
                    deploy = await client.get_latest_deploy(install, component)
                    return deploy.status if deploy else None

            async def all_of_them() -> list[str | None]:
                return await asyncio.gather(*(one(i) for i in installs))

            assert set(loop.run_until_complete(all_of_them())) == {"active"}

        def bare_setup() -> tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]:
            return asyncio.new_event_loop(), httpx.AsyncClient(base_url=server.url, headers=_headers(sim))

        def bare(context: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]) -> None:
            loop, http = context
            limit = asyncio.Semaphore(concurrency)

            async def one(target: str) -> str:
                async with limit:
                    return str(json.loads((await http.get(target)).content)["status"])

            async def all_of_them() -> list[str]:
                return await asyncio.gather(*(one(t) for t in targets))

            assert set(loop.run_until_complete(all_of_them())) == {"active"}

        def close(context: tuple[asyncio.AbstractEventLoop, AsyncNuonClient | httpx.AsyncClient]) -> None:
            loop, client = context
            loop.run_until_complete(client.aclose())
            loop.close()

        ours_s, bare_s = interleave(
            timed(ours, ours_setup, close, clock=time.process_time),
            timed(bare, bare_setup, close, clock=time.process_time),
            pairs=pairs(5),
            warmup=1,
            seed=20 + concurrency,
        )
    record(
        Row(
            key=f"client_cpu_{concurrency}",
            figure=f"client CPU per read, {concurrency} in flight",
            note=f"{reads} reads at 50 ms, process CPU time / reads",
            unit="ms",
            ours=tuple(t / reads for t in ours_s),
            baseline=tuple(t / reads for t in bare_s),
            baseline_label=f"httpx `AsyncClient` + `json.loads`, {concurrency} in flight",
            target=Target(1.2),
        )
    )


def test_gate_state_size(record: Record) -> None:
    """What a 500-install gate keeps in state: its checked inputs and its outputs (compact JSON, the provider's
    pickle included), ours against the outputs as 0.1.0 stored them (everything by install id, the install list
    repeated). 0.2's form, the maps by install id without the install list, is in the row's note."""
    from pulumi.dynamic.dynamic import serialize_provider

    from pulumi_nuon.core.options import DEPLOY_GATE
    from pulumi_nuon.dynamic.providers import DeployGateProvider
    from pulumi_nuon.gate.inputs import check_gate_inputs
    from pulumi_nuon.gate.operations import pass_gate, resource_outputs
    from pulumi_nuon.gate.state import stored_gate_outputs

    sim, component, installs = _finished_fleet(500)
    inputs, problems = check_gate_inputs(
        {"component_id": component, "install_ids": installs, "poll_interval_seconds": 0.01}, loopback=True
    )
    assert not problems
    client = AsyncNuonClient(
        api_token=sim.token, org_id=sim.org_id, api_url="http://127.0.0.1:9", transport=sim.transport()
    )

    async def wait() -> dict[str, Any]:
        try:
            return await pass_gate(client, inputs)
        finally:
            await client.aclose()

    values = asyncio.run(wait())
    provider = {"__provider": serialize_provider(DeployGateProvider())}
    full = {**resource_outputs(DEPLOY_GATE, inputs, values), **provider}
    stored = stored_gate_outputs(full)
    previous = {k: v for k, v in full.items() if k != "install_ids"}  # 0.2: the maps by install id

    def size(outputs: dict[str, Any]) -> float:
        return float(len(json.dumps({"inputs": {**inputs, **provider}, "outputs": outputs}, separators=(",", ":"))))

    record(
        Row(
            key="gate_state",
            figure="a 500-install gate's state (inputs and outputs, compact JSON)",
            note=f"install_ids in the inputs only; deploy_ids and statuses as lists named by install keys (0.2, "
            f"the maps by install id: {size(previous) / 1000:.1f} kB)",
            unit="kB",
            ours=(size(stored),),
            baseline=(size(full),),
            baseline_label="install_ids in the outputs too (0.1.0)",
            target=Target(40_000, on="ours"),
        )
    )


# --- 6. a fleet wait -------------------------------------------------------------------------------------------


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("fleet_size", "latency", "default_pairs"),
    [(500, 0.05, 5), (5000, 0.05, 3), (500, 0.2, 3)],
    ids=["500-50ms", "5000-50ms", "500-200ms"],
)
def test_fleet_wait(record: Record, fleet_size: int, latency: float, default_pairs: int) -> None:
    wait_for_deploys, wait_options = core_wait.wait_for_deploys, core_wait.WaitOptions
    # The gate's own concurrency for this fleet (max_concurrency unset: scaled to the fleet and the poll interval),
    # unless NUON_BENCH_FLEET_CONCURRENCY sets one.
    override = os.environ.get("NUON_BENCH_FLEET_CONCURRENCY")
    options = wait_options(timeout_seconds=300, max_concurrency=int(override) if override else None)
    concurrency = options.concurrency(fleet_size)
    sim, component, installs = _finished_fleet(fleet_size)
    recording = _record(sim, lambda client: [client.get_latest_deploy(i, component) for i in installs])
    targets = recording.targets
    assert len(targets) == fleet_size

    with ReplayServer(recording, latency=latency) as server:

        def ours_setup() -> tuple[asyncio.AbstractEventLoop, AsyncNuonClient]:
            return asyncio.new_event_loop(), AsyncNuonClient(api_token=sim.token, org_id=sim.org_id, api_url=server.url)

        def ours(context: tuple[asyncio.AbstractEventLoop, AsyncNuonClient]) -> None:
            loop, client = context
            result = loop.run_until_complete(wait_for_deploys(component, installs, options=options, client=client))
            assert result.passed

        def bare_setup() -> tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]:
            return asyncio.new_event_loop(), httpx.AsyncClient(base_url=server.url, headers=_headers(sim))

        def bare(context: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]) -> None:
            loop, http = context
            limit = asyncio.Semaphore(concurrency)

            async def one(target: str) -> str:
                async with limit:
                    return str((await http.get(target)).json()["status"])

            async def all_of_them() -> list[str]:
                return await asyncio.gather(*(one(t) for t in targets))

            assert set(loop.run_until_complete(all_of_them())) == {"active"}

        def close(context: tuple[asyncio.AbstractEventLoop, AsyncNuonClient | httpx.AsyncClient]) -> None:
            loop, client = context
            loop.run_until_complete(client.aclose())
            loop.close()

        ours_s, bare_s = interleave(
            timed(ours, ours_setup, close),
            timed(bare, bare_setup, close),
            pairs=pairs(default_pairs),
            warmup=1,
            seed={(500, 0.05): 8, (500, 0.2): 9}.get((fleet_size, latency), 14),
        )
    ideal = ideal_rounds_seconds(fleet_size, concurrency, latency)
    ms = f"{latency * 1000:g} ms"
    what = f"{fleet_size:,} finished deploys, {ms} per request, concurrency {concurrency}"
    suffix = (
        ""
        if (fleet_size, latency) == (500, 0.05)
        else f"_{fleet_size}"
        if fleet_size != 500
        else f"_{ms.replace(' ', '')}"
    )
    interval = options.poll_interval_seconds
    record(
        Row(
            key=f"fleet_wait{suffix}",
            figure="fleet wait confirming finished deploys",
            note=what + ("" if override else f" (the gate's default for {fleet_size:,} installs)"),
            unit="s",
            ours=tuple(ours_s),
            baseline=(ideal,) * len(ours_s),
            baseline_label=f"ideal ⌈{fleet_size}/{concurrency}⌉ × {ms}",
            target=Target(1.25 if fleet_size > 500 else 1.3),
        )
    )
    if latency == 0.2 or fleet_size > 500:
        record(
            Row(
                key=f"fleet_round_in_poll_interval{suffix if fleet_size > 500 else ''}",
                figure=f"fleet wait: one round of polls fits in the {interval:g} s poll interval",
                note=what,
                unit="s",
                ours=tuple(ours_s),
                target=Target(interval, on="ours"),
            )
        )
    record(
        Row(
            key=f"fleet_wait_vs_bare{suffix}",
            figure="fleet wait, against a bare loop",
            note=what,
            unit="s",
            ours=tuple(ours_s),
            baseline=tuple(bare_s),
            baseline_label=f"asyncio + httpx, {concurrency} in flight",
        )
    )


_PYTEST_SUMMARY = re.compile(r"^=* ?\d+ passed.* in [\d.]+s")

# --- 7. the test suite's wall time -------------------------------------------------------------------------------


@pytest.mark.timeout(3600)
def test_make_test_wall_time(record: Record) -> None:
    """`make test` from start to exit, `NUON_BENCH_SUITE_RUNS` times (default 3), back to back: the median, with the
    spread. The venvs are built before the first run (the figure is the suite, not pip)."""
    row = Row(
        key="make_test",
        figure="`make test` wall time (ruff, mypy, pytest in 4 workers with the floor run beside)",
        unit="s",
        ours=(),
        target=Target(60.0, on="ours"),
    )
    cpu_row = Row(
        key="make_test_cpu",
        figure="`make test` CPU time (user + system of every process it starts)",
        unit="s",
        ours=(),
        target=Target(70.0, on="ours"),
    )
    if os.environ.get("NUON_BENCH_SUITE") == "0":
        record(row)
        record(cpu_row)
        return
    subprocess.run(["make", "--no-print-directory", "test-deps"], cwd=ROOT, capture_output=True, check=True)
    times: list[float] = []
    cpu: list[float] = []
    summaries: list[str] = []
    kinds: dict[str, Any] = {}
    for _ in range(int(os.environ.get("NUON_BENCH_SUITE_RUNS", "3"))):
        with tempfile.TemporaryFile("w+") as log, tempfile.TemporaryDirectory() as tmp:
            # Counted as make test-cpu counts it: every process, those that outlive their parent too, and by kind
            # where process accounting is permitted.
            figures = Path(tmp) / "figures.json"
            tool = [sys.executable, str(ROOT / "tools" / "cpu_account.py"), "--json", str(figures), "--"]
            done = subprocess.run(
                [*tool, "make", "--no-print-directory", "test"],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
            log.seek(0)
            output = log.read()
            assert done.returncode == 0, f"make test failed:\n{output[-3000:]}"
            counted = json.loads(figures.read_text())
        times.append(counted["wall"])
        cpu.append(counted["cpu"])
        kinds = counted.get("kinds", {})
        # the main run's summary line, then the floor run's
        summaries.append(" + ".join(line.strip("= ") for line in output.splitlines() if _PYTEST_SUMMARY.match(line)))
    record(
        Row(
            key=row.key,
            figure=row.figure,
            unit=row.unit,
            ours=tuple(times),
            target=row.target,
            note=f"{len(times)} runs; last: {summaries[-1]}",
        )
    )
    record(
        Row(
            key=cpu_row.key,
            figure=cpu_row.figure,
            unit=cpu_row.unit,
            ours=tuple(cpu),
            target=cpu_row.target,
            note=f"{len(cpu)} runs; steadier than wall time on a shared machine"
            + "".join(f"; {name} {k['cpu']:.0f} s" for name, k in list(kinds.items())[:4]),
        )
    )
