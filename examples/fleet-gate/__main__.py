"""One gate over a whole fleet: wait until the build being rolled out is live on every install.

A single `DeployGate` with `install_ids` watches the installs concurrently (a dynamic provider host has only four
worker threads, so one gate per install would not scale). It fails as soon as one deploy fails, naming the
install; on timeout it lists each install still pending with its last status. The build is pinned by `buildId`
(from CI); without it, the newest release's build (a route newer Nuon APIs no longer serve).
"""

import pulumi

import pulumi_nuon as nuon

config = pulumi.Config()
component_id = config.require("componentId")
install_ids: list[str] = config.require_object("installIds")

build_id = config.get("buildId") or nuon.get_component_releases_output(component_id, limit=1).latest_build_id

fleet = nuon.DeployGate(
    "fleet-rollout",
    component_id=component_id,
    install_ids=install_ids,
    build_id=build_id,
    timeout_seconds=config.get_float("timeoutSeconds") or 1800,
    poll_interval_seconds=config.get_float("pollIntervalSeconds") or 15,
)


class FleetAnnouncement(pulumi.ComponentResource):
    """A stand-in for what follows a fleet-wide rollout (a status page, a changelog post); it creates nothing."""

    def __init__(self, name: str, build_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("examples:fleet-gate:FleetAnnouncement", name, None, opts)
        self.build_id = pulumi.Output.from_input(build_id)
        self.register_outputs({"build_id": self.build_id})


announcement = FleetAnnouncement(
    "release-announcement", build_id=build_id, opts=pulumi.ResourceOptions(depends_on=[fleet])
)

pulumi.export("build_id", build_id)
pulumi.export("phase", fleet.phase)
pulumi.export("deploy_ids", fleet.deploy_ids)
pulumi.export("statuses", fleet.statuses)
pulumi.export("passed_at", fleet.passed_at)
pulumi.export("announced_build_id", announcement.build_id)
