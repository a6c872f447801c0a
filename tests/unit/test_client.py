"""NuonClient and AsyncNuonClient against strict mock transports: every branch of requests, pagination, retries
and error mapping. The same behaviour over real sockets is tested against the simulator in tests/simulator/.
"""

from __future__ import annotations

import asyncio
import email.utils
from typing import Any

import httpx
import pytest

from pulumi_nuon import AsyncNuonClient, NuonClient
from pulumi_nuon.api import protocol
from pulumi_nuon.core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidArgumentError,
    InvalidIdError,
    NuonError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ReleasesNotServedError,
    ResponseValidationError,
)
from pulumi_nuon.core.ids import validate_id
from tests.conftest import CANARY_TOKEN, ORG_ID, make_strict
from tests.strict_mock import Expect, StrictTransport, json_response

CMP = "cmp01j5example0000000000a"
INL = "inl01j5example0000000000b"
RELEASES = f"/v1/components/{CMP}/releases"
LATEST = f"/v1/installs/{INL}/components/{CMP}/deploys/latest"


def rel(i: int) -> dict[str, Any]:
    return {"id": f"rel{i:023d}", "build_id": f"bld{i:023d}", "status": "active", "release_steps": []}


def page(start: int, count: int, *, next_: bool | None, limit: int = 100) -> httpx.Response:
    headers = {"X-Nuon-Page-Limit": str(limit), "X-Nuon-Page-Offset": str(start)}
    if next_ is not None:
        headers["X-Nuon-Page-Next"] = "true" if next_ else "false"
    return json_response(200, [rel(i) for i in range(start, start + count)], headers)


def q(offset: int, limit: int = 100) -> dict[str, str]:
    return {"offset": str(offset), "limit": str(limit)}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(transport: StrictTransport, sleeps: Sleeps | None = None, **kw: Any) -> NuonClient:
    return NuonClient(
        api_token=CANARY_TOKEN,
        org_id=ORG_ID,
        api_url="https://nuon.test",
        transport=transport.sync(),
        sleep=sleeps if sleeps is not None else Sleeps(),
        random=lambda: 0.0,
        **kw,
    )


# --- requests -------------------------------------------------------------------------------------------------


def test_every_request_carries_both_auth_headers_and_a_user_agent(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(200, {"id": "dpl1", "status": "active"})))
    client(t).get_latest_deploy(INL, CMP)
    headers = t.requests[0].headers
    assert headers["authorization"] == f"Bearer {CANARY_TOKEN}"
    assert headers["x-nuon-org-id"] == ORG_ID
    assert headers["user-agent"].startswith("pulumi-nuon/")
    assert str(t.requests[0].url) == f"https://nuon.test{LATEST}"


@pytest.mark.parametrize(
    "api_url",
    [
        "https://nuon.test",
        "https://nuon.test/",
        "https://nuon.test/api/v0",
        "http://127.0.0.1:8080/a/b/",
        "https://NUON.test:443",
    ],
)
@pytest.mark.parametrize("sync", [True, False])
def test_a_request_goes_to_its_path_joined_to_the_api_url_as_httpx_joins_them(api_url: str, sync: bool) -> None:
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return json_response(200, {"id": "dpl1", "status": "active"})

    path = protocol.build_path(protocol.LATEST_DEPLOY_ROUTE, install_id="a:b+c", component_id=CMP)
    expected = httpx.Client(base_url=api_url).build_request("GET", path).url
    kwargs: dict[str, Any] = {"api_token": CANARY_TOKEN, "org_id": ORG_ID, "api_url": api_url}
    for _ in range(2):  # the first read joins the URL, the second reads it from the client's cache
        if sync:
            NuonClient(transport=httpx.MockTransport(answer), **kwargs).get_latest_deploy("a:b+c", CMP)
        else:
            c = AsyncNuonClient(transport=httpx.MockTransport(answer), **kwargs)
            asyncio.run(c.get_latest_deploy("a:b+c", CMP))
    assert seen == [expected, expected] and str(expected).endswith(
        "/installs/a%3Ab%2Bc/components/" + CMP + "/deploys/latest"
    )


def test_ids_are_url_quoted(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", "/v1/components/a:b+c/releases", page(0, 0, next_=False)))
    assert list(client(t).list_component_releases("a:b+c")) == []
    assert t.requests[0].url.raw_path.startswith(b"/v1/components/a%3Ab%2Bc/releases")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty"),
        ("a/b", "not a Nuon id"),
        ("a b", "not a Nuon id"),
        ("x\n", "not a Nuon id"),
        ("..", "not a Nuon id"),
        ("a?b", "not a Nuon id"),
        ("a" * 129, "characters long"),
        (42, "must be a string"),
    ],
)
def test_bad_ids_fail_before_any_request(strict: list[StrictTransport], value: Any, fragment: str) -> None:
    t = make_strict(strict)  # no expectations: any request fails the test
    c = client(t)
    with pytest.raises(InvalidIdError, match=fragment):
        c.get_latest_deploy(value, CMP)
    with pytest.raises(InvalidIdError, match="component_id"):
        c.list_component_releases(value)  # raises at the call, not at the first next()
    assert t.requests == []


def test_invalid_id_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        validate_id("install_id", "")


# --- latest deploy --------------------------------------------------------------------------------------------


def test_latest_deploy_keeps_the_request_ids_although_nuon_sends_an_empty_install_id(
    strict: list[StrictTransport],
) -> None:
    body = {"id": "dpl1", "install_id": "", "status": "executing", "build_id": "bld1"}
    t = make_strict(strict, Expect("GET", LATEST, json_response(200, body)))
    deploy = client(t).get_latest_deploy(INL, CMP)
    assert deploy is not None
    assert (deploy.id, deploy.install_id, deploy.component_id, deploy.status) == ("dpl1", INL, CMP, "executing")


def test_latest_deploy_404_means_no_deploy(strict: list[StrictTransport]) -> None:
    t = make_strict(
        strict, Expect("GET", LATEST, json_response(404, {"error": "not found", "description": "not found"}))
    )
    assert client(t).get_latest_deploy(INL, CMP) is None


@pytest.mark.parametrize(
    ("status", "cls", "hint"),
    [
        (400, BadRequestError, "400"),
        (401, AuthenticationError, "NUON_API_TOKEN"),
        (403, PermissionDeniedError, "NUON_ORG_ID"),
        (409, ConflictError, "409"),
        (418, APIStatusError, "418"),
    ],
)
def test_error_statuses_map_to_typed_errors_with_nuons_words(
    strict: list[StrictTransport], status: int, cls: type[APIStatusError], hint: str
) -> None:
    body = {"error": "nope", "user_error": True, "description": "the details"}
    t = make_strict(strict, Expect("GET", LATEST, json_response(status, body)))
    with pytest.raises(cls) as info:
        client(t).get_latest_deploy(INL, CMP)
    err = info.value
    assert type(err) is cls
    assert (err.status_code, err.error, err.description, err.user_error) == (status, "nope", "the details", True)
    message = str(err)
    assert f"GET {LATEST}" in message and str(status) in message and "nope: the details" in message and hint in message


def test_error_body_may_be_an_html_page(strict: list[StrictTransport]) -> None:
    html = httpx.Response(
        502, text="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"content-type": "text/html"}
    )
    t = make_strict(strict, *[Expect("GET", LATEST, html)] * 3)
    with pytest.raises(InternalServerError) as info:
        client(t).get_latest_deploy(INL, CMP)
    assert "502 Bad Gateway" in str(info.value) and "text/html" in str(info.value)
    assert info.value.error is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"id": "dpl1", "status": "act', "application/json"),
        (b"<html>maintenance</html>", "text/html"),
        (b"[]", "application/json"),
        (b"null", "application/json"),
        (b"", "application/json"),
    ],
)
def test_a_2xx_body_that_is_not_a_deploy_is_a_validation_error(
    strict: list[StrictTransport], body: bytes, content_type: str
) -> None:
    """Retried like a 5xx (a truncated answer is usually a moment's trouble), then reported."""
    reply = httpx.Response(200, content=body, headers={"content-type": content_type})
    t = make_strict(strict, *[Expect("GET", LATEST, reply)] * 3)
    with pytest.raises(ResponseValidationError) as info:
        client(t).get_latest_deploy(INL, CMP)
    assert f"GET {LATEST} returned 200" in str(info.value) and info.value.__cause__ is None


def test_the_token_never_appears_in_error_messages_even_when_echoed(strict: list[StrictTransport]) -> None:
    body = {"error": f"bad token {CANARY_TOKEN}", "description": f"Bearer {CANARY_TOKEN}"}
    t = make_strict(strict, Expect("GET", LATEST, json_response(401, body)))
    with pytest.raises(AuthenticationError) as info:
        client(t).get_latest_deploy(INL, CMP)
    assert CANARY_TOKEN not in str(info.value) and CANARY_TOKEN not in repr(info.value)
    assert CANARY_TOKEN not in f"{info.value.error} {info.value.description}"
    assert "bad token ***" in str(info.value)


def test_redaction_leaves_our_own_words_alone(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(401, {"error": "unauthorized"})))
    c = NuonClient(api_token="wrong", org_id=ORG_ID, api_url="https://nuon.test", transport=t.sync())
    with pytest.raises(AuthenticationError) as info:
        c.get_latest_deploy(INL, CMP)
    assert "it is missing, wrong or expired" in str(info.value)


# --- retries --------------------------------------------------------------------------------------------------

OK = json_response(200, {"id": "dpl1", "status": "active"})


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_with_exponential_backoff(strict: list[StrictTransport], code: int) -> None:
    t = make_strict(
        strict,
        Expect("GET", LATEST, json_response(code, {})),
        Expect("GET", LATEST, json_response(code, {})),
        Expect("GET", LATEST, OK),
    )
    sleeps = Sleeps()
    assert client(t, sleeps).get_latest_deploy(INL, CMP) is not None
    assert sleeps == [0.5, 1.0]


def test_retries_give_up_after_max_retries_with_the_last_error(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, *[Expect("GET", LATEST, json_response(503, {"error": "down"}))] * 4)
    sleeps = Sleeps()
    with pytest.raises(InternalServerError, match="503"):
        client(t, sleeps, max_retries=3).get_latest_deploy(INL, CMP)
    assert sleeps == [0.5, 1.0, 2.0]


def test_max_retries_zero_means_one_attempt(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(429, {"error": "slow down"})))
    with pytest.raises(RateLimitError, match="rate limiting"):
        client(t, max_retries=0).get_latest_deploy(INL, CMP)


@pytest.mark.parametrize("code", [400, 401, 403, 409])
def test_client_errors_are_not_retried(strict: list[StrictTransport], code: int) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(code, {})))
    with pytest.raises(APIStatusError):
        client(t).get_latest_deploy(INL, CMP)


def test_retry_after_seconds_is_honoured(strict: list[StrictTransport]) -> None:
    t = make_strict(
        strict, Expect("GET", LATEST, json_response(429, {}, {"Retry-After": "3"})), Expect("GET", LATEST, OK)
    )
    sleeps = Sleeps()
    client(t, sleeps).get_latest_deploy(INL, CMP)
    assert sleeps == [3.0]


def test_retry_after_http_date_is_honoured(strict: list[StrictTransport]) -> None:
    now = 1_800_000_000.0
    when = email.utils.formatdate(now + 7, usegmt=True)
    t = make_strict(
        strict, Expect("GET", LATEST, json_response(503, {}, {"Retry-After": when})), Expect("GET", LATEST, OK)
    )
    sleeps = Sleeps()
    client(t, sleeps, clock=lambda: now).get_latest_deploy(INL, CMP)
    assert sleeps == [7.0]


def test_retry_after_beyond_the_cap_is_clamped(strict: list[StrictTransport]) -> None:
    t = make_strict(
        strict, Expect("GET", LATEST, json_response(429, {}, {"Retry-After": "3600"})), Expect("GET", LATEST, OK)
    )
    sleeps = Sleeps()
    client(t, sleeps, request_timeout=120).get_latest_deploy(INL, CMP)
    assert sleeps == [60.0]


def test_a_retry_after_beyond_the_time_left_gives_up_at_once(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(429, {}, {"Retry-After": "3600"})))
    sleeps = Sleeps()
    with pytest.raises(RateLimitError, match="Retry-After 3600 would not leave time for another attempt"):
        client(t, sleeps, request_timeout=30).get_latest_deploy(INL, CMP)
    assert sleeps == []


def test_connection_errors_are_retried_then_reported(strict: list[StrictTransport]) -> None:
    req = httpx.Request("GET", "https://nuon.test")
    t = make_strict(strict, *[Expect("GET", LATEST, httpx.ConnectError("refused", request=req))] * 3)
    with pytest.raises(APIConnectionError) as info:
        client(t).get_latest_deploy(INL, CMP)
    assert type(info.value) is APIConnectionError
    assert "could not reach https://nuon.test" in str(info.value) and "NUON_API_URL" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_timeouts_are_retried_then_reported_as_timeouts(strict: list[StrictTransport]) -> None:
    req = httpx.Request("GET", "https://nuon.test")
    t = make_strict(
        strict,
        Expect("GET", LATEST, httpx.ReadTimeout("slow", request=req)),
        Expect("GET", LATEST, httpx.ReadTimeout("slow", request=req)),
        Expect("GET", LATEST, httpx.ReadTimeout("slow", request=req)),
    )
    with pytest.raises(APITimeoutError, match="timed out"):
        client(t).get_latest_deploy(INL, CMP)


def test_a_reset_then_success_recovers(strict: list[StrictTransport]) -> None:
    req = httpx.Request("GET", "https://nuon.test")
    t = make_strict(
        strict, Expect("GET", LATEST, httpx.RemoteProtocolError("reset", request=req)), Expect("GET", LATEST, OK)
    )
    assert client(t).get_latest_deploy(INL, CMP) is not None


def test_jitter_shortens_the_backoff_by_at_most_a_quarter() -> None:
    assert protocol.backoff_delay(0, initial=0.5, maximum=8, jitter=0.0) == 0.5
    assert protocol.backoff_delay(0, initial=0.5, maximum=8, jitter=0.999) == pytest.approx(0.375, abs=1e-3)
    assert protocol.backoff_delay(10, initial=0.5, maximum=8, jitter=0.0) == 8.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("2", 2.0),
        ("0.5", 0.5),
        ("-1", 0.0),
        ("soon", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert protocol.parse_retry_after(header, now=1_800_000_000.0) == expected


def test_negative_max_retries_is_refused() -> None:
    with pytest.raises(ValueError):
        NuonClient(api_token="t", org_id="o", max_retries=-1)


# --- pagination -----------------------------------------------------------------------------------------------


def ids(releases: Any) -> list[str]:
    return [r.id for r in releases]


# (case, limit=, pages served as (offset, count, X-Nuon-Page-Next, X-Nuon-Page-Limit), query asked for each page as
# (offset, limit), releases listed). The loopback twin of this table, against the simulator's real paging, is in
# tests/simulator/test_client_over_loopback.py.
PAGINATION = [
    ("one short page", None, [(0, 3, False, 100)], [(0, 100)], 3),
    (
        "follows X-Nuon-Page-Next",
        None,
        [(0, 100, True, 100), (100, 100, True, 100), (200, 50, False, 100)],
        [(0, 100), (100, 100), (200, 100)],
        250,
    ),
    (
        "a full last page ends on next=false",
        None,
        [(0, 100, True, 100), (100, 100, False, 100)],
        [(0, 100), (100, 100)],
        200,
    ),
    ("no header: a short page ends it", None, [(0, 100, None, 100), (100, 99, None, 100)], [(0, 100), (100, 100)], 199),
    (
        "no header, a full last page: one empty page more",
        None,
        [(0, 100, None, 100), (100, 0, None, 100)],
        [(0, 100), (100, 100)],
        100,
    ),
    (
        "a server capping at 50 says so in X-Nuon-Page-Limit",
        None,
        [(0, 50, None, 50), (50, 10, None, 50)],
        [(0, 100), (50, 100)],
        60,
    ),
    (
        "a limit above the cap still asks for 100",
        500,
        [(0, 100, True, 100), (100, 100, False, 100)],
        [(0, 100), (100, 100)],
        200,
    ),
    (
        "a limit stops early and asks for no more than needed",
        150,
        [(0, 100, True, 100), (100, 50, True, 100)],
        [(0, 100), (100, 50)],
        150,
    ),
    ("a limit truncates a server that ignores it", 5, [(0, 100, True, 100)], [(0, 5)], 5),
    ("an unknown component is an empty page", None, [(0, 0, None, 100)], [(0, 100)], 0),
    ("an empty page announcing more ends the listing", None, [(0, 0, True, 100)], [(0, 100)], 0),
]


@pytest.mark.parametrize(
    ("limit", "served", "asked", "listed"), [c[1:] for c in PAGINATION], ids=[c[0] for c in PAGINATION]
)
def test_pagination(
    strict: list[StrictTransport],
    limit: int | None,
    served: list[tuple[int, int, bool | None, int]],
    asked: list[tuple[int, int]],
    listed: int,
) -> None:
    pages = [page(start, count, next_=more, limit=cap) for start, count, more, cap in served]
    t = make_strict(strict, *(Expect("GET", RELEASES, p, q(*query)) for p, query in zip(pages, asked, strict=True)))
    releases = list(client(t).list_component_releases(CMP, limit=limit))
    assert ids(releases) == [rel(i)["id"] for i in range(listed)]


@pytest.mark.parametrize("limit", [0, -1, 1.5, float("nan"), float("inf"), True, "5"])
def test_a_limit_that_is_not_a_whole_number_from_1_is_refused_before_any_request(
    strict: list[StrictTransport], limit: Any
) -> None:
    with pytest.raises(InvalidArgumentError, match="limit must be a whole number at least 1") as info:
        client(make_strict(strict)).list_component_releases(CMP, limit=limit)
    assert info.value.argument == "limit"


def test_endless_paging_is_cut_off_by_the_page_guard() -> None:
    calls = 0

    def endless(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return page(int(request.url.params["offset"]), 1, next_=True)

    c = NuonClient(api_token="t", org_id="o", api_url="https://nuon.test", transport=httpx.MockTransport(endless))
    with pytest.raises(PaginationError, match="after 1000 pages"):
        list(c.list_component_releases(CMP))
    assert calls == 1000


@pytest.mark.parametrize("code", [404, 410])
def test_releases_route_gone_is_reported_as_not_served(strict: list[StrictTransport], code: int) -> None:
    t = make_strict(
        strict, Expect("GET", RELEASES, json_response(code, {"error": "not found", "description": "not found"}))
    )
    with pytest.raises(ReleasesNotServedError, match="no longer serves component releases"):
        list(client(t).list_component_releases(CMP))


def test_a_broken_page_is_a_validation_error(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", RELEASES, httpx.Response(200, content=b'[{"id": "rel1"', headers={})))
    with pytest.raises(ResponseValidationError, match="JSON array of ComponentRelease"):
        list(client(t, max_retries=0).list_component_releases(CMP))


def test_releases_are_streamed_page_by_page(strict: list[StrictTransport]) -> None:
    t = make_strict(
        strict, Expect("GET", RELEASES, page(0, 100, next_=True)), Expect("GET", RELEASES, page(100, 1, next_=False))
    )
    it = client(t).list_component_releases(CMP)
    next(it)
    assert len(t.requests) == 1
    assert len(list(it)) == 100 and len(t.requests) == 2


# --- async twin -----------------------------------------------------------------------------------------------


def aclient(transport: StrictTransport, sleeps: list[float], **kw: Any) -> AsyncNuonClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return AsyncNuonClient(
        api_token=CANARY_TOKEN,
        org_id=ORG_ID,
        api_url="https://nuon.test",
        transport=transport.asynchronous(),
        sleep=sleep,
        random=lambda: 0.0,
        **kw,
    )


def test_async_client_pages_retries_and_maps_404(strict: list[StrictTransport]) -> None:
    t = make_strict(
        strict,
        Expect("GET", RELEASES, page(0, 100, next_=True), q(0)),
        Expect("GET", RELEASES, json_response(503, {}), q(100)),
        Expect("GET", RELEASES, page(100, 5, next_=False), q(100)),
        Expect("GET", LATEST, json_response(404, {"description": "not found"})),
        Expect("GET", LATEST, json_response(200, {"id": "dpl9", "status": "active", "install_id": ""})),
    )
    sleeps: list[float] = []

    async def run() -> tuple[int, Any, Any]:
        async with aclient(t, sleeps) as c:
            releases = [r async for r in c.list_component_releases(CMP)]
            return len(releases), await c.get_latest_deploy(INL, CMP), await c.get_latest_deploy(INL, CMP)

    count, missing, deploy = asyncio.run(run())
    assert (count, missing, deploy.id, deploy.install_id) == (105, None, "dpl9", INL)
    assert sleeps == [0.5]


def test_async_client_raises_the_same_typed_errors(strict: list[StrictTransport]) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(401, {"error": "unauthorized"})))

    async def run() -> None:
        async with aclient(t, []) as c:
            await c.get_latest_deploy(INL, CMP)

    with pytest.raises(AuthenticationError, match="unauthorized"):
        asyncio.run(run())


def test_async_bad_ids_fail_at_the_call() -> None:
    c = AsyncNuonClient(api_token="t", org_id="o")
    with pytest.raises(InvalidIdError):
        c.list_component_releases("")
    asyncio.run(c.aclose())


# --- the rest -------------------------------------------------------------------------------------------------


def test_client_repr_shows_url_and_org_but_not_the_token() -> None:
    c = NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url="https://nuon.test")
    assert repr(c) == f"NuonClient(api_url='https://nuon.test', org_id='{ORG_ID}')"
    assert CANARY_TOKEN not in repr(c.__dict__.get("_settings"))
    c.close()


def test_client_prints_nothing(strict: list[StrictTransport], capsys: pytest.CaptureFixture[str]) -> None:
    t = make_strict(strict, Expect("GET", LATEST, json_response(503, {})), Expect("GET", LATEST, OK))
    client(t).get_latest_deploy(INL, CMP)
    assert capsys.readouterr() == ("", "")


def test_every_error_is_a_nuon_error_with_a_message() -> None:
    for cls in (APIConnectionError, APITimeoutError, ResponseValidationError, PaginationError):
        err = cls("something happened", method="GET", path="/x")
        assert isinstance(err, NuonError) and str(err) == "something happened"
