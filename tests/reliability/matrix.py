"""The fault matrix as data: every fault (or fault sequence) a client can meet, on each API route, with what each
surface must end in (success, or one of the package's typed errors), within the call's deadline + `SLACK`.

A case's faults are injected for that case's own component and install only, so the whole table runs
concurrently against one loopback server. ``times`` None means the fault never stops.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi_nuon as nuon
from pulumi_nuon.cli.commands import main as cli_main
from pulumi_nuon.core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    NuonError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ReleasesNotServedError,
    ResponseTooLargeError,
    ResponseValidationError,
)
from pulumi_nuon.testing.simulator import Fault
from pulumi_nuon.testing.simulator.faults import ECHO_FORMS
from pulumi_nuon.testing.simulator.simulator import echoed
from tests.conftest import CANARY_TOKEN, ORG_ID, token_shown
from tests.reliability.conftest import Ids, Lab

Route = Literal["latest_deploy", "releases"]
ROUTES: tuple[Route, ...] = ("latest_deploy", "releases")
OK = "ok"
Expect = Any  # OK, an error class, or a tuple of them (either is right)

# The matrix's time limits: small, so a case that never gets an answer costs a few seconds. Not smaller: the
# matrix's ~600 cases share one process with their servers, and on two loaded cores (make test's own workers, load
# 5-8) a reset sometimes reached the client after a 1 s attempt had timed out, and a 3 s case ended after 4.1 s.
REQUEST_TIMEOUT = 5.0
ATTEMPT_TIMEOUT = 2.0
# How much later than its deadline a case may end: scheduling on a loaded machine. A client that ignored its
# deadline would hang for good, and one that restarted it on a retry would end a whole deadline late.
SLACK = 2.0
# The page bound while the matrix runs (ReleasePager.max_pages): the endless pages end at the guard after this many
# pages over the socket, not after the real 1,000 (100,000 releases sent and parsed, ~2.6 s of CPU), which
# tests/unit/test_client.py holds the guard to.
PAGE_BOUND = 5


@dataclass(frozen=True)
class Case:
    name: str
    faults: tuple[tuple[Fault, int | None], ...] | dict[Route, tuple[tuple[Fault, int | None], ...]]
    latest: Expect
    releases: Expect
    deadline: float = REQUEST_TIMEOUT
    words: str = ""
    """A fragment the error message must hold (a useful message says what happened)."""
    surfaces: frozenset[str] | None = None
    refused: bool = False
    routes: tuple[Route, ...] = ("latest_deploy", "releases")
    solo: bool = False
    """Heavy on CPU (64 MiB streamed): run alone, so it does not slow the timed cases around it."""

    def faults_for(self, route: Route) -> tuple[tuple[Fault, int | None], ...]:
        return self.faults[route] if isinstance(self.faults, dict) else self.faults

    def expect(self, route: Route) -> Expect:
        return self.latest if route == "latest_deploy" else self.releases


def once(fault: Fault) -> tuple[tuple[Fault, int | None], ...]:
    return ((fault, 1),)


def always(fault: Fault) -> tuple[tuple[Fault, int | None], ...]:
    return ((fault, None),)


_CLIENTS = frozenset({"sync", "async"})

CASES: list[Case] = [
    Case("no fault", (), OK, OK),
    Case("500 once", once(Fault.http_status(500)), OK, OK),
    Case("502 HTML page, always", always(Fault.html(502)), InternalServerError, InternalServerError, words="502"),
    Case("503 always", always(Fault.http_status(503)), InternalServerError, InternalServerError, words="503"),
    Case("503 Retry-After 1, once", once(Fault.http_status(503, retry_after=1)), OK, OK),
    Case(
        "503 Retry-After 3600",
        always(Fault.http_status(503, retry_after=3600)),
        InternalServerError,
        InternalServerError,
        words="Retry-After 3600",
    ),
    Case("408 once", once(Fault.timeout()), OK, OK),
    Case("408 always", always(Fault.timeout()), APIStatusError, APIStatusError, words="408"),
    Case("409", always(Fault.http_status(409)), ConflictError, ConflictError, words="409"),
    Case("410", always(Fault.http_status(410)), APIStatusError, ReleasesNotServedError, words="410"),
    Case("400", always(Fault.http_status(400)), BadRequestError, BadRequestError, words="400"),
    Case("401", always(Fault.http_status(401)), AuthenticationError, AuthenticationError, words="API token"),
    Case("403", always(Fault.http_status(403)), PermissionDeniedError, PermissionDeniedError, words="org id"),
    Case("404 from Nuon", always(Fault.http_status(404)), OK, ReleasesNotServedError),
    Case("404 HTML from a proxy", always(Fault.html(404)), APIStatusError, ReleasesNotServedError, words="404"),
    Case(
        "404 plain text",
        always(Fault.answer("404 page not found", status=404, content_type="text/plain")),
        APIStatusError,
        ReleasesNotServedError,
        words="404",
    ),
    Case("429 Retry-After 1s, once", once(Fault.rate_limit(1)), OK, OK),
    Case(
        "429 Retry-After HTTP date, once",
        once(Fault.rate_limit(1, http_date=True)),
        (OK, RateLimitError),
        (OK, RateLimitError),
    ),
    Case("429 Retry-After 3600", always(Fault.rate_limit(3600)), RateLimitError, RateLimitError, words="3600"),
    Case("429 Retry-After 1e308", always(Fault.rate_limit(1e308)), RateLimitError, RateLimitError),
    Case("429 no Retry-After, once", once(Fault.rate_limit(None)), OK, OK),
    Case(
        "connection refused",
        (),
        APIConnectionError,
        APIConnectionError,
        refused=True,
        words="could not reach",
        surfaces=frozenset({"sync", "async", "cli"}),  # functions take the URL from the environment, shared here
    ),
    Case("reset once", once(Fault.reset()), OK, OK),
    Case("reset always", always(Fault.reset()), APIConnectionError, APIConnectionError, words="without an answer"),
    Case("never answers", always(Fault.hang(30)), APITimeoutError, APITimeoutError, words="timed out"),
    # The functions and the CLI keep the default attempt timeout, capped by the request timeout: one hang takes it all.
    Case("never answers, once", once(Fault.hang(30)), OK, OK, surfaces=_CLIENTS),
    Case(
        "body at 1 byte/s",
        always(Fault.trickle(chunk_size=1, seconds_per_chunk=1.0)),
        APITimeoutError,
        APITimeoutError,
        words="body",
    ),
    Case("body trickled fast", always(Fault.trickle(chunk_size=512, seconds_per_chunk=0.001)), OK, OK),
    Case("reset mid-body", always(Fault.cut()), APIConnectionError, APIConnectionError, words="broke off"),
    Case("reset mid-body, once", once(Fault.cut()), OK, OK),
    Case("truncated JSON, once", once(Fault.truncated_json()), OK, OK),
    Case("truncated JSON", always(Fault.truncated_json()), ResponseValidationError, ResponseValidationError),
    Case("HTML 200", always(Fault.html(200)), ResponseValidationError, ResponseValidationError, words="text/html"),
    Case(
        "gzip header, plain body",
        always(Fault.gzip_lie()),
        ResponseValidationError,
        ResponseValidationError,
        words="decoded",
    ),
    Case("gzip header, plain body, once", once(Fault.gzip_lie()), OK, OK),
    Case("{} as the answer", always(Fault.answer("{}")), ResponseValidationError, ResponseValidationError),
    Case("[] as the answer", always(Fault.answer("[]")), ResponseValidationError, OK),
    Case(
        "a top-level field of the wrong type",
        {
            "latest_deploy": always(Fault.answer('{"id": "dpl1", "status": 5}')),
            "releases": always(Fault.answer('[{"id": 5, "build_id": "bld1"}]')),
        },
        ResponseValidationError,
        ResponseValidationError,
        words="should be",
    ),
    Case(
        "a deploy without a status",
        always(Fault.answer('{"id": "dpl1"}')),
        ResponseValidationError,
        OK,
        routes=("latest_deploy",),
    ),
    Case("empty 200", always(Fault.answer("")), ResponseValidationError, ResponseValidationError, words="empty"),
    Case("null", always(Fault.answer("null")), ResponseValidationError, ResponseValidationError),
    Case(
        "not JSON at all",
        always(Fault.answer("\x00\xff garbage", content_type="application/octet-stream")),
        ResponseValidationError,
        ResponseValidationError,
    ),
    Case("huge body, declared", always(Fault.huge()), ResponseTooLargeError, ResponseTooLargeError, words="bytes"),
    Case(
        "huge body, not declared",
        always(Fault.huge(declared=False)),
        ResponseTooLargeError,
        ResponseTooLargeError,
        routes=("latest_deploy",),
        solo=True,
    ),
    Case(
        "endless pages",
        always(Fault.endless_pages()),
        OK,
        PaginationError,
        words=f"after {PAGE_BOUND} pages",
        surfaces=frozenset({"sync"}),
        routes=("releases",),
    ),
    Case(
        "the same page again and again",
        always(Fault.repeat_page()),
        OK,
        PaginationError,
        words="repeats",
        routes=("releases",),
    ),
    Case("latency 0.2s", always(Fault.latency(0.2)), OK, OK),
    Case("latency beyond one attempt, once", once(Fault.latency(1.3)), OK, OK),
]
CASES += [
    Case(
        "a deploy of another install",
        always(Fault.answer('{"id": "dpl1", "status": "active", "install_id": "inlsomeoneelse000000000000"}')),
        ResponseValidationError,
        OK,
        routes=("latest_deploy",),
        words="not the",
    ),
    Case(
        "a deploy of another component",
        always(Fault.answer('{"id": "dpl1", "status": "active", "component_id": "cmpsomeoneelse000000000000"}')),
        ResponseValidationError,
        OK,
        routes=("latest_deploy",),
        words="not the",
    ),
    # The sync client reads on a worker with a hard deadline: trickled headers end in a timeout on every surface.
    Case(
        "headers trickled a byte at a time",
        always(Fault.trickle_headers(seconds_per_byte=0.4)),  # within every read timeout, few wakeups
        APITimeoutError,
        APITimeoutError,
        words="in time",
    ),
]
# The split forms of round 3 (folded, zero-width, "+" for "-", named references) on the two clients: what the
# functions and the CLI show of them is the canary's (test_canary.py runs every form on every surface).
_SPLIT_FORMS = ("folded", "zero_width", "plus_for_dash", "html_named")
for _form in ECHO_FORMS:
    _on = _CLIENTS if _form in _SPLIT_FORMS else None
    CASES += [
        Case(f"token echoed ({_form}) in a 200", always(Fault.echo(_form)), OK, OK, surfaces=_on),
        Case(
            f"token echoed ({_form}) in a 401",
            always(Fault.echo(_form, status=401)),
            AuthenticationError,
            AuthenticationError,
            surfaces=_on,
        ),
        Case(
            f"token echoed ({_form}) as plain text",
            always(Fault.echo(_form, status=0)),
            ResponseValidationError,
            ResponseValidationError,
            surfaces=_on,
        ),
    ]


# --- surfaces -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How one case ended on one surface."""

    value: Any = None
    error: BaseException | None = None
    text: str = ""
    """Everything the surface showed (result, message, CLI output), for the canary check."""
    elapsed: float = 0.0
    code: int | None = None


def _client_kwargs(url: str) -> dict[str, Any]:
    return {
        "api_token": CANARY_TOKEN,
        "org_id": ORG_ID,
        "api_url": url,
        "request_timeout": REQUEST_TIMEOUT,
        "timeout": ATTEMPT_TIMEOUT,
    }


def _sync(url: str, ids: Ids, route: Route) -> Any:
    with nuon.NuonClient(**_client_kwargs(url)) as client:
        if route == "releases":
            return list(client.list_component_releases(ids.component))
        return client.get_latest_deploy(ids.install, ids.component)


def _async(url: str, ids: Ids, route: Route) -> Any:
    async def run() -> Any:
        async with nuon.AsyncNuonClient(**_client_kwargs(url)) as client:
            if route == "releases":
                return [r async for r in client.list_component_releases(ids.component)]
            return await client.get_latest_deploy(ids.install, ids.component)

    return asyncio.run(run())


def _functions(url: str, ids: Ids, route: Route) -> Any:
    # Settings from the environment (NUON_API_URL, NUON_REQUEST_TIMEOUT, ...), as in a program without config;
    # a refused case points nuon:apiUrl elsewhere through the function's own settings path: the environment.
    if route == "releases":
        return nuon.get_component_releases(ids.component)
    return nuon.get_latest_deploy(ids.install, ids.component)


def _cli(url: str, ids: Ids, route: Route) -> Any:
    out, err = io.StringIO(), io.StringIO()
    args = ["releases", ids.component] if route == "releases" else ["deploy", ids.install, ids.component]
    code = cli_main([*args, "--api-url", url, "--request-timeout", str(REQUEST_TIMEOUT)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


SURFACES: dict[str, Callable[[str, Ids, Route], Any]] = {
    "sync": _sync,
    "async": _async,
    "functions": _functions,
    "cli": _cli,
}


def applies(case: Case, surface: str, route: Route) -> bool:
    return route in case.routes and (case.surfaces is None or surface in case.surfaces)


def run_case(lab: Lab, surface: str, case: Case, route: Route) -> Outcome:
    """Set the case up (its own component and install, its faults), run it on ``surface``, time it."""
    ids = lab.case()
    for fault, times in case.faults_for(route):
        lab.sim.inject(fault, route=route, times=times, path=ids.component)
    url = lab.refused_url if case.refused else lab.url
    outcome = Outcome()
    started = time.monotonic()
    try:
        value = SURFACES[surface](url, ids, route)
        outcome.value = value
        if surface == "cli":
            outcome.code, out, err = value
            outcome.text = out + err
        else:
            outcome.text = _shown(value)
    except BaseException as exc:  # the matrix records anything: a raw exception is a finding
        outcome.error = exc
        outcome.text = f"{exc}\n{exc!r}"
    outcome.elapsed = time.monotonic() - started
    return outcome


def _shown(value: Any) -> str:
    """Everything a result shows: its repr, and its models and mappings as JSON."""
    parts = [repr(value)]
    items = value if isinstance(value, list) else [value]
    for item in items:
        if hasattr(item, "model_dump_json"):
            parts.append(item.model_dump_json())
        elif isinstance(item, Mapping):
            parts.append(json.dumps(dict(item), default=str))
            for model in (getattr(item, "deploy", None), *getattr(item, "releases", [])):
                if model is not None:
                    parts.append(model.model_dump_json())
    return "\n".join(parts)


def problems(surface: str, case: Case, route: Route, outcome: Outcome) -> list[str]:
    """What is wrong with how the case ended (empty: right)."""
    wrong: list[str] = []
    expect = case.expect(route)
    allowed = expect if isinstance(expect, tuple) else (expect,)
    if outcome.elapsed > case.deadline + SLACK:
        wrong.append(f"took {outcome.elapsed:.1f}s, deadline {case.deadline:g}s + {SLACK:g}s")
    if surface == "cli":
        code = outcome.code
        right = (OK in allowed and code == 0) or (any(e != OK for e in allowed) and code == 3)
        if outcome.error is not None or not right:
            wrong.append(f"exit {code} / {outcome.error!r}, expected {allowed}")
        if "Traceback" in outcome.text:
            wrong.append("a traceback was printed")
        if code == 3 and case.words and case.words not in outcome.text:
            wrong.append(f"message lacks {case.words!r}: {outcome.text[:300]}")
    else:
        error = outcome.error
        if error is None:
            if OK not in allowed:
                wrong.append(f"succeeded, expected {allowed}")
        elif not isinstance(error, NuonError):
            wrong.append(f"raw exception {error!r}")
        else:
            classes = tuple(e for e in allowed if e != OK)
            # An expected plain APIStatusError (a proxy's 404, a 410 on deploys) must not be a NotFoundError: that
            # is what reads as "no deploy yet".
            misread = APIStatusError in classes and isinstance(error, NotFoundError)
            if not classes or not isinstance(error, classes) or misread:
                wrong.append(f"raised {type(error).__name__}: {error}, expected {allowed}")
            if not str(error).strip():
                wrong.append("empty message")
            if case.words and case.words not in str(error):
                wrong.append(f"message lacks {case.words!r}: {str(error)[:300]}")
    for form in ECHO_FORMS:
        if echoed(CANARY_TOKEN, form) in outcome.text:
            wrong.append(f"the token shows ({form})")
    if token_shown(outcome.text):
        wrong.append("the token (or half of it) shows once escapes, spaces and invisible characters are undone")
    return wrong


CaseRun = tuple[str, Case, Route]


def matrix(surfaces: list[str]) -> list[CaseRun]:
    return [(s, c, r) for s in surfaces for c in CASES for r in ROUTES if applies(c, s, r)]
