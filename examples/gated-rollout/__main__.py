"""Gate a resource on a Nuon deploy: `dns-switch` waits until the build being rolled out is live on the install.

The `DeployGate` polls the latest deploy of the component on the install until the deploy of `buildId` is `active`
(it passes), fails with Nuon's own description (the update fails and nothing after the gate runs), or the timeout
passes. `dns-switch` stands in for your real resource (a DNS record, a smoke test, a status page, the next
environment's rollout): anything with `depends_on=[gate]` waits for the gate.

Which deploy counts is pinned by the build id: set `buildId` from CI (the build it asked Nuon to deploy). Without
it, the program asks Nuon for the newest release's build — a legacy route that newer Nuon APIs no longer serve.
"""

import pulumi

import pulumi_nuon as nuon

config = pulumi.Config()
component_id = config.require("componentId")
install_id = config.require("installId")

# The pin: the build CI deployed (`pulumi config set buildId bld...`), else the newest release's build.
build_id = config.get("buildId") or nuon.get_component_releases_output(component_id, limit=1).latest_build_id

gate = nuon.DeployGate(
    "web-app-rollout",
    component_id=component_id,
    install_id=install_id,
    build_id=build_id,
    timeout_seconds=config.get_float("timeoutSeconds") or 1200,
    poll_interval_seconds=config.get_float("pollIntervalSeconds") or 10,
)


class DnsSwitch(pulumi.ComponentResource):
    """A stand-in for the resource you want to hold back until the deploy is live; it creates nothing."""

    def __init__(self, name: str, target: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("examples:gated-rollout:DnsSwitch", name, None, opts)
        self.target = pulumi.Output.from_input(target)
        self.register_outputs({"target": self.target})


switch = DnsSwitch("dns-switch", target=gate.deploy_id, opts=pulumi.ResourceOptions(depends_on=[gate]))

# What Nuon reports once the gate has passed, held in state (`pulumi refresh` reads it again).
snapshot = nuon.LatestDeploy(
    "post-gate-snapshot",
    install_id=install_id,
    component_id=component_id,
    opts=pulumi.ResourceOptions(depends_on=[gate]),
)

pulumi.export("component_id", component_id)
pulumi.export("install_id", install_id)
pulumi.export("build_id", build_id)
pulumi.export("gate_phase", gate.phase)
pulumi.export("deploy_id", gate.deploy_id)
pulumi.export("status", gate.status)
pulumi.export("passed_at", gate.passed_at)
pulumi.export("switched_to", switch.target)
pulumi.export("snapshot_status", snapshot.status)
