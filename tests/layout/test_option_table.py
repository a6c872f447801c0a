"""The option table (`pulumi_nuon.core.options`) and everything built from it or checked against it.

Adding a gate option is one `Option` in `DEPLOY_GATE` plus its use in the waiting logic; these tests name every
other place that must agree (the Python signatures, `WaitOptions`, the CLI, the README) when one drifts.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import itertools
import math
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

import pulumi_nuon as nuon
from pulumi_nuon.cli.commands import build_parser
from pulumi_nuon.core.errors import InvalidArgumentError
from pulumi_nuon.core.options import (
    COMPONENT_RELEASES,
    DEPLOY_GATE,
    GET_COMPONENT_RELEASES,
    GET_LATEST_DEPLOY,
    LATEST_DEPLOY,
    SPECS,
    Spec,
    camel,
    check_inputs,
    check_limit,
    diff_inputs,
    input_doc,
)
from pulumi_nuon.core.settings import SETTINGS
from pulumi_nuon.gate.views import deploy_values, gate_values, releases_values
from pulumi_nuon.gate.wait import InstallOutcome, Verdict, WaitOptions, WaitResult
from tests.conftest import BLD2, CMP1, INL1, INL2
from tests.docs import blocks_in_pages, generated_blocks

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = [
    (nuon.DeployGate, nuon.DeployGateArgs, DEPLOY_GATE),
    (nuon.LatestDeploy, nuon.LatestDeployArgs, LATEST_DEPLOY),
    (nuon.ComponentReleases, nuon.ComponentReleasesArgs, COMPONENT_RELEASES),
]


@pytest.mark.parametrize(("resource", "args", "spec"), RESOURCES, ids=lambda x: getattr(x, "name", ""))
def test_resource_signatures_and_args_list_the_table_inputs_in_order(resource: Any, args: Any, spec: Spec) -> None:
    keywords = [p.name for p in inspect.signature(resource.__init__).parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert keywords == [o.name for o in spec.inputs]
    assert [f.name for f in dataclasses.fields(args)] == [o.name for o in spec.inputs]
    required = [f.name for f in dataclasses.fields(args) if f.default is dataclasses.MISSING]
    assert required == [o.name for o in spec.inputs if o.required]


def _attribute_docs(cls: type) -> dict[str, str]:
    """Each annotated attribute of ``cls`` → the docstring written under it (what an IDE shows), whitespace folded."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, after in itertools.pairwise(body):
        named = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        if named and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[node.target.id] = " ".join(str(after.value.value).split())  # type: ignore[union-attr]
    return docs


def _param_docs(function: Any) -> dict[str, str]:
    """``:param name: text`` lines of ``function``'s docstring, whitespace folded."""
    text = " ".join((function.__doc__ or "").split())
    return {m[1]: m[2].strip() for m in re.finditer(r":param (\w+): (.*?)(?= :param |$)", text)}


@pytest.mark.parametrize(("resource", "args", "spec"), RESOURCES, ids=lambda x: getattr(x, "name", ""))
def test_each_input_has_the_tables_doc_where_an_ide_shows_it(resource: Any, args: Any, spec: Spec) -> None:
    """Written out for type checkers and IDEs (a docstring under each ``*Args`` field, a ``:param`` per keyword),
    equal to the option table's (``input_doc``): a changed doc in the table fails here until the class says it."""
    expected = {o.name: input_doc(o) for o in spec.inputs}
    assert _attribute_docs(args) == expected
    params = _param_docs(resource.__init__)
    assert {name: params.get(name) for name in expected} == expected


@pytest.mark.parametrize(("resource", "args", "spec"), RESOURCES, ids=lambda x: getattr(x, "name", ""))
def test_each_output_has_the_tables_doc_where_an_ide_shows_it(resource: Any, args: Any, spec: Spec) -> None:
    docs = _attribute_docs(resource)
    assert {o.name: docs.get(o.name) for o in spec.outputs} == {o.name: o.doc for o in spec.outputs}
    echoed = {name: doc for name, doc in docs.items() if name not in {o.name for o in spec.outputs}}
    assert echoed == {o.name: o.doc for o in spec.inputs if o.name in echoed}


@pytest.mark.parametrize(("resource", "args", "spec"), RESOURCES, ids=lambda x: getattr(x, "name", ""))
def test_the_keyword_overload_requires_exactly_the_required_inputs(resource: Any, args: Any, spec: Spec) -> None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(resource)))
    overloads = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and node.name == "__init__"
        and any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)
    ]
    keywords = next(o for o in overloads if o.args.kwonlyargs)
    required = [a.arg for a, d in zip(keywords.args.kwonlyargs, keywords.args.kw_defaults, strict=True) if d is None]
    assert [a.arg for a in keywords.args.kwonlyargs] == [o.name for o in spec.inputs]
    assert required == [o.name for o in spec.inputs if o.required]
    assert len(overloads) == 2


def test_resource_modules_hold_one_resource_each() -> None:
    for resource, args, _ in RESOURCES:
        assert resource.__module__ == args.__module__
        assert inspect.getmodule(resource).__all__ == sorted([resource.__name__, args.__name__])  # type: ignore[union-attr]


@pytest.mark.parametrize(("resource", "args", "spec"), RESOURCES, ids=lambda x: getattr(x, "name", ""))
def test_resources_declare_every_output_of_the_table(resource: Any, args: Any, spec: Spec) -> None:
    assert {o.name for o in spec.outputs} <= set(inspect.get_annotations(resource))


def test_wait_options_are_the_gate_rows_marked_wait_with_their_defaults() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(WaitOptions) if f.name not in ("jitter", "timeout_from")}
    assert fields == {o.name: o.default for o in DEPLOY_GATE.inputs if o.wait}


def test_the_cli_wait_flags_are_the_gate_rows_with_a_flag() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    flags = {a.option_strings[0]: a for a in commands.choices["wait"]._actions if a.option_strings}
    for option in DEPLOY_GATE.inputs:
        if option.cli and option.cli.startswith("--"):
            action = flags.pop(option.cli)
            assert (action.dest, action.default, action.required) == (option.name, option.default, option.required)
    connection = {setting.cli for setting in SETTINGS if setting.cli}
    assert connection == {"--api-url", "--org-id", "--request-timeout"}
    assert set(flags) == {"-h", "--json", *connection}


def test_views_produce_exactly_the_table_outputs() -> None:
    assert set(deploy_values(None)) == {o.name for o in LATEST_DEPLOY.outputs}
    assert set(releases_values([])) == {o.name for o in COMPONENT_RELEASES.outputs}
    outcome = InstallOutcome.of(INL1, Verdict.PASS, "ok", None, 0.0)
    assert set(gate_values(WaitResult(CMP1, {INL1: outcome}, 0.0, None), INL1)) == {o.name for o in DEPLOY_GATE.outputs}
    assert GET_LATEST_DEPLOY.outputs == LATEST_DEPLOY.outputs
    assert GET_COMPONENT_RELEASES.outputs == COMPONENT_RELEASES.outputs


def test_function_results_have_a_property_per_output() -> None:
    for result, spec in (
        (nuon.GetLatestDeployResult, GET_LATEST_DEPLOY),
        (nuon.GetComponentReleasesResult, GET_COMPONENT_RELEASES),
    ):
        assert all(isinstance(getattr(result, o.name, None), property) for o in spec.outputs), spec.name


def test_the_docs_tables_are_the_rendered_tables() -> None:
    """Each generated block is in exactly one page (the README or docs/reference.md), as rendered."""
    found = blocks_in_pages()
    expected = generated_blocks(None)
    assert sorted(name for _, name, _ in found) == sorted(expected)
    for page, name, text in found:
        assert text == expected[name], f"{page.name} block {name!r} is stale: run `make docs`"


def test_names_are_unique_and_camel_case_is_reversible() -> None:
    for spec in SPECS:
        names = [o.name for o in spec.inputs]
        assert len(names) == len(set(names)), spec.name
        for name in names + [o.name for o in spec.outputs]:
            assert camel(name).replace("_", "") == camel(name)
            assert "".join(f"_{c.lower()}" if c.isupper() else c for c in camel(name)) == name


# --- the checks built from the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"timeout_seconds": math.nan},
            ("timeout_seconds", "timeout_seconds must be a number greater than 0 and at most 604800, got nan"),
        ),
        (
            {"timeout_seconds": math.inf},
            ("timeout_seconds", "timeout_seconds must be a number greater than 0 and at most 604800, got inf"),
        ),
        (
            {"timeout_seconds": True},
            ("timeout_seconds", "timeout_seconds must be a number greater than 0 and at most 604800, got True"),
        ),
        (
            {"timeout_seconds": "60"},
            ("timeout_seconds", "timeout_seconds must be a number greater than 0 and at most 604800, got '60'"),
        ),
        (
            {"max_concurrency": 2.5},
            ("max_concurrency", "max_concurrency must be a whole number at least 1 and at most 64, got 2.5"),
        ),
        (
            {"accept_auto_skipped": "yes"},
            ("accept_auto_skipped", "accept_auto_skipped must be true or false, got 'yes'"),
        ),
        ({"install_ids": "x"}, ("install_ids", "install_ids must be a non-empty list of Nuon ids, got 'x'")),
        ({"install_ids": [[INL1]]}, ("install_ids", "install_ids[0] must be a string, got list.")),
        (
            {"build_id": "a b"},
            ("build_id", "build_id 'a b' is not a Nuon id: ids contain no whitespace, '/', '\\', '?', '#' or '%'."),
        ),
    ],
)
def test_check_inputs_names_the_input_and_what_it_allows(values: dict[str, Any], problem: tuple[str, str]) -> None:
    _, problems = check_inputs(DEPLOY_GATE, {"component_id": CMP1, **values})
    assert problems == [problem]


def test_check_inputs_fills_defaults_normalises_and_skips_unknowns() -> None:
    unknown = object()
    out, problems = check_inputs(
        DEPLOY_GATE,
        {"component_id": CMP1, "install_ids": [INL1, INL1, INL2], "max_concurrency": 4.0, "build_id": unknown},
        known=lambda v: v is not unknown,
    )
    assert problems == []
    assert out["install_ids"] == [INL1, INL2] and out["max_concurrency"] == 4 and out["build_id"] is unknown
    assert out["timeout_seconds"] == 1200.0 and out["accept_auto_skipped"] is True
    assert check_inputs(DEPLOY_GATE, {})[1] == [
        ("component_id", "component_id is required: " + DEPLOY_GATE.input("component_id").doc)
    ]


@pytest.mark.parametrize(
    ("old", "new", "replaces", "updates"),
    [
        ({}, {"timeout_seconds": 60}, [], []),
        ({}, {"build_id": BLD2}, [], ["build_id"]),
        ({"timeout_seconds": 10}, {"timeout_seconds": 10.0}, [], []),
        ({"skip_wait": True}, {"skip_wait": False}, [], ["skip_wait"]),
        ({"skip_wait": False}, {"skip_wait": True}, [], []),
        ({}, {"accept_auto_skipped": False}, [], ["accept_auto_skipped"]),
        ({"accept_auto_skipped": False}, {"accept_auto_skipped": True}, [], []),
        ({}, {"fail_on_pending_approval": True}, [], ["fail_on_pending_approval"]),
        ({"triggers": {"a": 1, "b": 2}}, {"triggers": {"b": 2, "a": 1}}, [], []),
    ],
)
def test_the_gate_diff_follows_each_inputs_change_rule(
    old: dict[str, Any], new: dict[str, Any], replaces: list[str], updates: list[str]
) -> None:
    assert diff_inputs(DEPLOY_GATE, old, new) == (replaces, updates)


def test_view_diff_replaces_on_identity_and_always_refresh_updates_every_time() -> None:
    olds = {"install_id": INL1, "component_id": CMP1}
    assert diff_inputs(LATEST_DEPLOY, olds, {**olds, "install_id": INL2}) == (["install_id"], [])
    assert diff_inputs(LATEST_DEPLOY, olds, {**olds, "always_refresh": True}) == ([], ["always_refresh"])


@pytest.mark.parametrize("limit", [1, 100, 5.0])
def test_limit_accepts_whole_numbers_from_one(limit: Any) -> None:
    assert check_limit(limit) == int(limit)


def test_wait_options_reject_nan_everywhere_with_the_option_named() -> None:
    for option in DEPLOY_GATE.inputs:
        if option.wait and option.type == "number":
            with pytest.raises(InvalidArgumentError) as info:
                WaitOptions(**{option.name: math.nan})
            assert info.value.argument == option.name


def test_every_setting_is_one_row_that_the_signatures_fields_and_docs_follow() -> None:
    """A setting is declared once, as a row of SETTINGS: Settings' fields, the keyword arguments of both clients and
    of resolve_settings, and the clients' docstrings (config key and environment variable) follow the rows."""
    import dataclasses
    import inspect

    from pulumi_nuon.api.client import AsyncNuonClient, NuonClient
    from pulumi_nuon.core.settings import Settings, resolve_settings

    names = [setting.name for setting in SETTINGS]
    assert [f.name for f in dataclasses.fields(Settings)] == ["api_url", "org_id", "api_token", "request_timeout"]
    assert sorted(f.name for f in dataclasses.fields(Settings)) == sorted(names)
    for function in (NuonClient.__init__, AsyncNuonClient.__init__, resolve_settings):
        parameters = inspect.signature(function).parameters
        assert all(name in parameters and parameters[name].default is None for name in names), function
    for setting in SETTINGS:
        assert setting.config_key.startswith("nuon:") and setting.env.startswith("NUON_")
        assert setting.config_key in (NuonClient.__doc__ or "") and setting.env in (NuonClient.__doc__ or "")
        assert setting.where == f"{setting.config_key} / {setting.env}"
