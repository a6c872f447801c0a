"""Read another stack's Nuon outputs through a `StackReference`, and check them against Nuon now.

The upstream stack is `examples/gated-rollout`: it exports the component, install, build and the gate's result.
This stack proceeds from what that rollout verified (`upstream_passed`) and reads the install's latest deploy
again, so `still_current` turns False once a newer build has been deployed since the upstream update.
"""

import pulumi

import pulumi_nuon as nuon

config = pulumi.Config()
upstream = pulumi.StackReference(config.require("rolloutStack"))

component_id = upstream.require_output("component_id")
install_id = upstream.require_output("install_id")
build_id = upstream.get_output("build_id")
phase = upstream.get_output("gate_phase")

current = nuon.get_latest_deploy_output(install_id, component_id)

pulumi.export("upstream_build_id", build_id)
pulumi.export("upstream_deploy_id", upstream.get_output("deploy_id"))
pulumi.export("upstream_status", upstream.get_output("status"))
pulumi.export("upstream_passed", phase.apply(lambda p: p == "succeeded"))
pulumi.export("current_deploy_id", current.deploy_id)
pulumi.export("current_status", current.status)
pulumi.export("still_current", pulumi.Output.all(current.build_id, build_id).apply(lambda ids: ids[0] == ids[1]))
