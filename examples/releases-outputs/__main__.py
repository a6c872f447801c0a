"""Read a Nuon component's releases and an install's latest deploy; export them as stack outputs.

Nothing is created: the data-source functions read Nuon on every `pulumi preview` and `pulumi up`, and other stacks
can read the outputs through `pulumi.StackReference`. Releases are a legacy Nuon feature: against an API that no
longer serves them, set `readReleases` to false and only the deploy is read (otherwise the read fails, saying so).
"""

import pulumi

import pulumi_nuon as nuon

config = pulumi.Config()
component_id = config.require("componentId")
install_id = config.require("installId")

deploy = nuon.get_latest_deploy_output(install_id, component_id)

pulumi.export("deploy_found", deploy.found)
pulumi.export("deploy_id", deploy.deploy_id)
pulumi.export("deploy_status", deploy.status)
pulumi.export("deploy_phase", deploy.phase)
pulumi.export("deploy_build_id", deploy.build_id)

if config.get_bool("readReleases") is not False:
    releases = nuon.get_component_releases_output(component_id, limit=config.get_int("releaseLimit") or 10)
    pulumi.export("release_ids", releases.release_ids)
    pulumi.export("latest_release_id", releases.latest_release_id)
    pulumi.export("latest_build_id", releases.latest_build_id)
    # True when the install runs the newest release's build (deploys match releases by build id, not release id).
    pulumi.export(
        "deploy_is_latest_build",
        pulumi.Output.all(deploy.build_id, releases.latest_build_id).apply(
            lambda ids: ids[0] is not None and ids[0] == ids[1]
        ),
    )
