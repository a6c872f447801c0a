"""`pulumi_nuon.testing.real_pulumi` and its pytest fixture, as a user runs them: the README's snippet as written,
the fixture, and the one-line error without a CLI. (tests/e2e/test_differential.py runs every scenario on it too.)"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest

import pulumi_nuon as nuon
from pulumi_nuon.errors import ConfigurationError
from pulumi_nuon.testing import Simulator, Timeline
from pulumi_nuon.testing.real_pulumi import PulumiStack, find_pulumi
from tests.conftest import CANARY_TOKEN

pytest_plugins = ["pulumi_nuon.testing.pytest_plugin"]  # as a user's conftest.py turns the fixture on

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_readme_snippet_passes_as_written(cli_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [snippet] = [block for block in re.findall(r"```python\n(.*?)```", README, flags=re.S) if "PulumiStack(" in block]
    monkeypatch.setenv("PATH", f"{cli_bin}{os.pathsep}{os.environ['PATH']}")  # a user's pulumi is on PATH
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    [test] = [value for name, value in namespace.items() if name.startswith("test_")]
    test()


def test_the_fixture_runs_a_failing_program_and_keeps_the_token_out(cli_bin: Path, pulumi_stack: Any) -> None:
    sim = Simulator(token=CANARY_TOKEN)
    app = sim.add_component("web-app")
    prod = sim.add_install("acme-prod", components=[app])
    sim.trigger_deploy(prod, app, timeline=Timeline.failure(description="terraform apply failed"))
    sim.auto_advance(10)

    def program() -> None:
        gate = nuon.DeployGate("gate", component_id=app.id, install_id=prod.id, poll_interval_seconds=0.05)
        pulumi.export("phase", gate.phase)

    with sim.serve() as server:
        stack: PulumiStack = pulumi_stack(program, server=server, pulumi_bin=cli_bin, project="fixture")
        result = stack.up()
        written = [path.read_text(errors="replace") for path in stack.workdir.rglob("*.json")]
        written += [path.read_text() for path in stack.workdir.glob("Pulumi.*.yaml")]
    assert not result.ok
    assert "ended in status 'error': terraform apply failed" in result.error, result.output
    assert result.error.startswith("gate: Deploy gate failed on install"), result.error
    assert written, "no checkpoint or stack settings were written"
    assert not [text for text in [result.output, repr(result), *written] if CANARY_TOKEN in text]


def test_no_cli_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match="Pulumi CLI was not found on PATH: install it"):
        find_pulumi()
    with pytest.raises(ConfigurationError, match=f"no `pulumi` executable in {re.escape(str(tmp_path))}"):
        find_pulumi(tmp_path)
