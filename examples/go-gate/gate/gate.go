// Package gate is the go-gate program: the gated rollout of examples/typescript-gate in Go, on the generated SDK
// (github.com/pulumi-nuon/pulumi-nuon/sdk/go/nuon). A DeployGate waits until Nuon's deploy of one build is live on
// the install (it fails the update with Nuon's own words when the deploy fails, or at its deadline); the resource
// held back depends on it; LookupLatestDeployOutput reads what was deployed before, a LatestDeploy what Nuon
// reports after.
package gate

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/pulumi-nuon/pulumi-nuon/sdk/go/nuon"
)

// Program is the stack: main.go runs it with pulumi.Run; an Automation API inline program can run it as it is.
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	componentID := cfg.Require("componentId")
	installID := cfg.Require("installId")

	// The pin: the build CI deployed (`pulumi config set buildId bld...`), else the newest release's build.
	var buildID pulumi.StringPtrInput = pulumi.StringPtr(cfg.Get("buildId"))
	if cfg.Get("buildId") == "" {
		releases := nuon.LookupComponentReleasesOutput(ctx, nuon.LookupComponentReleasesOutputArgs{
			ComponentId: pulumi.String(componentID),
			Limit:       pulumi.IntPtr(1),
		})
		buildID = releases.LatestBuildId()
	}
	before := nuon.LookupLatestDeployOutput(ctx, nuon.LookupLatestDeployOutputArgs{
		ComponentId: pulumi.String(componentID),
		InstallId:   pulumi.String(installID),
	})

	timeout := cfg.GetFloat64("timeoutSeconds")
	if timeout == 0 {
		timeout = 1200
	}
	poll := cfg.GetFloat64("pollIntervalSeconds")
	if poll == 0 {
		poll = 10
	}
	gate, err := nuon.NewDeployGate(ctx, "web-app-rollout", &nuon.DeployGateArgs{
		ComponentId:         pulumi.String(componentID),
		InstallId:           pulumi.StringPtr(installID),
		BuildId:             buildID,
		TimeoutSeconds:      pulumi.Float64Ptr(timeout),
		PollIntervalSeconds: pulumi.Float64Ptr(poll),
	}, pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "30m", Update: "30m"}))
	if err != nil {
		return err
	}

	// A stand-in for the resource you want to hold back until the deploy is live; it creates nothing.
	dnsSwitch := &dnsSwitch{}
	if err := ctx.RegisterComponentResource("examples:go-gate:DnsSwitch", "dns-switch", dnsSwitch,
		pulumi.DependsOn([]pulumi.Resource{gate})); err != nil {
		return err
	}
	dnsSwitch.Target = gate.DeployId
	if err := ctx.RegisterResourceOutputs(dnsSwitch, pulumi.Map{"target": gate.DeployId}); err != nil {
		return err
	}

	// What Nuon reports once the gate has passed, held in state (`pulumi refresh` reads it again).
	snapshot, err := nuon.NewLatestDeploy(ctx, "post-gate-snapshot", &nuon.LatestDeployArgs{
		ComponentId: pulumi.String(componentID),
		InstallId:   pulumi.String(installID),
	}, pulumi.DependsOn([]pulumi.Resource{gate}))
	if err != nil {
		return err
	}

	ctx.Export("build", buildID)
	ctx.Export("statusBefore", before.Status())
	ctx.Export("gatePhase", gate.Phase)
	ctx.Export("deployId", gate.DeployId)
	ctx.Export("status", gate.Status)
	ctx.Export("passedAt", gate.PassedAt)
	ctx.Export("switchedTo", dnsSwitch.Target)
	ctx.Export("snapshotStatus", snapshot.Status)
	return nil
}

type dnsSwitch struct {
	pulumi.ResourceState
	Target pulumi.StringPtrOutput `pulumi:"target"`
}
