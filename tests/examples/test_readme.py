"""The README tells the truth: its first two commands, its offline-test snippet (run as written), its CLI lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pulumi_nuon.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def code_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_the_first_two_commands_are_make_demo_and_make_test() -> None:
    commands = [
        line.strip()
        for block in re.findall(r"```\w*\n(.*?)```", README, flags=re.S)
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands[:2] == ["make demo", "make test"]


def test_the_offline_test_snippet_passes_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = next(block for block in code_blocks("python") if "LocalEngine(" in block)
    monkeypatch.chdir(ROOT)  # the snippet names examples/gated-rollout relative to the repository's root
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    namespace["test_the_gate_waits_for_the_rollout"]()


def test_every_cli_command_in_the_readme_exists(capsys: pytest.CaptureFixture[str]) -> None:
    named = set(re.findall(r"pulumi-nuon (releases|deploy|wait|simulate|demo|\w+)", README))
    assert named <= {"releases", "deploy", "wait", "simulate", "demo"}, named
    for command in named:
        assert main([command, "--help"]) == 0
    capsys.readouterr()
