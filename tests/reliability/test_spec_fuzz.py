"""Spec fuzzing: payloads generated from the vendored Nuon spec (``tests/data/nuon-openapi/doc.json``) parse, and
the same payloads mutated (a node replaced by any JSON value, keys dropped, the text cut or garbled, bytes of any
kind) only ever parse or raise :class:`ResponseValidationError` — never another exception, never a deploy without
an id and a status.

``NUON_FUZZ_EXAMPLES`` sets the examples per property (default 100 in ``make test``; ``make soak`` runs 2,000).
The strategies are built from the spec's ``definitions`` (Swagger 2.0, JSON Schema draft 4 types, ``$ref``,
``enum``, ``additionalProperties``), nested three levels deep.
"""

from __future__ import annotations

import contextlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_nuon.api import protocol
from pulumi_nuon.api.models import ComponentRelease, InstallDeploy, parse_releases, parse_releases_by_pydantic
from pulumi_nuon.core.errors import ResponseValidationError
from tests.conftest import CANARY_TOKEN, tally

SPEC = Path(__file__).parents[1] / "data" / "nuon-openapi" / "doc.json"
EXAMPLES = int(os.environ.get("NUON_FUZZ_EXAMPLES", "100"))
DEPTH = 3
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
PATH = "/v1/installs/inl1/components/cmp1/deploys/latest"

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@cache
def _definitions() -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))["definitions"]
    return definitions


def _strategy(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return _named(schema["$ref"].rsplit("/", 1)[-1], depth)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        return st.text(max_size=12)
    if kind == "integer":
        return st.integers(-(2**53), 2**53)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        if depth <= 0:
            return st.just([])
        return st.lists(_strategy(schema.get("items", {}), depth - 1), max_size=2)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if depth <= 0 or not properties:
            extra = schema.get("additionalProperties")
            values = _strategy(extra, depth - 1) if isinstance(extra, dict) and extra else JSON_VALUES
            return st.dictionaries(st.text(max_size=6), values, max_size=2) if depth > 0 else st.just({})
        return st.fixed_dictionaries({}, optional={k: _strategy(v, depth - 1) for k, v in properties.items()})
    return JSON_VALUES


@cache
def _named(name: str, depth: int) -> st.SearchStrategy[Any]:
    return _strategy(_definitions()[name], depth)


IDS = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=26)
DEPLOYS = st.tuples(_named("app.InstallDeploy", DEPTH), IDS, IDS).map(lambda t: {**t[0], "id": t[1], "status": t[2]})
RELEASES = st.lists(
    st.tuples(_named("app.ComponentRelease", DEPTH), IDS).map(lambda t: {**t[0], "id": t[1]}), max_size=3
)


def _body(payload: bytes) -> protocol.Body:
    return protocol.Body(200, {"content-type": "application/json"}, payload)


def _deploy(payload: bytes) -> InstallDeploy | None:
    return protocol.parse_latest_deploy("GET", PATH, _body(payload), "inl1", "cmp1", CANARY_TOKEN)


def _releases(payload: bytes) -> list[ComponentRelease]:
    pager = protocol.ReleasePager("/v1/components/cmp1/releases", secret=CANARY_TOKEN)
    releases = pager.accept(_body(payload), 100)
    for release in releases:  # the steps are built on first read: that must never fail either
        for step in release.release_steps or []:
            assert all(isinstance(d, InstallDeploy) for d in step.install_deploys or [])
        release.model_dump(mode="json")
    return releases


@st.composite
def _mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> bytes:
    """A spec-valid payload, damaged in one of several ways."""
    payload = draw(valid)
    how = draw(st.sampled_from(["replace", "drop", "cut", "garble", "wrap", "retype-top"]))
    if how in ("replace", "drop", "retype-top"):
        node, key = _pick(draw, payload)
        if node is not None:
            if how == "drop" and isinstance(node, dict):
                node.pop(key, None)
            elif how == "retype-top" and isinstance(payload, dict) and payload:
                payload[draw(st.sampled_from(sorted(payload)))] = draw(JSON_VALUES)
            else:
                node[key] = draw(JSON_VALUES)
        return json.dumps(payload).encode()
    text = json.dumps(payload).encode()
    if how == "cut":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if how == "garble":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    return json.dumps([payload] if isinstance(payload, dict) else {"items": payload}).encode()


def _pick(draw: st.DrawFn, payload: Any) -> tuple[Any, Any]:
    """A random container inside ``payload`` and a key or index in it."""
    nodes: list[tuple[Any, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                nodes.append((value, k))
                walk(v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                nodes.append((value, i))
                walk(v)

    walk(payload)
    return draw(st.sampled_from(nodes)) if nodes else (None, None)


def _count(name: str) -> None:
    """Count one example of a table (each test counts the examples hypothesis actually ran)."""
    tally(f"spec fuzzing ({name})", 1)


@FUZZ
@given(DEPLOYS)
def test_spec_valid_deploys_parse_with_their_id_and_status(payload: dict[str, Any]) -> None:
    _count("valid deploys")
    # The ids a deploy names must be the request's (an answer about another install is an error, tested apart).
    payload = {**payload, "install_id": "", "component_id": "cmp1"}
    deploy = _deploy(json.dumps(payload).encode())
    if payload.get("plan_only"):
        assert deploy is None  # a drift check is no deploy
    else:
        assert deploy is not None
        assert (deploy.id, deploy.status, deploy.install_id) == (payload["id"], payload["status"], "inl1")


@FUZZ
@given(RELEASES)
def test_spec_valid_release_pages_parse(payload: list[dict[str, Any]]) -> None:
    _count("valid release pages")
    releases = _releases(json.dumps(payload).encode())
    assert [r.id for r in releases] == list(dict.fromkeys(p["id"] for p in payload))


@FUZZ
@given(_mutated(DEPLOYS))
def test_mutated_deploys_parse_or_raise_only_our_validation_error(payload: bytes) -> None:
    _count("mutated deploys")
    try:
        deploy = _deploy(payload)
    except ResponseValidationError as err:
        assert str(err) and CANARY_TOKEN not in str(err)
    else:
        assert deploy is None or (deploy.id and deploy.status)


@FUZZ
@given(_mutated(RELEASES))
def test_mutated_release_pages_parse_or_raise_only_our_validation_error(payload: bytes) -> None:
    _count("mutated release pages")
    try:
        releases = _releases(payload)
    except ResponseValidationError as err:
        assert str(err)
    else:
        assert all(r.id for r in releases)


@FUZZ
@given(st.binary(max_size=64) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_parse_or_raise_only_our_validation_error(payload: bytes) -> None:
    _count("any bytes")
    for parse in (_deploy, _releases):
        with contextlib.suppress(ResponseValidationError):
            parse(payload)


def _outcome(parse: Any, payload: bytes) -> tuple[str, Any]:
    try:
        releases = parse(payload)
    except ValueError as err:  # pydantic's ValidationError is one
        return "error", type(err).__name__
    return "releases", [(r, r.model_dump(), r.model_fields_set) for r in releases]


@FUZZ
@given(RELEASES.map(lambda p: json.dumps(p).encode()) | _mutated(RELEASES))
def test_msgspec_reads_every_page_as_pydantic_alone_does(payload: bytes) -> None:
    """The fast path (msgspec into structs derived from the model, then pydantic) against pydantic alone: the
    same releases, fields set and typed steps, or the same kind of failure."""
    _count("msgspec against pydantic")
    assert _outcome(parse_releases, payload) == _outcome(parse_releases_by_pydantic, payload)
