"""The canary: one token (``CANARY_TOKEN``) is used across the suite and must never be seen — in errors, reprs,
DEBUG logs, CLI output, state, outputs, the provider host's output or pickles — including when the server echoes
it back in any of seven forms (as is, JSON-escaped, split by CR/LF or NUL, base64, percent-encoded, as HTML
character references) in a 200 answer, an error body or a plain-text page.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import pickle
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dill
import pulumi
import pytest

import pulumi_nuon as nuon
from nuon_localengine import LocalEngine, Secret
from pulumi_nuon.cli.commands import main as cli_main
from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import ConfigurationError, NuonError
from pulumi_nuon.core.redaction import redact
from pulumi_nuon.core.settings import resolve_settings
from pulumi_nuon.testing.simulator import Fault, Timeline
from pulumi_nuon.testing.simulator.faults import ECHO_FORMS, ECHO_HEADERS, HEADER_FORMS
from pulumi_nuon.testing.simulator.simulator import echoed
from tests.conftest import CANARY_TOKEN, ORG_ID, tally, token_shown
from tests.reliability.conftest import Ids, Lab

FORMS = [echoed(CANARY_TOKEN, form) for form in ECHO_FORMS]


def leaks(text: str) -> list[str]:
    """The forms of the token found in ``text`` (none: clean)."""
    return [form for form, shown in zip(ECHO_FORMS, FORMS, strict=True) if shown in text]


def _shown(value: Any) -> str:
    parts = [str(value), repr(value)]
    with contextlib.suppress(Exception):  # not every value pickles; what does must be clean
        parts.append(pickle.dumps(value).decode("latin-1"))
    if hasattr(value, "model_dump_json"):
        parts.append(value.model_dump_json())
    if isinstance(value, list):
        parts += [_shown(v) for v in value]
    return "\n".join(parts)


def test_the_token_never_shows_in_errors_reprs_pickles_or_debug_logs(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx's, httpcore's
    places: dict[str, str] = {}
    for form in ECHO_FORMS:
        for status in (200, 401, 500, 0):
            ids = lab.case()
            lab.sim.inject(Fault.echo(form, status=status), path=ids.component)
            with nuon.NuonClient(
                api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=lab.url, request_timeout=5, max_retries=0
            ) as client:
                places[f"client repr ({form})"] = repr(client)
                for what, call in (
                    ("deploy", lambda c=client, i=ids: c.get_latest_deploy(i.install, i.component)),
                    ("releases", lambda c=client, i=ids: list(c.list_component_releases(i.component))),
                ):
                    try:
                        places[f"{what} {status} {form}: result"] = _shown(call())
                    except NuonError as err:
                        places[f"{what} {status} {form}: error"] = _shown(err) + _shown(err.args)
    # A nested part of the wrong type that holds the token: dropped, and logged at DEBUG without its value.
    ids = lab.case()
    body = {"id": "dpl1", "status": "active", "component_build": {"status": {"secret": CANARY_TOKEN}}}
    lab.sim.inject(Fault.answer(json.dumps(body)), path=ids.component)
    with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=lab.url) as client:
        places["dropped part: result"] = _shown(client.get_latest_deploy(ids.install, ids.component))
    settings = resolve_settings(CANARY_TOKEN, ORG_ID, lab.url)
    places["settings repr"] = repr(settings) + str(settings)
    places["DEBUG log"] = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "ignored parts of a InstallDeploy" in caplog.text or "ignored parts" in caplog.text
    wrong = [f"{place}: {leaks(text)}" for place, text in places.items() if leaks(text)]
    tally("canary", len(places), len(wrong))
    assert not wrong, "\n".join(wrong)


def test_the_token_never_shows_in_cli_output(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    runs = []
    for form in ECHO_FORMS:
        for status in (200, 401, 0):
            ids = lab.case()
            lab.sim.inject(Fault.echo(form, status=status), path=ids.component)
            runs += [
                (f"{argv[0]}{' --json' if '--json' in argv else ''} {status} {form}", argv)
                for argv in (
                    ["deploy", ids.install, ids.component],
                    ["deploy", ids.install, ids.component, "--json"],
                    ["releases", ids.component, "--json"],
                )
            ]

    def run(argv: list[str]) -> str:
        out, err = io.StringIO(), io.StringIO()
        cli_main(argv, stdout=out, stderr=err)
        return out.getvalue() + err.getvalue()

    with ThreadPoolExecutor(16) as pool:  # answers that are retried wait between attempts: overlap the waits
        places = dict(zip([name for name, _ in runs], pool.map(run, [argv for _, argv in runs]), strict=True))
    # A deploy that fails with Nuon's description holding the token: the wait's verdict quotes Nuon's words.
    ids = lab.case(timeline=Timeline.of((0, "error", f"helm failed for {CANARY_TOKEN}")))
    out, err = io.StringIO(), io.StringIO()
    code = cli_main(["wait", "--component", ids.component, ids.install, "--interval", "0.05"], stdout=out, stderr=err)
    places["wait (failed deploy)"] = out.getvalue() + err.getvalue()
    assert code == 1 and "helm failed for ***" in places["wait (failed deploy)"]
    wrong = [f"{place}: {leaks(text)}" for place, text in places.items() if leaks(text)]
    tally("canary", len(places), len(wrong))
    assert not wrong, "\n".join(wrong)


@pytest.mark.timeout(90)
def test_the_token_never_shows_in_state_outputs_host_output_or_pickles(lab: Lab) -> None:
    failing = lab.case(timeline=Timeline.of((0, "error", f"denied: {CANARY_TOKEN}")))
    echoing = [lab.case() for _ in ECHO_FORMS]
    for ids, form in zip(echoing, ECHO_FORMS, strict=True):
        lab.sim.inject(Fault.echo(form), path=ids.component)
    # A reason phrase carrying the token, in three forms: the dynamic provider's error and the host's stderr.
    headers = [lab.case() for _ in range(3)]
    for ids, form in zip(headers, ("raw", "plus_for_dash", "html_named"), strict=True):
        lab.sim.inject(Fault.echo_header("reason", form), path=ids.component)

    def program() -> None:
        for i, ids in enumerate(echoing):
            deploy = nuon.LatestDeploy(f"deploy-{i}", install_id=ids.install, component_id=ids.component)
            releases = nuon.ComponentReleases(f"releases-{i}", component_id=ids.component)
            read = nuon.get_latest_deploy(ids.install, ids.component)
            pulumi.export(f"deploy-{i}", deploy.status_description)
            pulumi.export(f"releases-{i}", releases.release_ids)
            pulumi.export(f"read-{i}", read.status_description)
        nuon.DeployGate("gate", component_id=failing.component, install_id=failing.install, poll_interval_seconds=0.05)
        for i, ids in enumerate(headers):
            nuon.LatestDeploy(f"header-{i}", install_id=ids.install, component_id=ids.component)

    config = {"nuon:apiUrl": lab.url, "nuon:orgId": ORG_ID, "nuon:apiToken": Secret(CANARY_TOKEN)}
    with LocalEngine(program, project="canary", stack="dev", config=config) as engine:
        result = engine.up()
        refreshed = engine.refresh()
    assert not result.success and "denied: ***" in (result.error or "")
    assert "401 Denied ***" in (result.error or "")
    pickles = [
        base64.b64decode(r["inputs"]["__provider"]).decode("latin-1")
        for r in result.state["resources"]
        if "__provider" in r.get("inputs", {})
    ]
    assert pickles and all(dill.loads(p.encode("latin-1")) for p in pickles)
    places = {
        "state": json.dumps(result.state),
        "outputs": json.dumps(result.outputs),
        "error": result.error or "",
        "host stderr": result.host_stderr,
        "host stdout": result.host_stdout,
        "provider pickles": "\n".join(pickles),
        "state after refresh": json.dumps(refreshed.state),
        "refresh host output": refreshed.host_stderr + refreshed.host_stdout + (refreshed.error or ""),
    }
    wrong = [f"{place}: {_leaks(text)}" for place, text in places.items() if _leaks(text)]
    tally("canary", len(places), len(wrong))
    assert not wrong, "\n".join(wrong)


def _leaks(text: str) -> list[str]:
    return leaks(text) + (["undone escapes or halves"] if token_shown(text) else [])


def test_the_token_never_shows_when_echoed_in_headers_in_errors_cli_output_or_http_logs(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Reason phrases, Content-Type, Retry-After and Server headers that carry the token in any form a header can
    (folded, escaped, entities, ``+`` for ``-``): the sync and async clients' errors, the functions', the CLI's
    output and httpx's and httpcore's log records (INFO request lines, DEBUG headers) stay clean."""
    caplog.set_level(logging.DEBUG)
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    places: dict[str, str] = {}
    runs = []
    for header in ECHO_HEADERS:
        for form in HEADER_FORMS[header]:
            ids = lab.case()
            lab.sim.inject(
                Fault.echo_header(header, form, status=503 if header == "retry-after" else 401), path=ids.component
            )
            runs.append((f"{header} {form}", ids))

    def run(ids: Ids) -> str:
        shown = []
        with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=lab.url, request_timeout=3) as client:
            for call in (
                lambda: client.get_latest_deploy(ids.install, ids.component),
                lambda: list(client.list_component_releases(ids.component)),
            ):
                try:
                    shown.append(_shown(call()))
                except NuonError as err:
                    shown.append(_shown(err) + _shown(err.args))

        async def read() -> str:
            async with nuon.AsyncNuonClient(
                api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=lab.url, request_timeout=3
            ) as client:
                try:
                    return _shown(await client.get_latest_deploy(ids.install, ids.component))
                except NuonError as err:
                    return _shown(err) + _shown(err.args)

        shown.append(asyncio.run(read()))
        try:
            shown.append(_shown(nuon.get_component_releases(ids.component)))
        except NuonError as err:
            shown.append(_shown(err))
        out, err = io.StringIO(), io.StringIO()
        cli_main(["deploy", ids.install, ids.component, "--request-timeout", "3"], stdout=out, stderr=err)
        return "\n".join([*shown, out.getvalue(), err.getvalue()])

    with ThreadPoolExecutor(16) as pool:
        places.update(zip([name for name, _ in runs], pool.map(run, [ids for _, ids in runs]), strict=True))
    places["httpx and httpcore log records"] = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert any(r.name == "httpx" for r in caplog.records)  # the INFO request lines were there to be checked
    wrong = [f"{place}: {_leaks(text)}" for place, text in places.items() if _leaks(text)]
    tally("canary", len(places), len(wrong))
    assert not wrong, "\n".join(wrong)


URLS_WITH_THE_TOKEN = [
    f"https://api.nuon.co/?token={CANARY_TOKEN}",
    f"https://api.nuon.co/{CANARY_TOKEN}",
    f"https://api.nuon.co/v1/{CANARY_TOKEN}/",
    f"https://{CANARY_TOKEN}@api.nuon.co",
    f"https://nuon:{CANARY_TOKEN}@api.nuon.co",
    f"https://api.nuon.co#{CANARY_TOKEN}",
    f"http://api.nuon.co/{CANARY_TOKEN}",
    f"https://api.nuon.co:99999/{CANARY_TOKEN}",
    f"https://api.nuon.co/{CANARY_TOKEN}\r",
]


def test_a_token_pasted_into_the_api_url_is_refused_without_quoting_it(monkeypatch: pytest.MonkeyPatch) -> None:
    places: dict[str, str] = {}
    for url in URLS_WITH_THE_TOKEN:
        for source in ("argument", "config", "env"):
            try:
                if source == "argument":
                    resolve_settings(CANARY_TOKEN, ORG_ID, url, env={})
                elif source == "config":
                    resolve_settings(config={"nuon:apiToken": CANARY_TOKEN, "nuon:orgId": ORG_ID, "nuon:apiUrl": url})
                else:
                    resolve_settings(env={"NUON_API_TOKEN": CANARY_TOKEN, "NUON_ORG_ID": ORG_ID, "NUON_API_URL": url})
                places[f"{source} {url!r}"] = "accepted"
            except NuonError as err:
                places[f"{source} {url!r}"] = _shown(err)
        monkeypatch.setenv("NUON_API_TOKEN", CANARY_TOKEN)
        out, err = io.StringIO(), io.StringIO()
        code = cli_main(
            ["deploy", "inl" + "0" * 23, "cmp" + "0" * 23, "--org-id", ORG_ID, "--api-url", url], stdout=out, stderr=err
        )
        places[f"CLI {url!r}"] = out.getvalue() + err.getvalue() + ("" if code == 3 else f"exit {code}")
    wrong = [
        f"{place}: {text[:200]!r}"
        for place, text in places.items()
        if text == "accepted" or "exit" in text[-8:] or _leaks(text)
    ]
    tally("canary", len(places), len(wrong))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("length", [100, 4096])
def test_a_long_token_is_read_with_and_redacted_in_linear_time(lab: Lab, length: int) -> None:
    token = ("long-token-" * (length // 11 + 1))[:length]
    ids = lab.case()
    started = time.perf_counter()
    client = nuon.NuonClient(api_token=token, org_id=ORG_ID, api_url=lab.url, max_retries=0)
    with client, pytest.raises(NuonError) as info:  # the simulator does not know this token: 401
        client.get_latest_deploy(ids.install, ids.component)
    elapsed = time.perf_counter() - started
    echoed_text = redact(f"the server said {token} and {'  '.join(token)}", token)
    wrong = [f"{length}: took {elapsed:.2f}s"] if elapsed > 2.0 else []
    if token_shown(str(info.value), token) or token_shown(echoed_text, token):
        wrong.append(f"{length}: the token shows")
    tally("canary", 1, len(wrong))
    assert not wrong, wrong


@pytest.mark.parametrize("length", [C.MAX_TOKEN_LENGTH + 1, 50_000, 1_000_000])
def test_an_over_long_token_is_refused_at_once_without_quoting_it(length: int) -> None:
    token = "t" * length
    started = time.perf_counter()
    with pytest.raises(ConfigurationError) as info:
        nuon.NuonClient(api_token=token, org_id=ORG_ID, api_url="https://api.nuon.co")
    elapsed = time.perf_counter() - started
    wrong = [f"took {elapsed:.2f}s"] if elapsed > 0.5 else []
    if "t" * 100 in str(info.value) or f"at most {C.MAX_TOKEN_LENGTH:,}" not in str(info.value):
        wrong.append(f"message: {str(info.value)[:200]}")
    tally("canary", 1, len(wrong))
    assert not wrong, wrong


class _Proxy:
    """A listener standing in for a proxy: records whatever reaches it and answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.seen: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    self.seen.append(conn.recv(65536))


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_no_proxy_sees_the_token_whatever_the_case_of_the_loopback_url(
    lab: Lab, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """``HTTP://127.0.0.1`` is the loopback URL ``http://127.0.0.1``: settings normalise it, so the client's
    no-proxy rule for plain http (loopback only) holds for every spelling."""
    proxy = _Proxy()
    ids = lab.case()
    port = lab.url.rsplit(":", 1)[1]
    wrong, count = [], 0
    try:
        for variable in ("HTTP_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            for scheme in ("HTTP", "Http", "hTtP"):
                count += 1
                with monkeypatch.context() as env:
                    env.setenv(variable, proxy.url)
                    url = f"{scheme}://127.0.0.1:{port}/"
                    settings = {"api_token": CANARY_TOKEN, "org_id": ORG_ID, "api_url": url, "request_timeout": 3}
                    try:
                        if kind == "sync":
                            with nuon.NuonClient(**settings) as client:
                                found = client.get_latest_deploy(ids.install, ids.component)
                        else:

                            async def read(s: dict[str, Any] = settings) -> Any:
                                async with nuon.AsyncNuonClient(**s) as client:
                                    return await client.get_latest_deploy(ids.install, ids.component)

                            found = asyncio.run(read())
                        if found is None or found.id != ids.deploy:
                            wrong.append(f"{variable} {url}: read {found!r}")
                    except NuonError as err:
                        wrong.append(f"{variable} {url}: {type(err).__name__}: {err}")
        if proxy.seen:
            carried = any(CANARY_TOKEN.encode() in s for s in proxy.seen)
            wrong.append(f"the proxy saw {len(proxy.seen)} request(s), token included: {carried}")
    finally:
        proxy.sock.close()
    tally("canary", count, len(wrong))
    assert not wrong, "\n".join(wrong)
