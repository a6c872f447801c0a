"""The provider objects themselves: what gets pickled into state, and check/diff on their own.

The lifecycle runs through LocalEngine in the other files; these pin down the rules for how Pulumi stores and runs
dynamic providers (see `pulumi_nuon.dynamic.providers`).
"""

from __future__ import annotations

import base64
import json

import dill
import pulumi
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

import pulumi_nuon as nuon
from pulumi_nuon.dynamic.providers import ComponentReleasesProvider, DeployGateProvider, LatestDeployProvider
from pulumi_nuon.testing.simulator import Timeline
from tests.conftest import BLD2, CMP1, CMP2, DATA, INL1, INL2
from tests.resources.conftest import Env

PROVIDERS = (ComponentReleasesProvider, LatestDeployProvider, DeployGateProvider)


def test_providers_pickle_by_reference_small_and_without_data() -> None:
    for cls in PROVIDERS:
        blob = base64.b64decode(serialize_provider(cls()))
        assert len(blob) < 120, (cls.__name__, len(blob))
        # This path and these names are stored in users' state: moving or renaming them breaks their stacks.
        assert b"pulumi_nuon.dynamic.providers" in blob and cls.__name__.encode() in blob
        assert cls.serialize_as_secret_always is False


def test_providers_pickled_by_version_0_1_0_still_load() -> None:
    """States written before the package was split into layers name `pulumi_nuon.resources._DeployGateProvider`."""
    recorded = json.loads((DATA / "provider-pickles-0.1.0.json").read_text())["providers"]
    loaded = {name: dill.loads(base64.b64decode(blob)) for name, blob in recorded.items()}
    assert {name: type(p) for name, p in loaded.items()} == {
        "_ComponentReleasesProvider": ComponentReleasesProvider,
        "_LatestDeployProvider": LatestDeployProvider,
        "_DeployGateProvider": DeployGateProvider,
    }
    assert loaded["_DeployGateProvider"].diff("id", {"component_id": CMP1}, {"component_id": CMP2}).changes


def test_a_provider_unpickled_without_configure_reads_credentials_from_the_environment(env: Env) -> None:
    provider = dill.loads(base64.b64decode(serialize_provider(LatestDeployProvider())))
    assert provider.settings() == {}  # nothing came along in the pickle
    env.sim.trigger_deploy(env.prod, env.app, timeline=Timeline.constant("active"))
    with pulumi_env(env):
        created = provider.create({"install_id": env.prod.id, "component_id": env.app.id})
    assert created.outs["status"] == "active"


class pulumi_env:
    def __init__(self, env: Env) -> None:
        self.env = env

    def __enter__(self) -> None:
        import os

        self.saved = {k: os.environ.get(k) for k in self.env.env}
        os.environ.update(self.env.env)

    def __exit__(self, *exc: object) -> None:
        import os

        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_gate_diff_looks_only_at_what_is_waited_for() -> None:
    gate = DeployGateProvider()
    olds = {
        "component_id": CMP1,
        "install_ids": [INL1],
        "build_id": None,
        "triggers": None,
        "timeout_seconds": 1200,
        "__provider": "old-pickle",
    }
    assert gate.diff("id", olds, {**olds, "timeout_seconds": 60, "__provider": "new-pickle"}).changes is False
    for key, value in (("install_ids", [INL2]), ("component_id", CMP2), ("build_id", BLD2), ("triggers", [1])):
        result = gate.diff("id", olds, {**olds, key: value})
        assert result.changes is True and result.replaces == [], key


def test_view_diff_replaces_on_identity_and_updates_on_triggers() -> None:
    view = LatestDeployProvider()
    olds = {"install_id": INL1, "component_id": CMP1, "triggers": "a"}
    assert view.diff("id", olds, {**olds, "install_id": INL2}).replaces == ["install_id"]
    changed = view.diff("id", olds, {**olds, "triggers": "b"})
    assert changed.changes is True and changed.replaces == []
    assert view.diff("id", olds, dict(olds)).changes is False


def test_check_tolerates_unknown_values_in_a_preview() -> None:
    gate = DeployGateProvider()
    unknown = Unknown()
    as_the_host_sends = {"component_id": unknown, "install_id": unknown, "install_ids": None, "limit": unknown}
    assert gate.check({}, as_the_host_sends).failures == []
    assert ComponentReleasesProvider().check({}, as_the_host_sends).failures == []
    news = {
        "component_id": rpc.UNKNOWN,
        "install_id": rpc.UNKNOWN,
        "install_ids": None,
        "build_id": rpc.UNKNOWN,
        "timeout_seconds": 1200,
        "poll_interval_seconds": rpc.UNKNOWN,
    }
    assert gate.check({}, news).failures == []
    fleet = {"component_id": CMP1, "install_id": None, "install_ids": [INL1, rpc.UNKNOWN], "timeout_seconds": 60}
    assert gate.check({}, fleet).failures == []


def test_a_gate_on_unknown_inputs_previews_without_polling(env: Env) -> None:
    class Pending(pulumi.CustomResource):
        def __init__(self, name: str) -> None:
            super().__init__("test:index:Pending", name, {"install": None})

    def program() -> None:
        pending = Pending("install-to-be")
        gate = nuon.DeployGate("gate", component_id=env.app.id, install_id=pending.id, poll_interval_seconds=0.01)
        pulumi.export("status", gate.status)

    with env.engine(program) as engine:
        result = engine.preview()
    assert result.success, result.error
    assert result.steps["gate"] == "create" and env.sim.log.count("latest_deploy") == 0
