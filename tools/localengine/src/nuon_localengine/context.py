"""`RunContext`: what one operation tells the program it runs — the engine's addresses, the stack, the config.

One object carries it everywhere it goes: the language hosts' arguments (`program.run_project`), the in-process
runtime of a callable program (`sdk.ProgramRuntime`), and the monitor's `GetDeploymentInfo` (`monitor`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

__all__ = ["RunContext"]


@dataclasses.dataclass(frozen=True)
class RunContext:
    """The settings a program runs under for one operation, as the CLI hands them to a language host."""

    monitor: str
    """The `ResourceMonitor` service's address (127.0.0.1:<port>)."""
    engine: str
    """The `Engine` service's address (the same server)."""
    organization: str
    project: str
    stack: str
    preview: bool
    """`dry_run`: a preview, where outputs may be unknown."""
    parallel: int
    """`--parallel`, as the language host passes it."""
    config: Mapping[str, str]
    """The stack config, namespaced keys, plaintext (it never goes into a repr: see `__repr__`)."""
    secret_keys: tuple[str, ...]
    """The config keys whose values are secret, sorted."""

    def __repr__(self) -> str:
        return (
            f"RunContext(project={self.project!r}, stack={self.stack!r}, preview={self.preview}, "
            f"config keys={sorted(self.config)!r})"
        )
