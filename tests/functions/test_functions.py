"""The data-source functions in a Pulumi program (``pulumi.runtime.set_mocks``), reading a simulator over
real loopback sockets: known and unknown inputs, secrets, preview and up, depends_on, concurrency, export, errors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest

import pulumi_nuon as nuon
from pulumi_nuon.core.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    InvalidIdError,
    ReleasesNotServedError,
)
from pulumi_nuon.dynamic.functions import GetComponentReleasesResult, GetLatestDeployResult
from pulumi_nuon.testing.simulator import Fault
from tests.conftest import CANARY_TOKEN
from tests.functions.conftest import World


@pytest.fixture(autouse=True)
def event_loop_for_pulumi() -> Iterator[None]:
    """The Pulumi SDK runs programs on the thread's current event loop; asyncio.run() elsewhere unsets it."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    pulumi.runtime.set_all_config({}, [])  # stack config is process state in the SDK: don't leak it to the next test
    asyncio.set_event_loop(None)
    loop.close()


@dataclass
class Mocks(pulumi.runtime.Mocks):
    """Records creations; ``slow`` resources take a while to create, ids are unknown in preview."""

    preview: bool = False
    slow: float = 0.0
    created_at: dict[str, float] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if self.slow:
            time.sleep(self.slow)
        self.created_at[args.name] = time.monotonic()
        return (None if self.preview else f"{args.name}-id"), dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError("pulumi-nuon functions must not go through the engine's invoke")


@dataclass
class Resolved:
    value: Any
    known: bool
    secret: bool
    resources: set[pulumi.Resource]


def resolve(
    build: Callable[[], pulumi.Output[Any]],
    world: World,
    *,
    preview: bool = False,
    mocks: Mocks | None = None,
    secret_keys: tuple[str, ...] = ("nuon:apiToken",),
) -> Resolved:
    pulumi.runtime.set_mocks(mocks or Mocks(preview=preview), project="fn", stack="test", preview=preview)
    pulumi.runtime.set_all_config(world.config, list(secret_keys))
    box: list[Resolved] = []

    @pulumi.runtime.test
    def program() -> Any:
        out = build()

        async def grab() -> None:
            box.append(
                Resolved(
                    await out.future(with_unknowns=True),
                    await out.is_known(),
                    await out.is_secret(),
                    await out.resources(),
                )
            )

        return asyncio.ensure_future(grab())

    program()
    return box[0]


class Thing(pulumi.CustomResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Thing", name, {"value": None}, opts)


# --- plain forms ----------------------------------------------------------------------------------------------


def test_plain_get_component_releases_reads_newest_first(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    result = nuon.get_component_releases(world.component)
    newest = world.sim.releases(world.component)[0]
    assert result.release_count == 3 and len(result.releases) == 3
    assert result.latest_release_id == newest["id"] == result.release_ids[0]
    assert result.latest_build_id == newest["build_id"]
    assert isinstance(result.releases[0], nuon.ComponentRelease)
    assert nuon.get_component_releases(world.component, limit=1).release_ids == [newest["id"]]


def test_plain_results_are_awaitable_like_generated_invokes(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)

    async def both() -> tuple[GetComponentReleasesResult, GetLatestDeployResult]:
        return await nuon.get_component_releases(world.component), await nuon.get_latest_deploy(
            world.install, world.component
        )

    releases, deploy = asyncio.run(both())
    assert type(releases) is GetComponentReleasesResult and releases.release_count == 3
    assert type(deploy) is GetLatestDeployResult and deploy.status == "executing"


def test_plain_get_latest_deploy_found_and_not_found(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    found = nuon.get_latest_deploy(world.install, world.component)
    deploy = world.sim.deploys(world.install, world.component)[-1]
    assert (found.found, found.deploy_id, found.status, found.phase) == (True, deploy.id, "executing", "in_progress")
    assert found.install_id == world.install and found.deploy is not None and found.deploy.install_id == world.install
    missing = nuon.get_latest_deploy(world.empty_install, world.component)
    assert missing.found is False and missing.phase is nuon.DeployPhase.MISSING
    assert [missing.deploy_id, missing.status, missing.build_id, missing.created_at, missing.deploy] == [None] * 5


def test_a_changed_environment_variable_takes_effect_at_the_next_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings' resolution is cached by the raw values it came from, which every read reads again."""
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    assert nuon.get_latest_deploy(world.install, world.component).status == "executing"
    monkeypatch.setenv("NUON_API_TOKEN", "another-token-1234")
    with pytest.raises(AuthenticationError, match=r"^get_latest_deploy: GET .*401"):
        nuon.get_latest_deploy(world.install, world.component)
    monkeypatch.setenv("NUON_REQUEST_TIMEOUT", "not a number")
    with pytest.raises(ConfigurationError, match=r"NUON_REQUEST_TIMEOUT is 'not a number'"):
        nuon.get_latest_deploy(world.install, world.component)
    monkeypatch.setenv("NUON_API_TOKEN", world.env["NUON_API_TOKEN"])
    monkeypatch.delenv("NUON_REQUEST_TIMEOUT")
    assert nuon.get_latest_deploy(world.install, world.component).status == "executing"


def test_plain_form_reads_stack_config_inside_a_program(world: World) -> None:
    def build() -> pulumi.Output[Any]:
        return pulumi.Output.from_input(nuon.get_latest_deploy(world.install, world.component).status)

    assert resolve(build, world).value == "executing"


# --- output forms ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preview", [False, True])
def test_output_form_reads_in_preview_and_up_when_inputs_are_known(world: World, preview: bool) -> None:
    got = resolve(lambda: nuon.get_latest_deploy_output(world.install, world.component), world, preview=preview)
    assert got.known and not got.secret
    assert isinstance(got.value, GetLatestDeployResult) and got.value.status == "executing"
    assert [r.route for r in world.sim.log] == ["latest_deploy"]


def test_output_form_is_unknown_and_reads_nothing_while_an_input_is_unknown(world: World) -> None:
    def build() -> pulumi.Output[Any]:
        thing = Thing("pending")  # in preview, a resource to be created has unknown outputs
        return nuon.get_component_releases_output(thing.id)

    got = resolve(build, world, preview=True)
    assert got.known is False
    assert list(world.sim.log) == []


def test_output_form_is_secret_when_an_input_is_secret(world: World) -> None:
    got = resolve(lambda: nuon.get_component_releases_output(pulumi.Output.secret(world.component), limit=2), world)
    assert got.known and got.secret and got.value.release_count == 2


def test_output_form_carries_the_dependencies_of_its_inputs(world: World) -> None:
    box: list[Thing] = []

    def build() -> pulumi.Output[Any]:
        thing = Thing("source")
        box.append(thing)
        return nuon.get_latest_deploy_output(thing.id.apply(lambda _: world.install), world.component)

    got = resolve(build, world)
    assert box[0] in got.resources and got.value.found


def test_depends_on_a_resource_being_created_makes_the_preview_unknown(world: World) -> None:
    def build() -> pulumi.Output[Any]:
        gate = Thing("gate")
        return nuon.get_latest_deploy_output(
            world.install, world.component, opts=pulumi.InvokeOutputOptions(depends_on=[gate])
        )

    got = resolve(build, world, preview=True)
    assert got.known is False and list(world.sim.log) == []


def test_depends_on_waits_for_the_resource_during_up(world: World) -> None:
    mocks = Mocks(slow=0.3)
    read_at: list[float] = []
    box: list[Thing] = []

    def build() -> pulumi.Output[Any]:
        gate = Thing("gate")
        box.append(gate)
        out = nuon.get_latest_deploy_output(
            world.install, world.component, opts=pulumi.InvokeOutputOptions(depends_on=gate)
        )
        return out.apply(lambda r: read_at.append(time.monotonic()) or r)

    got = resolve(build, world, mocks=mocks)
    assert got.known and got.value.found
    assert read_at[0] >= mocks.created_at["gate"]
    assert box[0] in got.resources


def test_several_output_reads_run_concurrently(world: World) -> None:
    world.sim.inject(Fault.latency(0.4), route="latest_deploy")
    started = time.monotonic()
    got = resolve(
        lambda: pulumi.Output.all(*[nuon.get_latest_deploy_output(world.install, world.component) for _ in range(4)]),
        world,
    )
    elapsed = time.monotonic() - started
    assert [r.status for r in got.value] == ["executing"] * 4
    assert elapsed < 4 * 0.4, f"four 0.4 s reads took {elapsed:.2f} s: they ran one after another"


# --- results and export ---------------------------------------------------------------------------------------


def test_results_keep_typed_access_through_output_all(world: World) -> None:
    got = resolve(
        lambda: pulumi.Output.all(
            nuon.get_latest_deploy_output(world.install, world.component),
            nuon.get_component_releases_output(world.component, limit=1),
        ),
        world,
    )
    deploy, releases = got.value
    assert deploy.status == "executing" and deploy["status"] == "executing" and dict(deploy)["found"] is True
    assert releases.releases[0].id == releases.latest_release_id


def test_results_are_read_only(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    result = nuon.get_latest_deploy(world.install, world.component)
    with pytest.raises(AttributeError):
        result.status = "active"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result["status"] = "active"  # type: ignore[index]


# --- errors ---------------------------------------------------------------------------------------------------


def test_missing_token_names_the_function_and_the_config_key(world: World) -> None:
    world.config.pop("nuon:apiToken")
    with pytest.raises(ConfigurationError, match=r"^get_latest_deploy_output: No Nuon API token.*nuon:apiToken"):
        resolve(lambda: nuon.get_latest_deploy_output(world.install, world.component), world, secret_keys=())


def test_wrong_token_is_an_authentication_error_naming_the_function(world: World) -> None:
    world.config["nuon:apiToken"] = "wrong-token"
    with pytest.raises(AuthenticationError, match=r"^get_component_releases_output: GET /v1/components/.*401"):
        resolve(lambda: nuon.get_component_releases_output(world.component), world)


def test_releases_route_gone_is_a_clear_error(world: World) -> None:
    world.sim.releases_gone = 410
    with pytest.raises(ReleasesNotServedError, match="no longer serves component releases"):
        resolve(lambda: nuon.get_component_releases_output(world.component), world)


def test_bad_id_is_rejected_before_any_request(world: World) -> None:
    with pytest.raises(InvalidIdError, match=r"^get_latest_deploy_output: install_id 'a/b'"):
        resolve(lambda: nuon.get_latest_deploy_output("a/b", world.component), world)
    assert list(world.sim.log) == []


@pytest.mark.parametrize("limit", [0, -1, "5", True, 1.5, float("nan"), float("inf")])
def test_bad_limit_is_rejected_before_any_request(world: World, limit: Any) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^get_component_releases_output: limit must be a whole number"):
        resolve(lambda: nuon.get_component_releases_output(world.component, limit=limit), world)
    with pytest.raises(InvalidArgumentError, match=r"^get_component_releases: limit must be a whole number"):
        nuon.get_component_releases(world.component, limit=limit)
    assert list(world.sim.log) == []


def test_no_secret_in_results_or_errors(world: World) -> None:
    got = resolve(lambda: nuon.get_latest_deploy_output(world.install, world.component), world)
    assert CANARY_TOKEN not in repr(got.value) and CANARY_TOKEN not in repr(dict(got.value))
