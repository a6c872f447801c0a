"""The models against Nuon's published spec and the seed pages this project started from."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from pulumi_nuon.api import models
from pulumi_nuon.api.models import ComponentRelease, InstallDeploy, parse_releases
from pulumi_nuon.testing.simulator import Simulator
from tests.conftest import DATA

MODELED = {
    "app.ComponentRelease": models.ComponentRelease,
    "app.ComponentReleaseStep": models.ComponentReleaseStep,
    "app.InstallDeploy": models.InstallDeploy,
    "app.CompositeStatus": models.CompositeStatus,
    "app.RunnerJob": models.RunnerJob,
    "app.RunnerJobExecution": models.RunnerJobExecution,
    "app.RunnerJobExecutionResult": models.RunnerJobExecutionResult,
    "app.ComponentBuild": models.ComponentBuild,
    "app.VCSConnectionCommit": models.VCSConnectionCommit,
    "app.OCIArtifact": models.OCIArtifact,
    "app.LogStream": models.LogStream,
    "app.Account": models.Account,
}


@cache
def spec() -> dict[str, Any]:
    return json.loads((DATA / "nuon-openapi" / "doc.json").read_bytes())  # type: ignore[no-any-return]


def _wire_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


@pytest.mark.parametrize("definition", sorted(MODELED))
def test_model_has_every_property_the_spec_defines(definition: str) -> None:
    properties = set(spec()["definitions"][definition]["properties"])
    assert properties == _wire_names(MODELED[definition])


def test_the_two_responses_reference_only_modeled_or_json_kept_types() -> None:
    paths = spec()["paths"]
    releases = paths["/v1/components/{component_id}/releases"]["get"]["responses"]["200"]["schema"]
    latest = paths["/v1/installs/{install_id}/components/{component_id}/deploys/latest"]["get"]["responses"]["200"]
    assert releases["items"]["$ref"] == "#/definitions/app.ComponentRelease"
    assert latest["schema"]["$ref"] == "#/definitions/app.InstallDeploy"


def _example(name: str, depth: int = 0) -> Any:
    """A payload for a definition with every property filled, following refs a few levels deep."""
    schema = spec()["definitions"][name]
    if "properties" not in schema:
        return "x" if schema.get("type", "string") == "string" else 1
    return {key: _value(prop, depth) for key, prop in schema["properties"].items()}


def _value(prop: dict[str, Any], depth: int) -> Any:
    ref = prop.get("$ref") or (prop.get("allOf") or [{}])[0].get("$ref")
    if ref:
        return _example(ref.split("/")[-1], depth + 1) if depth < 3 else None
    kind = prop.get("type")
    if kind == "array":
        item = _value(prop["items"], depth)
        return [] if item is None else [item]
    return {"string": "s", "integer": 7, "boolean": True, "number": 1.5, "object": {}}.get(kind or "")


@pytest.mark.parametrize("definition", ["app.InstallDeploy", "app.ComponentRelease"])
def test_a_payload_with_every_spec_property_parses_with_every_field_kept(definition: str) -> None:
    payload = _example(definition)
    parsed = MODELED[definition].model_validate_json(json.dumps(payload))
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert set(dumped) == set(payload)


def _seed_payloads() -> list[tuple[str, Any]]:
    found = []
    for path in sorted((DATA / "seeds").glob("*.txt")):
        text = path.read_text()
        for match in re.finditer(r"^(\[|\{)\n.*?^(\]|\})$", text, flags=re.S | re.M):
            found.append((path.name, json.loads(match.group(0))))
    return found


def test_seed_pages_contain_the_example_payload() -> None:
    assert [name for name, _ in _seed_payloads()] == ["000_1b66b5a6ab1f8162.txt"]


def test_seed_release_payload_parses_into_nested_models() -> None:
    ((_, payload),) = _seed_payloads()
    releases = parse_releases(json.dumps(payload).encode())
    assert len(releases) == 1
    release = releases[0]
    deploy = release.release_steps[0].install_deploys[0]  # type: ignore[index]
    assert isinstance(deploy, InstallDeploy)
    assert deploy.status == "<string>"
    assert deploy.component_build is not None and deploy.component_build.vcs_connection_commit is not None
    assert deploy.runner_jobs and deploy.runner_jobs[0].id == "<string>"
    # The seed renders a list of nested objects as ["<any>"]; such items are dropped, not fatal.
    assert deploy.status_v2 is not None and deploy.status_v2.history == []


def test_seed_latest_deploy_fields_match_the_model() -> None:
    # The second seed page documents the latest-deploy body as a field list instead of an example payload.
    text = (DATA / "seeds" / "004_9e957bcbf57e80e6.txt").read_text()
    top = text.split("\n200\n")[1].split("\n400\n")[0]
    for name in ("build_id", "component_config_version", "install_deploy_type", "release_id", "status_description"):
        assert f"\n{name}\n" in top and name in InstallDeploy.model_fields


def test_unknown_fields_are_ignored_and_statuses_are_plain_strings() -> None:
    deploy = InstallDeploy.model_validate_json(b'{"id": "dpl1", "status": "hibernating", "brand_new_field": 1}')
    assert deploy.status == "hibernating" and not hasattr(deploy, "brand_new_field")
    assert deploy.phase.value == "unknown"


def test_invalid_nested_parts_are_dropped_not_fatal() -> None:
    body = (
        b'{"id": "dpl1", "status": "active", "component_build": {"status": 5}, '
        b'"runner_jobs": [1, {"id": "j", "execution_count": "seven"}, {"id": "k"}]}'
    )
    deploy = InstallDeploy.model_validate_json(body)
    assert deploy.status == "active" and deploy.component_build is None
    assert [job.id for job in deploy.runner_jobs or []] == ["k"]


@pytest.mark.parametrize("field", ["status", "id", "build_id", "component_config_version"])
def test_a_top_level_field_of_the_wrong_type_fails_instead_of_reading_as_none(field: str) -> None:
    body = json.dumps({"id": "dpl1", "status": "active", field: ["x"]}).encode()  # no duplicate keys
    with pytest.raises(ValidationError):
        InstallDeploy.model_validate_json(body)


def test_models_are_immutable_and_dump_plain_json() -> None:
    release = ComponentRelease.model_validate_json(b'{"id": "rel1", "build_id": "bld1", "release_steps": []}')
    with pytest.raises(ValueError):
        release.id = "other"  # type: ignore[misc]
    assert release.model_dump(mode="json", exclude_none=True) == {"id": "rel1", "build_id": "bld1", "release_steps": []}


def test_runner_job_json_field_round_trips_under_its_wire_name() -> None:
    job = models.RunnerJob.model_validate_json(b'{"id": "j", "json": {"plan": 1}}')
    assert job.plan == {"plan": 1}
    assert job.model_dump(by_alias=True, exclude_none=True) == {"id": "j", "json": {"plan": 1}}


def test_log_stream_write_token_is_not_in_repr() -> None:
    stream = models.LogStream.model_validate_json(b'{"id": "ls", "write_token": "runner-secret"}')
    assert "runner-secret" not in repr(stream)


def test_status_text_prefers_the_description_then_status_v2() -> None:
    a = InstallDeploy.model_validate_json(
        b'{"status_description": "boom", "status_v2": {"status_human_description": "v2"}}'
    )
    b = InstallDeploy.model_validate_json(b'{"status_v2": {"status_human_description": "v2"}}')
    assert (a.status_text, b.status_text, InstallDeploy().status_text) == ("boom", "v2", None)


def test_json_numbers_keep_their_type_and_a_number_is_no_nested_object() -> None:
    """The pydantic floor (2.1): 2.0-2.0.2 turn integers past 64 bits into floats in JSON-kept fields; 2.0.3 keeps a
    float there as {'$serde_json::private::Number': '1e300'} and validates a number into an empty nested model."""
    deploy = InstallDeploy.model_validate_json(
        b'{"id": "d", "status": "active", "outputs": {"n": 1180591620717411303424, "f": 1e300}, "created_by": 1e300}'
    )
    assert deploy.outputs == {"n": 2**70, "f": 1e300} and type((deploy.outputs or {})["n"]) is int
    assert deploy.created_by is None


# --- strict first, tolerant on a ValidationError; a release's steps built on first read ----------------------


def test_python_values_drop_invalid_nested_parts_as_json_does() -> None:
    payload = {"id": "dpl1", "status": "active", "component_build": {"status": 5}, "runner_jobs": [1, {"id": "k"}]}
    deploy = InstallDeploy.model_validate(payload)
    assert deploy.component_build is None and [job.id for job in deploy.runner_jobs or []] == ["k"]
    assert payload["runner_jobs"] == [1, {"id": "k"}]  # the caller's value is left as it was


def test_a_nested_model_with_a_bad_scalar_is_dropped_from_its_parent_not_the_payload() -> None:
    body = (
        b'{"id": "dpl1", "status": "active", "component_build": {"id": "b", "runner_job": '
        b'{"id": "j", "executions": [{"id": "e1", "result": {"success": "maybe"}}, {"id": "e2"}]}}}'
    )
    deploy = InstallDeploy.model_validate_json(body)
    build = deploy.component_build
    assert build is not None and build.runner_job is not None and build.runner_job.executions is not None
    first, second = build.runner_job.executions
    assert (first.id, first.result, second.id) == ("e1", None, "e2")  # only the result with the bad `success` went


def test_a_payload_that_fits_never_takes_the_tolerant_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def tolerant(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the strict validation should have been enough")

    monkeypatch.setattr(models, "_tolerated", tolerant)
    sim = Simulator()
    app = sim.add_component("api")
    sim.add_releases(app, 3, installs=[sim.add_install("acme", components=[app])])
    releases = parse_releases(json.dumps(sim.releases(app)).encode())
    deploys = [d for r in releases for s in r.release_steps or [] for d in s.install_deploys or []]
    assert len(releases) == 3 and deploys and all(d.component_build and d.runner_jobs for d in deploys)
    InstallDeploy.model_validate_json(deploys[0].model_dump_json(by_alias=True))


def test_release_steps_are_built_on_first_read_and_dropped_there_when_they_do_not_fit() -> None:
    body = b'[{"id": "rel1", "release_steps": [{"id": "s1", "install_deploys": [7, {"id": "d"}]}, {"id": 5}, "x"]}]'
    (release,) = parse_releases(body)  # the steps are kept as sent: parsing the page cannot fail on them
    assert release.release_steps_json == b'[{"id": "s1", "install_deploys": [7, {"id": "d"}]}, {"id": 5}, "x"]'
    steps = release.release_steps
    assert [s.id for s in steps or []] == ["s1"] and [d.id for d in (steps or [])[0].install_deploys or []] == ["d"]
    assert release.release_steps is steps  # built once


def test_release_steps_that_are_not_a_list_read_as_none() -> None:
    (release,) = parse_releases(b'[{"id": "rel1", "release_steps": {"not": "a list"}}]')
    assert release.release_steps is None


def test_a_release_whose_steps_were_read_equals_one_whose_were_not() -> None:
    body = b'[{"id": "rel1", "release_steps": [{"id": "s1"}]}]'
    (read,), (unread,) = parse_releases(body), parse_releases(body)
    assert read.release_steps is not None
    assert read == unread and hash(read.id) == hash(unread.id)
    assert (
        read.model_dump()
        == unread.model_dump()
        == ComponentRelease(id="rel1", release_steps=[{"id": "s1"}]).model_dump()
    )
    assert "release_steps_json" not in read.model_dump() and repr(read) == repr(unread)


def test_the_constructor_is_strict_it_builds_what_a_program_gives() -> None:
    with pytest.raises(ValidationError):
        InstallDeploy(id="dpl1", status="active", runner_jobs=[1])  # type: ignore[list-item]


# --- a releases page read by msgspec into structs derived from the model, pydantic deciding what msgspec refuses ---


def _same_answer(body: bytes) -> tuple[str, Any]:
    """What parsing ``body`` gives — the releases with their typed steps dumped, or the error's type — through the
    fast path and through pydantic alone; both must agree."""

    def outcome(parse: Any) -> tuple[str, Any]:
        try:
            releases = parse(body)
        except ValueError as err:  # pydantic's ValidationError is one
            return "error", type(err).__name__
        dumped = [(r.model_dump(), r.model_fields_set, r.release_steps) for r in releases]
        return "releases", (releases, dumped)

    fast, slow = outcome(parse_releases), outcome(models.parse_releases_by_pydantic)
    assert fast == slow, body
    return fast


def test_the_wire_struct_is_the_model_by_wire_name_with_the_steps_kept_as_text() -> None:
    import msgspec

    struct = models.wire_struct(ComponentRelease, frozenset({"release_steps_json"}))
    fields = msgspec.structs.fields(struct)
    assert [f.name for f in fields] == list(ComponentRelease.model_fields)
    assert {f.encode_name for f in fields} == _wire_names(ComponentRelease)
    steps = {f.name: f.type for f in fields}.pop("release_steps_json")
    assert steps is msgspec.Raw
    assert all(f.type == ComponentRelease.model_fields[f.name].annotation for f in fields if f.type is not msgspec.Raw)


def test_a_model_with_a_field_msgspec_cannot_check_has_no_wire_struct() -> None:
    with pytest.raises(TypeError, match=r"InstallDeploy\.action_workflow_runs: .* has no msgspec wire type"):
        models.wire_struct(InstallDeploy)


@pytest.mark.parametrize(
    "body",
    [
        b'[{"id": "rel1", "release_steps": [{"id": "s1"}]}, {"id": "rel2"}, {"id": "rel3", "release_steps": null}]',
        b'[{"id": "rel1", "total_release_steps": 1.0}]',  # msgspec refuses a float for an int; pydantic takes 1.0
        b'[{"id": "rel1", "total_release_steps": "7"}]',  # ... and a numeric string
        b'[{"id": "rel1", "total_release_steps": 1.5}]',  # which pydantic refuses too
        b'[{"id": "rel1", "total_release_steps": true}]',
        b'[{"id": "rel1", "total_release_steps": 123456789012345678901234567890}]',  # past 64 bits
        b'[{"id": 5}]',
        b'[{"id": "rel1", "id": "rel2"}]',  # the last of a repeated key, as pydantic-core
        b'[{"id": "rel1", "release_steps": [1], "release_steps": [{"id": "s2"}]}]',
        b'[{"id": "rel1", "total_release_steps": NaN}]',  # not JSON, but pydantic-core reads it
        b'[{"id": "rel1", "release_steps": [{"id": "s1", "delay": Infinity}]}]',
        b'[{"id": "rel1", "release_steps": [1e400]}]',  # inf to pydantic-core
        b'[{"id": "rel1", "release_steps": ["\xff"]}]',  # bad UTF-8 inside the kept text: not JSON
        b'[{"id": "rel1", "release_steps": ["\\ud800"]}]',  # a lone surrogate
        b'\xef\xbb\xbf[{"id": "rel1"}]',  # a byte order mark
        b'[{"id": "rel1", "release_steps": [1 2]}]',
        b'[{"id": "rel1", "release_steps": [{"id": "s\\u00e9", "status": "\\"a\\"\\n"}]}]',
        b'[{"id": "rel\xc3\xa9"}]',
        b'[{"id": "rel1"}] x',
        b'[{"id": "rel1"},]',
        b'{"id": "rel1"}',
        b"[1]",
        b"[]",
        b"",
    ],
)
def test_a_releases_page_reads_the_same_through_msgspec_as_through_pydantic(body: bytes) -> None:
    _same_answer(body)


def test_msgspec_reads_a_plain_page_and_leaves_what_it_refuses_to_pydantic() -> None:
    assert models._release_values(b'[{"id": "rel1", "release_steps": [{"id": "s1"}]}]') == [
        {"id": "rel1", "release_steps": b'[{"id": "s1"}]'}
    ]
    refused = (b'[{"id": "rel1", "total_release_steps": 1.0}]', b"[NaN]", b'[{"id": "\xff"}]', b'[{"x": ["\xff"]}]')
    for body in refused:
        assert models._release_values(body) is None, body


def test_steps_nested_deeper_than_pydantic_core_reads_are_dropped_not_fatal() -> None:
    """msgspec keeps steps nested beyond pydantic-core's limit as text (pydantic alone refused the whole page); on
    first read they do not fit and are dropped, as any nested part that does not fit (at the pydantic floor, whose
    parser is ``json.loads``, they are read, and the step goes for its ``delay`` that is no string)."""
    deep = b"[" * 300 + b"]" * 300
    (release,) = parse_releases(b'[{"id": "rel1", "release_steps": [{"id": "s1", "delay": ' + deep + b"}]}]")
    assert release.id == "rel1" and not release.release_steps


def test_steps_kept_as_text_equal_and_hash_as_the_same_steps_given_as_values() -> None:
    (read,) = parse_releases(b'[{"id": "rel1", "release_steps": [ {"id" : "s1"} ]}]')
    given = ComponentRelease(id="rel1", release_steps=[{"id": "s1"}])
    assert isinstance(read.release_steps_json, bytes) and read == given and hash(read) == hash(given)
    assert read != ComponentRelease(id="rel1", release_steps=[{"id": "s2"}])
