"""The canary: one token (``CANARY_TOKEN``) is used across the suite and must never be seen — in errors, reprs,
DEBUG logs, CLI output, state, outputs, the provider host's output or pickles — including when the server echoes
it back in any of seven forms (as is, JSON-escaped, split by CR/LF or NUL, base64, percent-encoded, as HTML
character references) in a 200 answer, an error body or a plain-text page.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import pickle
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dill
import pulumi
import pytest

import pulumi_nuon as nuon
from pulumi_nuon.cli.commands import main as cli_main
from pulumi_nuon.core.errors import NuonError
from pulumi_nuon.core.settings import resolve_settings
from pulumi_nuon.testing.engine import LocalEngine, Secret
from pulumi_nuon.testing.simulator import Fault, Timeline
from pulumi_nuon.testing.simulator.faults import ECHO_FORMS
from pulumi_nuon.testing.simulator.simulator import echoed
from tests.conftest import CANARY_TOKEN, ORG_ID, tally
from tests.reliability.conftest import Lab

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

    def program() -> None:
        for i, ids in enumerate(echoing):
            deploy = nuon.LatestDeploy(f"deploy-{i}", install_id=ids.install, component_id=ids.component)
            releases = nuon.ComponentReleases(f"releases-{i}", component_id=ids.component)
            read = nuon.get_latest_deploy(ids.install, ids.component)
            pulumi.export(f"deploy-{i}", deploy.status_description)
            pulumi.export(f"releases-{i}", releases.release_ids)
            pulumi.export(f"read-{i}", read.status_description)
        nuon.DeployGate("gate", component_id=failing.component, install_id=failing.install, poll_interval_seconds=0.05)

    config = {"nuon:apiUrl": lab.url, "nuon:orgId": ORG_ID, "nuon:apiToken": Secret(CANARY_TOKEN)}
    with LocalEngine(program, project="canary", stack="dev", config=config) as engine:
        result = engine.up()
        refreshed = engine.refresh()
    assert not result.success and "denied: ***" in (result.error or "")
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
    wrong = [f"{place}: {leaks(text)}" for place, text in places.items() if leaks(text)]
    tally("canary", len(places), len(wrong))
    assert not wrong, "\n".join(wrong)
