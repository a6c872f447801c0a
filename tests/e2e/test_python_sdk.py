"""A Python program on the generated Python SDK (sdk/python, `pulumi_nuon_native`: the native plugin from Python),
through the real CLI: the gate, a function and a LatestDeploy, with `python` driving the Automation API's inline
program as for the other Python examples (tests/e2e/drive_python.py). The SDK is pip-installed into the examples'
venv as a provider's release build does it: sdk/python copied, its README put beside pyproject.toml (the generator
writes it into the package folder; pyproject.toml names it at the top), then `pip install`."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CANARY_TOKEN, Org
from tests.e2e.conftest import FAST, new_stack, nuon_config, record
from tests.e2e.realcli import REPO, Project

ProjectFactory = Callable[..., Project]

PROGRAM = '''"""The gated rollout on the native plugin, from Python: pulumi_nuon_native is the generated SDK."""
import pulumi
import pulumi_nuon_native as nuon

config = pulumi.Config()
component_id = config.require("componentId")
install_id = config.require("installId")
before = nuon.get_latest_deploy_output(component_id=component_id, install_id=install_id)
gate = nuon.DeployGate(
    "web-app-rollout",
    component_id=component_id,
    install_id=install_id,
    build_id=config.require("buildId"),
    timeout_seconds=config.require_float("timeoutSeconds"),
    poll_interval_seconds=config.require_float("pollIntervalSeconds"),
)
snapshot = nuon.LatestDeploy(
    "post-gate-snapshot",
    component_id=component_id,
    install_id=install_id,
    opts=pulumi.ResourceOptions(depends_on=[gate]),
)
pulumi.export("statusBefore", before.status)
pulumi.export("gatePhase", gate.phase)
pulumi.export("status", gate.status)
pulumi.export("snapshotStatus", snapshot.status)
'''


def test_a_python_program_on_the_generated_sdk(
    org: Org, project: ProjectFactory, example_venv: Path, tmp_path: Path
) -> None:
    sdk = tmp_path / "sdk-python"
    shutil.copytree(REPO / "sdk" / "python", sdk)
    shutil.copy(sdk / "pulumi_nuon_native" / "README.md", sdk / "README.md")
    pip = [str(example_venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-deps", str(sdk)], check=True, timeout=300)
    folder = tmp_path / "python-sdk-gate"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(
        "name: python-sdk-gate\nruntime: python\n"
        f"plugins:\n  providers:\n    - name: nuon\n      path: {REPO / 'provider'}\n"
    )
    (folder / "__main__.py").write_text(PROGRAM)
    proj = project("python-sdk-gate", folder)
    release = org.release(org.prod)
    plain, secret = nuon_config(org)
    stack = new_stack()
    config = {**plain, "componentId": org.app.id, "installId": org.prod.id, "buildId": release.build_id, **FAST}
    proj.init(stack, config, secret)

    up = proj.op(stack, "up").ok()
    record("python on sdk/python", "up", up.seconds, ", ".join(f"{n} {k}" for k, n in sorted(up.changes.items())))
    outputs = proj.outputs(stack)
    assert outputs["gatePhase"] == "succeeded", (outputs, up.output)
    assert outputs["status"] == outputs["snapshotStatus"] == "active", outputs
    again = proj.op(stack, "up").ok()
    assert set(again.changes) == {"same"}, again.output
    destroy = proj.op(stack, "destroy").ok()
    assert "delete" in destroy.changes, destroy.output
    for run in (up, again, destroy):
        assert CANARY_TOKEN not in run.output
