"""A pytest fixture that runs your program through the real Pulumi CLI against the simulator (`PulumiStack`).

Turn it on in your `conftest.py` with ``pytest_plugins = ["pulumi_nuon.testing.pytest_plugin"]``, then::

    def test_my_program(pulumi_stack):
        sim = Simulator()
        ...                                   # components, installs, deploys
        with sim.serve() as server:
            stack = pulumi_stack(program, server=server)
            result = stack.up()
            assert result.ok, result.error

`pulumi_stack(program, **kwargs)` takes `PulumiStack`'s arguments and removes every stack it made (and its
temporary backend) when the test ends. It needs pytest, and the `pulumi` CLI on PATH (or `pulumi_bin=`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pulumi_nuon.testing.real_pulumi import PulumiStack

__all__ = ["pulumi_stack"]


@pytest.fixture
def pulumi_stack() -> Iterator[Callable[..., PulumiStack]]:
    """`pulumi_stack(program, server=server, config={...})`: a `PulumiStack`, closed when the test ends."""
    made: list[PulumiStack] = []

    def make(program: Callable[[], Any], **kwargs: Any) -> PulumiStack:
        made.append(PulumiStack(program, **kwargs))
        return made[-1]

    yield make
    for stack in reversed(made):
        stack.close()
