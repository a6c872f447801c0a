// Run one operation of a TypeScript Pulumi project through the real Pulumi CLI: the Automation API's inline program.
//
//     node drive_node.js <project dir> <stack> preview|up|refresh|destroy [--parallel N]
//
// Why this and not `pulumi up` in the folder: the real CLI runs a Node.js program through its Node.js language host
// (`pulumi-language-nodejs`), a Go module the module proxy these machines reach does not serve (docs/real-pulumi.md).
// The Automation API needs no language host: it serves the program itself (`pulumi up --client=<address>`), so the
// real CLI and engine do everything else — plugins, diffs, the checkpoint, the stack's config and secrets. The
// program is the project's own index.ts, compiled by the project's own ts-node and run unchanged in this process;
// @pulumi/pulumi is the project's own (node_modules, from `npm ci`), so program and Automation API share its runtime.
//
// The CLI's output goes to stdout as it comes; the last line is `E2E-RESULT {json}` (summary, outputs, exit code).
"use strict";

const path = require("path");

async function main() {
    const [projectArg, stackName, op, ...rest] = process.argv.slice(2);
    const project = path.resolve(projectArg);
    const parallelAt = rest.indexOf("--parallel");
    const parallel = parallelAt >= 0 ? Number(rest[parallelAt + 1]) : undefined;
    const fromProject = (name) => require(require.resolve(name, { paths: [project] }));
    const auto = fromProject("@pulumi/pulumi/automation");

    const program = async () => {
        fromProject("ts-node").register({ transpileOnly: true, project: path.join(project, "tsconfig.json") });
        // The module's exports are the stack's outputs, as `pulumi up` makes them for a program's index.ts.
        return require(path.join(project, "index.ts"));
    };
    const pulumiCommand = await auto.PulumiCommand.get({ root: process.env.PULUMI_NUON_E2E_PULUMI_ROOT });
    const workspace = await auto.LocalWorkspace.create({ workDir: project, pulumiCommand, program });
    const stack = await auto.Stack.select(stackName, workspace);
    const onOutput = (text) => process.stdout.write(text);
    const options = parallel === undefined ? { onOutput } : { onOutput, parallel };
    const result = { op, code: 0 };
    try {
        if (op === "preview") {
            result.changes = (await stack.preview(options)).changeSummary;
        } else if (op === "up") {
            const up = await stack.up(options);
            result.changes = up.summary.resourceChanges;
            result.outputs = Object.fromEntries(Object.entries(up.outputs).map(([key, value]) => [key, value.value]));
        } else if (op === "refresh") {
            result.changes = (await stack.refresh(options)).summary.resourceChanges;
        } else if (op === "destroy") {
            result.changes = (await stack.destroy(options)).summary.resourceChanges;
        } else {
            throw new Error(`unknown operation ${op}`);
        }
    } catch (error) {
        // A CommandError keeps the CLI's result: its exit code and stderr (stdout was already streamed).
        const commandResult = error.commandResult;
        if (!commandResult) {
            throw error;
        }
        process.stdout.write(commandResult.stderr || "");
        result.code = commandResult.code;
    }
    process.stdout.write(`\nE2E-RESULT ${JSON.stringify(result)}\n`);
}

main().catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(2);
});
