"""A dynamic provider that lives next to the program (importable only from the program's directory)."""

from __future__ import annotations

import os
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ResourceProvider


class LocalProvider(ResourceProvider):
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("local-1", {**props, "pid": os.getpid(), "cwd": os.getcwd()})


class Local(pulumi.dynamic.Resource):
    greeting: pulumi.Output[str]
    pid: pulumi.Output[int]
    cwd: pulumi.Output[str]

    def __init__(self, name: str, greeting: str) -> None:
        super().__init__(LocalProvider(), name, {"greeting": greeting, "pid": None, "cwd": None})
