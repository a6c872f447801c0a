"""Run one operation of a Python Pulumi project through the real Pulumi CLI: the Automation API's inline program.

    <venv>/bin/python drive_python.py <project dir> <stack> preview|up|refresh|destroy [--parallel N]

Why this and not `pulumi up` in the folder: the real CLI runs a Python program through its Python language host
(`pulumi-language-python`), a Go module the module proxy these machines reach does not serve (docs/real-pulumi.md).
The Automation API needs no language host: it serves the program itself (`pulumi up --client=<address>`), so the
real CLI and engine do everything else — plugins, the dynamic-provider host (`pulumi-resource-pulumi-python`, run by
the engine with this venv's `python3` first on PATH), diffs, the checkpoint, the stack's config and secrets. The
program is the project's own `__main__.py`, run unchanged in this process.

The CLI's output goes to stdout as it comes; the last line is `E2E-RESULT {json}` (summary, outputs, exit code).
The stack must exist (`pulumi stack init` through the CLI); its config is whatever `pulumi config set` put there.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

from pulumi import automation as auto


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("stack")
    parser.add_argument("op", choices=["preview", "up", "refresh", "destroy"])
    parser.add_argument("--parallel", type=int, default=None)
    args = parser.parse_args()
    project: Path = args.project.resolve()

    def program() -> None:
        sys.path.insert(0, str(project))
        runpy.run_path(str(project / "__main__.py"), run_name="__main__")

    # PULUMI_NUON_E2E_PULUMI_ROOT: the folder whose bin/pulumi is the CLI to drive (the harness sets it).
    command = auto.PulumiCommand(root=os.environ["PULUMI_NUON_E2E_PULUMI_ROOT"])
    workspace = auto.LocalWorkspace(work_dir=str(project), pulumi_command=command, program=program)
    stack = auto.Stack.select(args.stack, workspace)  # the project's own Pulumi.yaml, as drive_node.js does

    def show(line: str) -> None:
        print(line, flush=True)

    result: dict[str, Any] = {"op": args.op, "code": 0}
    extra: dict[str, Any] = {} if args.parallel is None else {"parallel": args.parallel}
    try:
        if args.op == "preview":
            preview = stack.preview(on_output=show, **extra)
            result["changes"] = dict(preview.change_summary)
        elif args.op == "up":
            up = stack.up(on_output=show, **extra)
            result["changes"] = dict(up.summary.resource_changes or {})
            result["outputs"] = {key: value.value for key, value in up.outputs.items()}
        elif args.op == "refresh":
            refresh = stack.refresh(on_output=show, **extra)
            result["changes"] = dict(refresh.summary.resource_changes or {})
        else:
            destroy = stack.destroy(on_output=show, **extra)
            result["changes"] = dict(destroy.summary.resource_changes or {})
    except auto.errors.CommandError as error:
        # The error carries the CLI's exit code and stderr only in its text: "\n code: N\n stdout: ...\n stderr: ...".
        text = str(error)
        code, _, rest = text.partition(" code: ")[2].partition("\n")
        sys.stdout.write(rest.partition(" stderr: ")[2])
        sys.stdout.flush()
        result["code"] = int(code) if code.strip().lstrip("-").isdigit() else 1
    print("E2E-RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
