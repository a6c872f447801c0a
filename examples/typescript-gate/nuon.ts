// What `pulumi package add ../../provider` generates for TypeScript, boiled down to the parts this program uses:
// each resource is a CustomResource of its `nuon:index:*` type whose outputs start undefined, each function an
// invoke of its token. tests/native/test_examples.py keeps these names equal to the plugin's schema
// (provider/pulumi_nuon/native/schema.json). With a generated SDK, `import * as nuon from "@pulumi-nuon/native"`.
import * as pulumi from "@pulumi/pulumi";

export interface DeployGateArgs {
    componentId: pulumi.Input<string>;
    installId?: pulumi.Input<string>;
    installIds?: pulumi.Input<pulumi.Input<string>[]>;
    buildId?: pulumi.Input<string>;
    timeoutSeconds?: pulumi.Input<number>;
    pollIntervalSeconds?: pulumi.Input<number>;
    acceptAutoSkipped?: pulumi.Input<boolean>;
    failOnPendingApproval?: pulumi.Input<boolean>;
    approvalTimeoutSeconds?: pulumi.Input<number>;
    notFoundGraceSeconds?: pulumi.Input<number>;
    maxConcurrency?: pulumi.Input<number>;
    triggers?: any;
    skipWait?: pulumi.Input<boolean>;
}

/** Waits until the latest deploy of a component is done on one install or a fleet; fails the update if not. */
export class DeployGate extends pulumi.CustomResource {
    declare readonly phase: pulumi.Output<string>;
    declare readonly deployId: pulumi.Output<string | undefined>;
    declare readonly status: pulumi.Output<string | undefined>;
    declare readonly deployIds: pulumi.Output<Record<string, string>>;
    declare readonly statuses: pulumi.Output<Record<string, string>>;
    declare readonly passedAt: pulumi.Output<string | undefined>;

    constructor(name: string, args: DeployGateArgs, opts?: pulumi.CustomResourceOptions) {
        const outputs = {
            phase: undefined,
            deployId: undefined,
            status: undefined,
            deployIds: undefined,
            statuses: undefined,
            passedAt: undefined,
        };
        super("nuon:index:DeployGate", name, { ...args, ...outputs }, opts);
    }
}

export interface LatestDeployArgs {
    installId: pulumi.Input<string>;
    componentId: pulumi.Input<string>;
    triggers?: any;
    alwaysRefresh?: pulumi.Input<boolean>;
}

/** The latest deploy of a component on an install, held in state; `pulumi refresh` reads it again. */
export class LatestDeploy extends pulumi.CustomResource {
    declare readonly found: pulumi.Output<boolean>;
    declare readonly deployId: pulumi.Output<string | undefined>;
    declare readonly status: pulumi.Output<string | undefined>;
    declare readonly statusDescription: pulumi.Output<string | undefined>;
    declare readonly phase: pulumi.Output<string>;
    declare readonly buildId: pulumi.Output<string | undefined>;
    declare readonly releaseId: pulumi.Output<string | undefined>;
    declare readonly installDeployType: pulumi.Output<string | undefined>;
    declare readonly createdAt: pulumi.Output<string | undefined>;
    declare readonly updatedAt: pulumi.Output<string | undefined>;

    constructor(name: string, args: LatestDeployArgs, opts?: pulumi.CustomResourceOptions) {
        const outputs = {
            found: undefined,
            deployId: undefined,
            status: undefined,
            statusDescription: undefined,
            phase: undefined,
            buildId: undefined,
            releaseId: undefined,
            installDeployType: undefined,
            createdAt: undefined,
            updatedAt: undefined,
        };
        super("nuon:index:LatestDeploy", name, { ...args, ...outputs }, opts);
    }
}

export interface GetComponentReleasesArgs {
    componentId: pulumi.Input<string>;
    limit?: pulumi.Input<number>;
}

export interface GetComponentReleasesResult {
    readonly releaseIds: string[];
    readonly latestReleaseId?: string;
    readonly latestBuildId?: string;
    readonly releaseCount: number;
}

/** Read a component's releases, newest first. */
export function getComponentReleasesOutput(
    args: GetComponentReleasesArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetComponentReleasesResult> {
    return pulumi.runtime.invokeOutput(
        "nuon:index:getComponentReleases",
        { componentId: args.componentId, limit: args.limit },
        opts,
    );
}

export interface GetLatestDeployArgs {
    installId: pulumi.Input<string>;
    componentId: pulumi.Input<string>;
}

export interface GetLatestDeployResult {
    readonly found: boolean;
    readonly deployId?: string;
    readonly status?: string;
    readonly statusDescription?: string;
    readonly phase: string;
    readonly buildId?: string;
    readonly releaseId?: string;
    readonly installDeployType?: string;
    readonly createdAt?: string;
    readonly updatedAt?: string;
}

/** Read the latest deploy of a component on an install (`found` is false when there is none yet). */
export function getLatestDeployOutput(
    args: GetLatestDeployArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetLatestDeployResult> {
    return pulumi.runtime.invokeOutput(
        "nuon:index:getLatestDeploy",
        { installId: args.installId, componentId: args.componentId },
        opts,
    );
}
