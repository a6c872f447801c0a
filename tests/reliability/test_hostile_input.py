"""Hostile input, per surface: every value that cannot work is refused before any request, with one of the
package's errors (an ``InvalidArgumentError``/``InvalidIdError``/``ConfigurationError``: a ``NuonError`` that is
also a ``ValueError``) naming what was wrong — or, on the CLI, exit code 3 and one ``error:`` line, no traceback.
The server's request log stays empty throughout. (``check`` through LocalEngine is in test_engine_faults.py.)
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import pulumi_nuon as nuon
from pulumi_nuon.cli.commands import main as cli_main
from pulumi_nuon.core.errors import DeployFailedError, DeployTimeoutError, NuonError
from pulumi_nuon.core.settings import resolve_settings
from pulumi_nuon.gate.wait import WaitOptions, wait_for_deploys
from pulumi_nuon.testing.simulator import SimServer, Simulator, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, nuon_id, tally
from tests.reliability.conftest import Ids, Lab

CMP, INL = "cmp01j5example0000000000a", "inl01j5example0000000000b"

BAD_IDS: list[Any] = [
    "",
    "a/b",
    "a b",
    "..",
    "x" * 200,
    "inl\u202eabc",  # right-to-left override
    "inl\u200babc",  # zero-width space
    "inl\ufeffabc",  # byte-order mark
    "inl\u2066abc",  # left-to-right isolate
    "inl\x00abc",
    "inl%2fabc",
    123,
    None,
    b"inl1",
    ["inl1"],
]
BAD_LIMITS: list[Any] = [0, -1, 1.5, math.nan, math.inf, -math.inf, "3", True, 10**9, [1]]
BAD_SECONDS: list[Any] = [0, -1, math.nan, math.inf, -math.inf, 1e308, "5", True, [1]]
BAD_RETRIES: list[Any] = [-1, 11, 10**6, 1.5, True, "2", math.nan]
BAD_URLS: list[Any] = [
    123,
    "ftp://api.nuon.co",
    "http://api.nuon.co",
    "http://10.0.0.1",
    "https://user:secret@api.nuon.co",
    "https://api.nuon.co?x=1",
    "https://api.nuon.co:99999",
    "http://[::1",
    "not a url",
]


def _client(kind: str, **kw: Any) -> Any:
    settings = {"api_token": CANARY_TOKEN, "org_id": ORG_ID, "api_url": "http://127.0.0.1:9", **kw}
    return nuon.NuonClient(**settings) if kind == "sync" else nuon.AsyncNuonClient(**settings)


def _sync_call(url: str, method: str, *args: Any, **kw: Any) -> Callable[[], Any]:
    def call() -> Any:
        with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=url) as client:
            result = getattr(client, method)(*args, **kw)
            return list(result) if method == "list_component_releases" else result

    return call


def _async_call(url: str, method: str, *args: Any, **kw: Any) -> Callable[[], Any]:
    async def run() -> Any:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=url) as client:
            if method == "list_component_releases":
                return [r async for r in client.list_component_releases(*args, **kw)]
            return await client.get_latest_deploy(*args, **kw)

    return lambda: asyncio.run(run())


def _wait(url: str, **options: Any) -> Callable[[], Any]:
    async def run() -> Any:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=url) as client:
            return await wait_for_deploys(CMP, [INL], options=WaitOptions(**options), client=client)

    return lambda: asyncio.run(run())


def _remote_wait(url: str, **options: Any) -> Callable[[], Any]:
    """A wait against a remote (non-loopback) URL: options that only loopback allows must fail before I/O."""

    async def run() -> Any:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url="https://nuon.invalid") as c:
            return await wait_for_deploys(CMP, [INL], options=WaitOptions(**options), client=c)

    return lambda: asyncio.run(run())


def cases(url: str) -> Iterator[tuple[str, str, Callable[[], Any]]]:
    for kind, call in (("sync client", _sync_call), ("async client", _async_call)):
        for bad in BAD_IDS:
            yield kind, f"install id {bad!r}", call(url, "get_latest_deploy", bad, CMP)
            yield kind, f"component id {bad!r}", call(url, "list_component_releases", bad)
        for bad in BAD_LIMITS:
            yield kind, f"limit {bad!r}", call(url, "list_component_releases", CMP, limit=bad)
        for bad in [math.nan, "1", True]:
            yield kind, f"time_limit {bad!r}", call(url, "get_latest_deploy", INL, CMP, time_limit=bad)
    for kind in ("sync", "async"):
        for bad in BAD_SECONDS:
            yield f"{kind} client", f"timeout {bad!r}", lambda b=bad, k=kind: _client(k, timeout=b)
            yield f"{kind} client", f"request_timeout {bad!r}", lambda b=bad, k=kind: _client(k, request_timeout=b)
        for bad in BAD_RETRIES:
            yield f"{kind} client", f"max_retries {bad!r}", lambda b=bad, k=kind: _client(k, max_retries=b)
        for bad in BAD_URLS:
            yield f"{kind} client", f"api_url {bad!r}", lambda b=bad, k=kind: _client(k, api_url=b)
        for name in ("org_id", "api_token"):
            for bad in (123, b"x", ["x"], ""):
                yield f"{kind} client", f"{name} {bad!r}", lambda n=name, b=bad, k=kind: _client(k, **{n: b})
    for bad in BAD_IDS:
        yield "functions", f"install id {bad!r}", lambda b=bad: nuon.get_latest_deploy(b, CMP)
        yield "functions", f"component id {bad!r}", lambda b=bad: nuon.get_component_releases(b)
    for bad in BAD_LIMITS:
        yield "functions", f"limit {bad!r}", lambda b=bad: nuon.get_component_releases(CMP, limit=b)
    for name in ("timeout_seconds", "poll_interval_seconds", "approval_timeout_seconds", "not_found_grace_seconds"):
        for bad in [math.nan, math.inf, -1, "5", True, 8 * 24 * 3600]:
            yield "wait", f"{name} {bad!r}", _wait(url, **{name: bad})
    for bad in [0, 65, 2.5, math.nan]:
        yield "wait", f"max_concurrency {bad!r}", _wait(url, max_concurrency=bad)
    for bad in [math.nan, 1.0, -0.1]:
        yield "wait", f"jitter {bad!r}", _wait(url, jitter=bad)
    for bad in [1e-9, 0.5, 0.99]:
        yield "wait", f"poll_interval_seconds {bad!r} off loopback", _remote_wait(url, poll_interval_seconds=bad)
    yield "wait", "poll interval 1e-9 on loopback", _wait(url, poll_interval_seconds=1e-9)
    for bad in BAD_IDS[:10]:
        yield "wait", f"build_id {bad!r}", _wait(url, build_id=bad)
    for source in ("env", "config"):
        for bad in ["nan", "inf", "0", "-3", "soon", "1e308", "4000"]:
            key = "NUON_REQUEST_TIMEOUT" if source == "env" else "nuon:requestTimeout"
            yield (
                "settings",
                f"{key}={bad}",
                lambda k=key, b=bad, s=source: resolve_settings(
                    CANARY_TOKEN, ORG_ID, env={k: b} if s == "env" else {}, config={k: b} if s == "config" else None
                ),
            )


CLI_CASES: list[list[str]] = [
    *[
        ["wait", "--component", CMP, INL, flag, value]
        for flag in ("--timeout", "--interval", "--approval-timeout", "--not-found-grace")
        for value in ("nan", "inf", "-1", "1e308", "soon")
    ],
    ["wait", "--component", CMP, INL, "--interval", "1e-9"],
    ["wait", "--component", CMP, INL, "--concurrency", "100"],
    ["wait", "--component", CMP, INL, "--concurrency", "2.5"],
    ["wait", "--component", "cmp\u202e1", INL],
    ["wait", "--component", CMP, "inl\u200b1"],
    ["wait", "--component", CMP, "a/b"],
    ["releases", CMP, "--limit", "1.5"],
    ["releases", CMP, "--limit", "nan"],
    ["releases", CMP, "--limit", "0"],
    ["releases", "cmp\ufeff1"],
    ["deploy", "inl 1", CMP],
    ["deploy", INL, CMP, "--request-timeout", "0"],
    ["deploy", INL, CMP, "--request-timeout", "nan"],
    ["deploy", INL, CMP, "--request-timeout", "inf"],
    ["deploy", INL, CMP, "--api-url", "http://example.com"],
    ["deploy", INL, CMP, "--api-url", "ftp://x"],
]


@pytest.fixture
def server() -> Iterator[SimServer]:
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    with sim.serve() as served:
        yield served


def test_every_surface_refuses_hostile_input_before_any_request(server: SimServer) -> None:
    wrong, count = [], 0
    for surface, what, call in cases(server.url):
        count += 1
        try:
            call()
        except NuonError as err:
            if not isinstance(err, ValueError) or not str(err).strip():
                wrong.append(f"{surface} / {what}: {type(err).__name__} is not a ValueError or has no message")
            elif CANARY_TOKEN in str(err):
                wrong.append(f"{surface} / {what}: the token in the message")
        except BaseException as err:
            wrong.append(f"{surface} / {what}: raw {type(err).__name__}: {err}")
        else:
            wrong.append(f"{surface} / {what}: accepted")
    log = server._simulator.log  # type: ignore[attr-defined]
    if len(log):
        wrong.append(f"{len(log)} request(s) reached the server: {[r.path for r in log][:5]}")
    tally("hostile input", count, len(wrong))
    assert not wrong, f"{len(wrong)} of {count}:\n" + "\n".join(wrong)


def test_the_cli_refuses_hostile_input_with_exit_3_and_no_traceback(
    server: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    wrong = []
    for argv in CLI_CASES:
        out, err = io.StringIO(), io.StringIO()
        try:
            code = cli_main(argv, stdout=out, stderr=err)
        except BaseException as exc:
            wrong.append(f"{argv}: raised {exc!r}")
            continue
        captured = capsys.readouterr()  # argparse writes usage errors to the process's stderr
        text = out.getvalue() + err.getvalue() + captured.out + captured.err
        if code != 3 or "Traceback" in text or "error:" not in text or CANARY_TOKEN in text:
            wrong.append(f"{argv}: exit {code}: {text[-300:]!r}")
    log = server._simulator.log  # type: ignore[attr-defined]
    if len(log):
        wrong.append(f"{len(log)} request(s) reached the server")
    tally("hostile input (CLI)", len(CLI_CASES), len(wrong))
    assert not wrong, "\n".join(wrong)


def test_repr_of_a_client_whose_constructor_failed_never_raises() -> None:
    client = nuon.NuonClient.__new__(nuon.NuonClient)
    assert repr(client) == "NuonClient(<not configured>)"
    aclient = nuon.AsyncNuonClient.__new__(nuon.AsyncNuonClient)
    assert repr(aclient) == "AsyncNuonClient(<not configured>)"


# --- one input path: the same hostile ids through every front end ----------------------------------------------

# URL-safe but ill-shaped: names, wrong or swapped prefixes, homoglyphs, case, length. Each is refused by the option
# table's id check (`validate_nuon_id`), whichever front end it comes through, before any request.
GOOD_INL, GOOD_CMP = nuon_id("inl", 7), nuon_id("cmp", 7)
ILL_SHAPED: list[tuple[str, str]] = [
    ("a name", "web-app"),
    ("a short id", "inl123"),
    ("a bare prefix", "inl"),
    ("upper case", GOOD_INL.upper()),
    ("one character too many", GOOD_INL + "x"),
    ("a Cyrillic і", "\u0456" + GOOD_INL[1:]),
    ("a Greek ο in the body", GOOD_INL[:10] + "\u03bf" + GOOD_INL[11:]),
    ("an underscore", GOOD_INL[:5] + "_" + GOOD_INL[6:]),
    ("a dot", GOOD_INL[:5] + "." + GOOD_INL[6:]),
]


def _front_ends(install: str, component: str) -> Iterator[tuple[str, Callable[[], bool]]]:
    """(front end, call that returns True when the input was refused) for one (install, component) pair."""
    from pulumi.provider.experimental.provider import CheckRequest, InvokeRequest

    from pulumi_nuon.dynamic.providers import ComponentReleasesProvider, DeployGateProvider, LatestDeployProvider
    from pulumi_nuon.native.provider import NuonProvider
    from pulumi_nuon.native.values import property_map

    def raises(call: Callable[[], Any]) -> Callable[[], bool]:
        def run() -> bool:
            try:
                call()
            except NuonError as err:
                return isinstance(err, ValueError)
            return False

        return run

    def cli(*argv: str) -> Callable[[], bool]:
        return lambda: cli_main(list(argv), stdout=io.StringIO(), stderr=io.StringIO()) == 3

    def native_check(kind: str, inputs: dict[str, Any]) -> Callable[[], bool]:
        urn = f"urn:pulumi:dev::hostile::nuon:index:{kind}::x"
        request = CheckRequest(urn, {}, property_map(inputs), b"")
        return lambda: bool(asyncio.run(NuonProvider().check(request)).failures)

    def native_invoke(token: str, inputs: dict[str, Any]) -> Callable[[], bool]:
        request = InvokeRequest(f"nuon:index:{token}", property_map(inputs))
        return lambda: bool(asyncio.run(NuonProvider().invoke(request)).failures)

    pair = {"install_id": install, "component_id": component}
    yield "get_latest_deploy", raises(lambda: nuon.get_latest_deploy(install, component))
    yield "CLI deploy", cli("deploy", install, component)
    yield "CLI wait", cli("wait", "--component", component, install, "--timeout", "1")
    yield "LatestDeploy (dynamic check)", lambda: bool(LatestDeployProvider().check({}, dict(pair)).failures)
    yield "DeployGate (dynamic check)", lambda: bool(DeployGateProvider().check({}, dict(pair)).failures)
    yield "LatestDeploy (native Check)", native_check("LatestDeploy", pair)
    yield "DeployGate (native Check)", native_check("DeployGate", pair)
    yield "getLatestDeploy (native Invoke)", native_invoke("getLatestDeploy", pair)
    if component != GOOD_CMP:
        yield "get_component_releases", raises(lambda: nuon.get_component_releases(component))
        yield "CLI releases", cli("releases", component)
        releases = {"component_id": component}
        yield (
            "ComponentReleases (dynamic check)",
            lambda: bool(ComponentReleasesProvider().check({}, releases).failures),
        )
        yield "ComponentReleases (native Check)", native_check("ComponentReleases", releases)
        yield "getComponentReleases (native Invoke)", native_invoke("getComponentReleases", releases)


def test_every_front_end_refuses_the_same_ill_shaped_ids_before_any_request(
    server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    pairs = [(f"install id: {what}", bad, GOOD_CMP) for what, bad in ILL_SHAPED]
    pairs += [(f"component id: {what}", GOOD_INL, bad.replace("inl", "cmp", 1)) for what, bad in ILL_SHAPED]
    pairs += [("swapped ids", GOOD_CMP, GOOD_INL), ("an install id as the component", GOOD_INL, GOOD_INL)]
    wrong, count = [], 0
    for what, install, component in pairs:
        for front_end, refused in _front_ends(install, component):
            count += 1
            try:
                if not refused():
                    wrong.append(f"{front_end} / {what}: accepted")
            except BaseException as err:
                wrong.append(f"{front_end} / {what}: raw {type(err).__name__}: {err}")
    log = server._simulator.log  # type: ignore[attr-defined]
    if len(log):
        wrong.append(f"{len(log)} request(s) reached the server: {[r.path for r in log][:5]}")
    tally("hostile input (one id path)", count, len(wrong))
    assert not wrong, f"{len(wrong)} of {count}:\n" + "\n".join(wrong)


# --- settings that cannot go on the wire ----------------------------------------------------------------------

BAD_SETTINGS: list[tuple[str, str]] = [
    ("org_id", "org\u00e9000000000000000000000"),
    ("org_id", "org 1"),
    ("org_id", "org\r\n1"),
    ("org_id", "o" * 10_000),
    ("org_id", "o" * 100_000),
    ("api_token", "t\u00f6ken-1234567890"),
    ("api_token", "token\r\nX-Evil: 1"),
    ("api_token", "t" * 50_000),
    ("api_url", "http://127.0.0.1:9\r/x"),
    ("api_url", "http://127.0.0.1:9/\nx"),
    ("api_url", "https://" + "a" * 10_000 + ".com"),
    ("api_url", "https://" + "a" * 100 + ".com"),
    ("api_url", "https://api.nuon.co/" + "p" * 5_000),
    ("api_url", "https://exa\u200bmple.com"),
    ("api_url", "https://[::1"),
]
SETTING_KEYS = {
    "org_id": ("nuon:orgId", "NUON_ORG_ID"),
    "api_token": ("nuon:apiToken", "NUON_API_TOKEN"),
    "api_url": ("nuon:apiUrl", "NUON_API_URL"),
}


def test_settings_that_cannot_go_on_the_wire_are_refused_from_every_source() -> None:
    good = {"api_token": CANARY_TOKEN, "org_id": ORG_ID, "api_url": "http://127.0.0.1:9"}
    wrong, count = [], 0
    for name, bad in BAD_SETTINGS:
        key, variable = SETTING_KEYS[name]
        calls = {
            "sync client": lambda n=name, b=bad: nuon.NuonClient(**{**good, n: b}),
            "async client": lambda n=name, b=bad: nuon.AsyncNuonClient(**{**good, n: b}),
            "stack config": lambda k=key, b=bad: resolve_settings(
                config={"nuon:apiToken": CANARY_TOKEN, "nuon:orgId": ORG_ID, **{k: b}}, env={}
            ),
            "environment": lambda v=variable, b=bad: resolve_settings(
                env={"NUON_API_TOKEN": CANARY_TOKEN, "NUON_ORG_ID": ORG_ID, v: b}
            ),
        }
        for source, call in calls.items():
            count += 1
            started = time.perf_counter()
            try:
                call()
                wrong.append(f"{source} / {name} {bad[:30]!r}: accepted")
            except NuonError as err:
                if not isinstance(err, ValueError) or len(str(err)) > 600 or CANARY_TOKEN in str(err):
                    wrong.append(f"{source} / {name} {bad[:30]!r}: {type(err).__name__}: {str(err)[:200]}")
            except BaseException as err:
                wrong.append(f"{source} / {name} {bad[:30]!r}: raw {type(err).__name__}: {str(err)[:200]}")
            if time.perf_counter() - started > 0.5:
                wrong.append(f"{source} / {name}: took {time.perf_counter() - started:.2f}s")
    tally("hostile input", count, len(wrong))
    assert not wrong, "\n".join(wrong)


SETTING_CLI_CASES: list[tuple[list[str], dict[str, str]]] = [
    (["deploy", GOOD_INL, GOOD_CMP, "--org-id", "org\u00e9"], {}),
    (["deploy", GOOD_INL, GOOD_CMP, "--org-id", "o" * 10_000], {}),
    (["deploy", GOOD_INL, GOOD_CMP], {"NUON_API_TOKEN": "t\u00f6ken-1234567890"}),
    (["deploy", GOOD_INL, GOOD_CMP], {"NUON_ORG_ID": "org\u00e9"}),
    (["deploy", GOOD_INL, GOOD_CMP, "--api-url", "http://127.0.0.1:1\r/x"], {}),
    (["deploy", GOOD_INL, GOOD_CMP, "--api-url", "https://" + "a" * 10_000 + ".com"], {}),
    (["releases", GOOD_CMP, "--api-url", "https://" + "a" * 64 + ".example"], {}),
    (["simulate", "--port", "99999"], {}),
    (["simulate", "--port", "-1"], {}),
    (["simulate", "--port", "65536"], {}),
    (["simulate", "--port", "http"], {}),
]


def test_the_cli_refuses_settings_and_ports_that_cannot_work_with_exit_3(
    server: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    wrong = []
    for argv, env in SETTING_CLI_CASES:
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            try:
                code = cli_main(argv, stdout=out, stderr=err)
            except BaseException as exc:
                wrong.append(f"{argv[:4]}: raised {type(exc).__name__}: {exc}"[:300])
                continue
        captured = capsys.readouterr()
        text = out.getvalue() + err.getvalue() + captured.out + captured.err
        if code != 3 or "Traceback" in text or "error:" not in text or len(text) > 2_000:
            wrong.append(f"{argv[:4]}: exit {code}: {text[-300:]!r}")
    log = server._simulator.log  # type: ignore[attr-defined]
    if len(log):
        wrong.append(f"{len(log)} request(s) reached the server")
    tally("hostile input (CLI)", len(SETTING_CLI_CASES), len(wrong))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("suffix", ["/v1", "/v1/", "/V1", "//v1//"])
def test_an_api_url_ending_in_v1_reads_the_same_as_without(suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pasted ``…/v1`` is the API root: the paths carry ``/v1`` themselves (issue 23, item 5)."""
    sim = Simulator(token=CANARY_TOKEN, org_id=ORG_ID)
    component = sim.add_component("app")
    install = sim.add_install("one", components=[component])
    deploy = sim.trigger_deploy(install, component)
    with sim.serve() as served:
        for name, value in served.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("NUON_API_URL", served.url + suffix)
        out = io.StringIO()
        code = cli_main(["deploy", install.id, component.id, "--api-url", served.url + suffix], stdout=out)
        read = nuon.get_latest_deploy(install.id, component.id)
        with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=served.url + suffix) as client:
            assert client.api_url == served.url
    assert code == 0 and deploy.id in out.getvalue(), out.getvalue()
    assert read.found and read.deploy_id == deploy.id


# Status values as a proxy, an older Nuon or a hand-edited record might spell them: case and surrounding whitespace
# must not change what a status means (above all, must not slip past `accept_auto_skipped=False`), and a value that
# only looks like a known one stays unknown: the gate keeps waiting, it never passes. Each expectation is written
# out here, not read from the rules table it checks.
_SPELLINGS: list[Callable[[str], str]] = [
    str.upper,
    str.title,
    lambda s: s[:1].upper() + s[1:],
    lambda s: f" {s}",
    lambda s: f"{s} ",
    lambda s: f"\t{s.upper()}\n",
]
_MEANING: dict[str, str] = {
    **dict.fromkeys(("queued", "pending", "planning", "syncing", "executing"), "waits"),
    **dict.fromkeys(("discarded", "retried"), "waits"),  # nothing newer follows in these cases
    "pending-approval": "waits",
    **dict.fromkeys(("active", "inactive", "auto-skipped"), "passes"),
    **dict.fromkeys(("error", "cancelled", "approval-denied", "noop", "unknown"), "fails"),
}
_LOOKALIKES = [
    "active\u200b",  # zero-width space inside the value, not around it
    "act ive",
    "activ",
    "active.",
    "\u0430ctive",  # Cyrillic а
    "auto_skipped",
    "autoskipped",
    "auto-skipped\u200b",
    "   ",  # spaces only: no status at all once normalised (an empty one is not an answer: see the fault matrix)
]


def status_cases() -> Iterator[tuple[str, dict[str, Any], str]]:
    """(status as Nuon reports it, wait options, what the wait must do: passes, fails or waits)."""
    for status, meaning in _MEANING.items():
        for spell in _SPELLINGS:
            yield spell(status), {}, meaning
    for spell in _SPELLINGS:
        yield spell("auto-skipped"), {"accept_auto_skipped": False}, "fails"
        yield spell("pending-approval"), {"approval_timeout_seconds": 0}, "fails"
    for lookalike in _LOOKALIKES:
        yield lookalike, {}, "waits"
        yield lookalike, {"accept_auto_skipped": False}, "waits"


def test_status_spellings_mean_what_the_status_means_and_lookalikes_stay_unknown(lab: Lab) -> None:
    cases = [
        (status, options, meaning, lab.case(timeline=Timeline.constant(status)))
        for status, options, meaning in status_cases()
    ]

    async def outcome(client: nuon.AsyncNuonClient, status: str, options: dict[str, Any], ids: Ids) -> str:
        # One real read each (the interval is the whole wait); the wait's clock is virtual, so a case that keeps
        # waiting reaches its deadline as soon as it sleeps, however slow the machine (the read keeps its own time).
        now = [0.0]

        async def sleep(seconds: float) -> None:
            now[0] += seconds
            await asyncio.sleep(0)

        wait = WaitOptions(timeout_seconds=60, poll_interval_seconds=60, jitter=0, **options)
        try:
            result = await wait_for_deploys(
                ids.component, [ids.install], options=wait, client=client, clock=lambda: now[0], sleep=sleep
            )
        except DeployFailedError:
            return "fails"
        except DeployTimeoutError as err:
            seen = err.result.installs[ids.install] if err.result else None
            answered = seen is not None and seen.deploy_id == ids.deploy and seen.last_error is None
            return "waits" if answered else f"timed out without an answer: {err}"
        return "passes" if result.passed else "ended without passing"

    async def run() -> list[str]:
        async with nuon.AsyncNuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=lab.url) as client:
            return list(await asyncio.gather(*(outcome(client, s, o, ids) for s, o, _, ids in cases)))

    seen = asyncio.run(run())
    wrong = [
        f"status {status!r} with {options or 'the defaults'}: {got}, expected {meaning}"
        for (status, options, meaning, _), got in zip(cases, seen, strict=True)
        if got != meaning
    ]
    tally("hostile input (status values)", len(cases), len(wrong))
    assert not wrong, f"{len(wrong)} of {len(cases)}:\n" + "\n".join(wrong)
