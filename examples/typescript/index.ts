// A Node.js Pulumi program, unchanged from what `pulumi up` would run: LocalEngine starts it with
// @pulumi/pulumi's own runner (`node node_modules/@pulumi/pulumi/cmd/run`) against its resource monitor.
//
// Until the native `nuon` provider plugin exists, the resources are Things of the tests' `testprov` plugin
// (tests/engine/thing_plugin.py): a custom resource class is all a generated SDK boils down to.
import * as pulumi from "@pulumi/pulumi";

interface ThingArgs {
    key: pulumi.Input<string>;
    value?: pulumi.Input<string>;
    sleep?: pulumi.Input<number>;
    fail?: pulumi.Input<string>;
    waitForCancel?: pulumi.Input<boolean>;
}

class Thing extends pulumi.CustomResource {
    declare readonly key: pulumi.Output<string>;
    declare readonly value: pulumi.Output<string | undefined>;
    declare readonly pid: pulumi.Output<number>;
    declare readonly timeout: pulumi.Output<number>;
    declare readonly startedAt: pulumi.Output<number>;
    declare readonly finishedAt: pulumi.Output<number>;
    declare readonly region: pulumi.Output<string>;

    constructor(name: string, args: ThingArgs, opts?: pulumi.CustomResourceOptions) {
        const outputs = { pid: undefined, timeout: undefined, startedAt: undefined, finishedAt: undefined, region: undefined };
        super("testprov:index:Thing", name, { ...args, ...outputs }, opts);
    }
}

const config = new pulumi.Config();
const key = config.require("key");

// A secret input: it must stay secret in state, outputs and logs.
const first = new Thing("first", { key, value: config.requireSecret("token"), sleep: config.getNumber("sleep") });

// Waits for `first` (depends_on), gets a create timeout of 90 seconds.
const second = new Thing(
    "second",
    {
        key: pulumi.interpolate`${first.key}-second`,
        fail: config.get("failSecond"),
        waitForCancel: config.getBoolean("waitForCancel"),
    },
    { dependsOn: [first], customTimeouts: { create: "90s" } },
);

if (config.getBoolean("throw")) {
    throw new Error(`the program is broken after creating ${key}`);
}

// An invoke, served by the provider that owns the token's package.
const found = pulumi.runtime.invokeOutput<{ exists: boolean; region: string }>("testprov:index:getThing", { key });

export const firstId = first.id;
export const firstValue = first.value;
export const firstPid = first.pid;
export const firstFinishedAt = first.finishedAt;
export const secondStartedAt = second.startedAt;
export const secondTimeout = second.timeout;
export const region = second.region;
export const foundExists = found.exists;
