// Gate a resource on a Nuon deploy, from TypeScript: `dns-switch` waits until the build being rolled out is live on
// the install. The same program as examples/gated-rollout (Python), on the native `nuon` provider plugin.
//
// The gate polls Nuon until the deploy of that build is `active` (it passes), fails with Nuon's own words (the
// update fails and nothing after the gate runs), or its deadline passes: `timeoutSeconds`, or the resource's
// `customTimeouts` when shorter. Ctrl-C stops the wait at once. While it waits, `pulumi up` shows the deploy's
// status on the gate's row.
import * as pulumi from "@pulumi/pulumi";
import * as nuon from "@pulumi-nuon/native";

const config = new pulumi.Config();
const componentId = config.require("componentId");
const installId = config.require("installId");

// The pin: the build CI deployed (`pulumi config set buildId bld...`), else the newest release's build (a legacy
// route newer Nuon APIs no longer serve). Which deploy counts is decided by it.
const buildId: pulumi.Input<string> =
    config.get("buildId") ||
    (nuon.getComponentReleasesOutput({ componentId, limit: 1 }).latestBuildId as pulumi.Output<string>);
const before = nuon.getLatestDeployOutput({ installId, componentId });

const gate = new nuon.DeployGate(
    "web-app-rollout",
    {
        componentId,
        installId,
        buildId,
        timeoutSeconds: config.getNumber("timeoutSeconds") ?? 1200,
        pollIntervalSeconds: config.getNumber("pollIntervalSeconds") ?? 10,
    },
    { customTimeouts: { create: "30m", update: "30m" } },
);

/** A stand-in for the resource you want to hold back until the deploy is live; it creates nothing. */
class DnsSwitch extends pulumi.ComponentResource {
    readonly target: pulumi.Output<string | undefined>;

    constructor(name: string, target: pulumi.Input<string | undefined>, opts?: pulumi.ComponentResourceOptions) {
        super("examples:typescript-gate:DnsSwitch", name, {}, opts);
        this.target = pulumi.output(target);
        this.registerOutputs({ target: this.target });
    }
}

const dnsSwitch = new DnsSwitch("dns-switch", gate.deployId, { dependsOn: [gate] });

// What Nuon reports once the gate has passed, held in state (`pulumi refresh` reads it again).
const snapshot = new nuon.LatestDeploy("post-gate-snapshot", { installId, componentId }, { dependsOn: [gate] });

export const build = buildId;
export const statusBefore = before.status;
export const gatePhase = gate.phase;
export const deployId = gate.deployId;
export const status = gate.status;
export const passedAt = gate.passedAt;
export const switchedTo = dnsSwitch.target;
export const snapshotStatus = snapshot.status;
