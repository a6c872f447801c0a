"""The native provider's package schema: built from the tables, valid against Pulumi's metaschema, checked in as
served, with SDK names that cannot collide with this package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from pulumi_nuon.core.options import DEPLOY_GATE, SPECS
from pulumi_nuon.core.settings import SETTINGS
from pulumi_nuon.native.schema import LANGUAGE, SCHEMA_FILE, build_schema, schema_text
from tests.conftest import DATA

METASCHEMA = DATA / "pulumi-schema" / "pulumi.json"


def metaschema() -> dict[str, Any]:
    # Go/ECMAScript named groups `(?<name>…)` are `(?P<name>…)` in Python (see tests/data/pulumi-schema/SOURCE.md).
    return json.loads(METASCHEMA.read_text().replace("(?<", "(?P<"))  # type: ignore[no-any-return]


def test_the_schema_is_valid_against_pulumis_package_metaschema() -> None:
    validator = jsonschema.Draft202012Validator(metaschema())
    schema = build_schema()
    validator.validate(schema)
    schema["resources"]["nuon:index:DeployGate"]["inputProperties"]["timeoutSeconds"]["type"] = "float"
    assert not validator.is_valid(schema)  # the metaschema does check property types


def test_the_checked_in_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), "schema.json is stale: run `make docs`"
    assert json.loads(SCHEMA_FILE.read_text())["version"] == build_schema()["version"]


def test_tokens_and_properties_are_the_option_tables_in_camel_case() -> None:
    schema = build_schema()
    assert sorted(schema["resources"]) == [
        "nuon:index:ComponentReleases",
        "nuon:index:DeployGate",
        "nuon:index:LatestDeploy",
    ]
    assert sorted(schema["functions"]) == ["nuon:index:getComponentReleases", "nuon:index:getLatestDeploy"]
    for spec in SPECS:
        if spec.kind == "resource":
            entry = schema["resources"][f"nuon:index:{spec.name}"]
            assert list(entry["inputProperties"]) == [o.camel_name for o in spec.inputs]
            assert list(entry["properties"]) == [o.camel_name for o in (*spec.inputs, *spec.outputs)]
        else:
            entry = schema["functions"][f"nuon:index:{spec.name}"]
            assert list(entry["inputs"]["properties"]) == [o.camel_name for o in spec.inputs]
            assert list(entry["outputs"]["properties"]) == [o.camel_name for o in spec.outputs]
    gate = schema["resources"]["nuon:index:DeployGate"]["inputProperties"]
    assert gate["timeoutSeconds"] == {
        "type": "number",
        "description": "Give up after this many seconds.",
        "default": DEPLOY_GATE.input("timeout_seconds").default,
    }
    assert gate["installIds"]["type"] == "array" and gate["triggers"] == {
        "$ref": "pulumi.json#/Any",
        "description": DEPLOY_GATE.input("triggers").doc,
    }
    assert "or use `installIds`" in gate["installId"]["description"]  # docs speak the camelCase names too
    latest = schema["resources"]["nuon:index:LatestDeploy"]["inputProperties"]
    assert latest["installId"]["willReplaceOnChanges"] is True


def test_provider_config_is_the_settings_table_with_the_token_secret() -> None:
    schema = build_schema()
    names = [s.config_key.removeprefix("nuon:") for s in SETTINGS]
    assert list(schema["config"]["variables"]) == names
    assert schema["provider"]["inputProperties"] == schema["config"]["variables"]
    secret = {n for n, p in schema["config"]["variables"].items() if p.get("secret")}
    assert secret == {"apiToken"}
    assert all(s.env in schema["config"]["variables"][s.config_key[5:]]["description"] for s in SETTINGS)


def test_generated_sdks_cannot_shadow_this_package_or_claim_pulumis_names() -> None:
    assert build_schema()["language"] == LANGUAGE
    assert LANGUAGE["python"]["packageName"] not in ("pulumi_nuon", "pulumi-nuon")
    assert not LANGUAGE["nodejs"]["packageName"].startswith("@pulumi/")
    assert LANGUAGE["csharp"]["rootNamespace"] != "Pulumi"
    assert not LANGUAGE["java"]["basePackage"].startswith("com.pulumi.")


def test_the_plugin_directory_is_a_python_plugin_that_installs_this_checkout() -> None:
    provider = Path(__file__).resolve().parents[2] / "provider"
    assert (provider / "PulumiPlugin.yaml").read_text().splitlines()[-1] == "runtime: python"
    requirements = [
        line.strip() for line in (provider / "requirements.txt").read_text().splitlines() if not line.startswith("#")
    ]
    assert requirements == ["..", "pulumi>=3.171,<4"]  # never `pulumi-nuon` from PyPI: that name is not ours
    assert "from pulumi_nuon.native import main" in (provider / "__main__.py").read_text()
