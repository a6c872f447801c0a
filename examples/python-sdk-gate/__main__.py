"""The gated rollout on the native `nuon` plugin, from Python: `pulumi_nuon_native` is the generated SDK (sdk/python).

The same gate as examples/gated-rollout, served by the plugin instead of a dynamic provider: the engine's Cancel
(Ctrl-C) stops the wait at once and `custom_timeouts` are honoured; the stack holds `nuon:index:*` resources, the
same types a TypeScript, Go or YAML stack holds.
"""

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
    build_id=config.require("buildId"),  # the build CI deployed: which deploy counts
    timeout_seconds=config.get_float("timeoutSeconds") or 1200,
    poll_interval_seconds=config.get_float("pollIntervalSeconds") or 10,
    opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")),
)
# Anything with depends_on=[gate] waits for it: here, what Nuon reports once the gate has passed.
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
