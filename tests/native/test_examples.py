"""The native examples say only what the plugin's schema declares.

There is no Pulumi YAML engine here (the Pulumi CLI cannot be installed), so `examples/yaml-gate` is checked
against the schema: every type, function, property, output and required input it uses. The TypeScript example
uses the generated SDK (sdk/nodejs), which tests/sdk holds to the schema; here it is type-checked.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pulumi_nuon.native.schema import build_schema
from tests.conftest import require_node

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCHEMA = build_schema()
_REFERENCE = re.compile(r"\$\{([\w-]+)\.(\w+)\}")


def _required(spec: dict[str, Any], key: str) -> set[str]:
    return set(spec.get(key, []))


def test_the_yaml_example_uses_only_what_the_schema_declares() -> None:
    project = yaml.safe_load((EXAMPLES / "yaml-gate" / "Pulumi.yaml").read_text())
    assert project["runtime"] == "yaml"
    [plugin] = project["plugins"]["providers"]
    assert plugin["name"] == SCHEMA["name"]
    assert (EXAMPLES / "yaml-gate" / plugin["path"] / "PulumiPlugin.yaml").is_file()

    outputs_of: dict[str, set[str]] = {}
    for name, variable in project["variables"].items():
        invoke = variable["fn::invoke"]
        function = SCHEMA["functions"][invoke["function"]]
        assert set(invoke["arguments"]) <= set(function["inputs"]["properties"]), name
        assert _required(function["inputs"], "required") <= set(invoke["arguments"]), name
        outputs_of[name] = set(function["outputs"]["properties"])
    for name, resource in project["resources"].items():
        spec = SCHEMA["resources"][resource["type"]]
        assert set(resource["properties"]) <= set(spec["inputProperties"]), name
        assert _required(spec, "requiredInputs") <= set(resource["properties"]), name
        outputs_of[name] = set(spec["properties"])

    text = (EXAMPLES / "yaml-gate" / "Pulumi.yaml").read_text()
    references = _REFERENCE.findall(text)
    assert {owner for owner, _ in references} == set(outputs_of)  # every invoke and resource is used
    assert [(owner, prop) for owner, prop in references if prop not in outputs_of[owner]] == []


def test_the_typescript_example_type_checks() -> None:
    """`pulumi up` type-checks it (ts-node); the engine tests run it transpile-only, so the check is here, once."""
    project = EXAMPLES / "typescript-gate"
    require_node(project)
    tsc = project / "node_modules" / ".bin" / "tsc"
    done = subprocess.run(
        [str(tsc), "-p", str(project), "--noEmit"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
