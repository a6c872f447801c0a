"""The native provider's Pulumi package schema, generated from the option table and the settings table.

Resources and functions come from :data:`~pulumi_nuon.core.options.SPECS` (inputs, outputs, types, defaults, docs,
which inputs replace; a gate's description ends with the rules of :data:`~pulumi_nuon.gate.rules.GATE_RULES`),
provider config from :data:`~pulumi_nuon.core.settings.SETTINGS`; names are the tables' in Pulumi's camelCase. The
plugin serves :func:`build_schema` from ``GetSchema``; ``schema.json`` next to this module is the same document
checked in (for ``pulumi package gen-sdk`` and readers; a test keeps the two equal, and ``make docs`` rewrites it).
No Pulumi import here.

Generated SDKs get their own names (:data:`LANGUAGE`), so a generated Python SDK can never shadow this package
(``pulumi_nuon``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pulumi_nuon._version import __version__
from pulumi_nuon.core.options import SPECS, InputType, Option, OutputSpec, OutputType, Spec, camel
from pulumi_nuon.core.settings import SETTINGS, SettingSpec
from pulumi_nuon.gate.rules import render_rules_markdown

__all__ = [
    "GO_IMPORT_BASE",
    "LANGUAGE",
    "PACKAGE",
    "SCHEMA_FILE",
    "build_schema",
    "config_name",
    "in_camel_case",
    "schema_text",
    "spec_for_token",
    "token",
]

PACKAGE = "nuon"
SCHEMA_FILE = Path(__file__).with_name("schema.json")

GO_IMPORT_BASE = "github.com/pulumi-nuon/pulumi-nuon/sdk/go/nuon"
"""The Go SDK's import path: the package ``nuon`` in the module ``github.com/pulumi-nuon/pulumi-nuon/sdk``
(``sdk/go.mod``), the layout Pulumi's provider repos use."""

LANGUAGE: dict[str, dict[str, Any]] = {
    "python": {
        "packageName": "pulumi_nuon_native",
        "respectSchemaVersion": True,
        "pyproject": {"enabled": True},
    },
    "nodejs": {
        "packageName": "@pulumi-nuon/native",
        "respectSchemaVersion": True,
    },
    "go": {
        "importBasePath": GO_IMPORT_BASE,
        "respectSchemaVersion": True,
        "generateResourceContainerTypes": True,
    },
    "csharp": {"rootNamespace": "PulumiNuon", "respectSchemaVersion": True},
    "java": {"basePackage": "com.pulumi_nuon"},
}
"""Names of generated SDKs (``sdk/``, written by ``make sdks``): none may be ``pulumi_nuon`` (this package) or claim
Pulumi's own ``@pulumi/``, ``Pulumi.``, ``com.pulumi`` and ``github.com/pulumi/`` namespaces. Each SDK carries the
schema's version (``respectSchemaVersion``), not a placeholder."""

_ANY = {"$ref": "pulumi.json#/Any"}
_INPUT_TYPES: dict[InputType, dict[str, Any]] = {
    "id": {"type": "string"},
    "ids": {"type": "array", "items": {"type": "string"}},
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "any": _ANY,
}
_OUTPUT_TYPES: dict[OutputType, dict[str, Any]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "string_list": {"type": "array", "items": {"type": "string"}},
    "string_map": {"type": "object", "additionalProperties": {"type": "string"}},
    "object_list": {"type": "array", "items": _ANY},
    "any": _ANY,
}

_NAMES = sorted(
    {o.name for spec in SPECS for o in spec.inputs}
    | {o.name for spec in SPECS for o in spec.outputs}
    | {s.name for s in SETTINGS},
    key=len,
    reverse=True,
)
_NAME_WORDS = re.compile(r"\b(" + "|".join(re.escape(n) for n in _NAMES if "_" in n) + r")\b")


def in_camel_case(text: str) -> str:
    """``text`` with the tables' names in camelCase (``timeout_seconds`` → ``timeoutSeconds``): the core's docs and
    messages name inputs as Python does; the native provider's users write them in camelCase."""
    return _NAME_WORDS.sub(lambda m: camel(m.group(1)), text)


def token(spec: Spec) -> str:
    """``nuon:index:DeployGate``, ``nuon:index:getLatestDeploy``."""
    return f"{PACKAGE}:index:{spec.name}"


_BY_TOKEN = {token(spec): spec for spec in SPECS}


def spec_for_token(tok: str) -> Spec | None:
    """The resource or function a type token names, or None."""
    return _BY_TOKEN.get(tok)


def _input_property(option: Option) -> dict[str, Any]:
    prop: dict[str, Any] = {**_INPUT_TYPES[option.type], "description": in_camel_case(option.doc)}
    if option.default is not None and option.type in ("number", "integer", "boolean", "string"):
        prop["default"] = option.default
    if option.change == "replace":
        prop["willReplaceOnChanges"] = True
    return prop


def _output_property(output: OutputSpec) -> dict[str, Any]:
    return {**_OUTPUT_TYPES[output.type], "description": in_camel_case(output.doc)}


def _setting_property(setting: SettingSpec) -> dict[str, Any]:
    doc = f"{setting.doc} Also read from the environment variable `{setting.env}`."
    prop: dict[str, Any] = {"type": setting.type, "description": doc}
    if setting.default is not None:
        prop["default"] = setting.default
    if setting.secret:
        prop["secret"] = True
    return prop


def config_name(setting: SettingSpec) -> str:
    """The setting's name in the provider's config (``apiToken``: the stack config key without ``nuon:``)."""
    return setting.config_key.partition(":")[2]


def _description(spec: Spec) -> str:
    """The spec's doc; for a gate, followed by what it does with each install's latest deploy (the rules table)."""
    if not spec.waits:
        return in_camel_case(spec.doc)
    rules = f"What it does with each install's latest deploy:\n\n{render_rules_markdown()}"
    return in_camel_case(f"{spec.doc}\n\n{rules}")


def _resource(spec: Spec) -> dict[str, Any]:
    inputs = {o.camel_name: _input_property(o) for o in spec.inputs}
    required = [o.camel_name for o in spec.inputs if o.required]
    return {
        "description": _description(spec),
        "type": "object",
        "inputProperties": inputs,
        "requiredInputs": required,
        "properties": {**inputs, **{o.camel_name: _output_property(o) for o in spec.outputs}},
        "required": required,
    }


def _function(spec: Spec) -> dict[str, Any]:
    return {
        "description": _description(spec),
        "inputs": {
            "type": "object",
            "properties": {o.camel_name: _input_property(o) for o in spec.inputs},
            "required": [o.camel_name for o in spec.inputs if o.required],
        },
        "outputs": {
            "type": "object",
            "properties": {o.camel_name: _output_property(o) for o in spec.outputs},
        },
    }


def build_schema(version: str = __version__) -> dict[str, Any]:
    """The package schema (a JSON-able dict) for plugin version ``version``."""
    settings = {config_name(s): _setting_property(s) for s in SETTINGS}
    return {
        "name": PACKAGE,
        "displayName": "Nuon",
        "version": version,
        "description": (
            "Read and wait on Nuon deploys: a component's releases, an install's latest deploy, and a DeployGate "
            "that holds later resources until Nuon has finished deploying."
        ),
        "keywords": ["pulumi", "nuon", "deploy", "gate", "kind/native"],
        "license": "Apache-2.0",
        "publisher": "pulumi-nuon",
        "config": {"variables": settings},
        "provider": {
            "description": "The provider type for the nuon package: where the Nuon API is and how to reach it.",
            "type": "object",
            "inputProperties": settings,
        },
        "resources": {token(s): _resource(s) for s in SPECS if s.kind == "resource"},
        "functions": {token(s): _function(s) for s in SPECS if s.kind == "function"},
        "language": LANGUAGE,
    }


def schema_text(version: str = __version__) -> str:
    """:func:`build_schema` as the JSON text served and checked in (sorted keys as built, 2-space indent)."""
    return json.dumps(build_schema(version), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text())
