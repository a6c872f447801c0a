"""The plugin under requests no engine that ran ``Check`` would send: ``Create`` with inputs that never passed
``Check``, ``Update`` from a state of the wrong shape, ``CheckConfig`` and ``Configure`` with values of the wrong
type or out of bounds. Each ends in a clean message naming the property (never "internal error … please report
it"), and a bad provider setting is never silently replaced by the default."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID, Org, tally
from tests.native.plugin import Plugin, Secret, to_struct

PROVIDER_URN = "urn:pulumi:dev::test::pulumi:providers:nuon::default"


def _bug(text: str) -> bool:
    return "internal error" in text or "please report" in text or "Traceback" in text


def test_create_and_update_check_what_check_would_have(org: Org, plugin: Plugin) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("active"))
    app, prod = org.app.id, org.prod.id
    fast = {"pollIntervalSeconds": 0.01, "timeoutSeconds": 5}
    creates: list[tuple[str, dict[str, Any], str]] = [
        ("LatestDeploy", {"installId": 42, "componentId": app}, "installId"),
        ("LatestDeploy", {"componentId": app}, "installId"),
        ("LatestDeploy", {"installId": "web-app", "componentId": app}, "installId"),
        ("ComponentReleases", {"componentId": prod}, "componentId"),
        ("ComponentReleases", {"componentId": app, "limit": -1}, "limit"),
        ("ComponentReleases", {"componentId": app, "limit": "all"}, "limit"),
        ("DeployGate", {"componentId": app, **fast}, "installId"),
        ("DeployGate", {"componentId": app, "installIds": prod, **fast}, "installIds"),
        ("DeployGate", {"componentId": app, "installId": prod, "timeoutSeconds": "soon"}, "timeoutSeconds"),
        ("DeployGate", {"componentId": app, "installId": prod, "pollIntervalSeconds": -1}, "pollIntervalSeconds"),
        ("DeployGate", {"componentId": [app], "installId": prod, **fast}, "componentId"),
    ]
    wrong = []
    for type_, inputs, name in creates:
        try:
            response = plugin.stub.Create(
                provider_pb2.CreateRequest(urn=plugin.urn(type_, "raw"), properties=to_struct(inputs))
            )
            wrong.append(f"Create {type_} {inputs}: accepted ({response.id})")
        except grpc.RpcError as err:
            text = err.details() or ""
            if _bug(text) or name not in text:
                wrong.append(f"Create {type_} {inputs}: {text[:300]!r}")
    gate = {"componentId": app, "installId": prod, **fast}
    updates: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("DeployGate", {"deployIds": "dpl1", "statuses": 5, "passedAt": 3, "installIds": "x", "triggers": {}}, gate),
        ("DeployGate", {"deployIds": {prod: 5}, "passedAt": "2024-01-01T00:00:00Z", "buildId": 7}, gate),
        ("LatestDeploy", {"installId": 5, "componentId": [], "found": "yes"}, {"installId": prod, "componentId": app}),
        ("ComponentReleases", {"limit": "ten", "releaseIds": 3}, {"componentId": app}),
    ]
    for type_, olds, news in updates:
        outcome = plugin.update(type_, "raw", olds, news)
        if not outcome.ok:
            wrong.append(f"Update {type_} from {olds}: {outcome.error[:300]!r}")
    count = len(creates) + len(updates)
    tally("native (raw requests)", count, len(wrong))
    assert not wrong, "\n".join(wrong)


BAD_CONFIG: list[tuple[str, Any]] = [
    ("apiUrl", 42),
    ("apiUrl", True),
    ("apiUrl", "ftp://nuon.example"),
    ("apiUrl", f"https://api.nuon.co/?t={CANARY_TOKEN}"),
    ("apiUrl", "https://" + "a" * 300 + ".com"),
    ("requestTimeout", "soon"),
    ("requestTimeout", -1),
    ("requestTimeout", 0),
    ("requestTimeout", 1e9),
    ("orgId", 5),
    ("orgId", "org\u00e9"),
    ("orgId", "o" * 10_000),
    ("apiToken", Secret("t\u00f6ken-with-umlaut")),
    ("apiToken", Secret("x" * 50_000)),
]


def test_check_config_refuses_each_bad_setting_by_its_name_without_quoting_the_token(plugin: Plugin) -> None:
    wrong = []
    for name, value in BAD_CONFIG:
        config = {"apiToken": Secret(CANARY_TOKEN), "orgId": ORG_ID, name: value}
        checked = plugin.stub.CheckConfig(provider_pb2.CheckRequest(urn=PROVIDER_URN, news=to_struct(config)))
        reasons = {f.property: f.reason for f in checked.failures}
        if list(reasons) != [name] or _bug(reasons[name]) or CANARY_TOKEN in reasons[name] or len(reasons[name]) > 600:
            wrong.append(f"{name}={str(value)[:40]!r}: {str(reasons)[:300]}")
    tally("native (raw requests)", len(BAD_CONFIG), len(wrong))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("name", "value"), [("apiUrl", 42), ("requestTimeout", "soon"), ("orgId", ["a"])])
def test_configure_with_a_wrong_typed_setting_fails_rather_than_falling_back(
    org: Org, plugin: Plugin, name: str, value: Any
) -> None:
    args = {"apiUrl": org.url, "orgId": ORG_ID, "apiToken": Secret(CANARY_TOKEN), name: value}
    with pytest.raises(grpc.RpcError) as info:
        plugin.stub.Configure(provider_pb2.ConfigureRequest(args=to_struct(args), acceptSecrets=True))
    text = info.value.details() or ""
    tally("native (raw requests)", 1, int(_bug(text) or name not in text or CANARY_TOKEN in text))
    assert not _bug(text) and name in text and CANARY_TOKEN not in text, text
