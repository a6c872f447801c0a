"""Promote what one stack verified to the next environment: gate this stack's install on the upstream build.

The upstream stack is `examples/gated-rollout` (say, on a staging install); it exports the component and the build
its gate passed on. A `StackReference` reads the outputs of the upstream stack's last *successful* update — a
failed update changes no outputs — so `build_id` is always a build that passed there, never one that failed later.
This stack then gates its own install (say, production) on that same build: `next-environment` waits until Nuon has
deployed it here too, and `promotion` (a stand-in for what follows) waits for the gate.
"""

import pulumi

import pulumi_nuon as nuon

config = pulumi.Config()
upstream = pulumi.StackReference(config.require("rolloutStack"))

component_id = upstream.require_output("component_id")
build_id = upstream.require_output("build_id")  # what the upstream gate passed on
install_id = config.require("installId")  # this environment's install

gate = nuon.DeployGate(
    "next-environment",
    component_id=component_id,
    install_id=install_id,
    build_id=build_id,
    timeout_seconds=config.get_float("timeoutSeconds") or 1800,
    poll_interval_seconds=config.get_float("pollIntervalSeconds") or 15,
)


class Promotion(pulumi.ComponentResource):
    """A stand-in for what follows the promotion (a DNS switch, a release note); it creates nothing."""

    def __init__(self, name: str, build_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("examples:stack-reference:Promotion", name, None, opts)
        self.build_id = pulumi.Output.from_input(build_id)
        self.register_outputs({"build_id": self.build_id})


promotion = Promotion("promotion", build_id=build_id, opts=pulumi.ResourceOptions(depends_on=[gate]))

pulumi.export("upstream_build_id", build_id)
pulumi.export("upstream_deploy_id", upstream.get_output("deploy_id"))
pulumi.export("deploy_id", gate.deploy_id)
pulumi.export("status", gate.status)
pulumi.export("gate_phase", gate.phase)
pulumi.export("promoted_build_id", promotion.build_id)
