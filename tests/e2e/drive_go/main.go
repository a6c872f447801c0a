// Command drive_go runs one operation of the Go example (examples/go-gate) through the real Pulumi CLI: the Go
// Automation API's inline program.
//
//	drive_go <project dir> <stack> preview|up|refresh|destroy
//
// Why this and not `pulumi up` in the folder: the real CLI runs a Go program through its Go language host
// (`pulumi-language-go`), a Go module the module proxy these machines reach does not serve (docs/real-pulumi.md).
// The Automation API needs no language host: it serves the program itself (`pulumi up --client=<address>`), so the
// real CLI and engine do everything else — plugins (the project's plugins.providers), diffs, the checkpoint, the
// stack's config and secrets. The program is the example's own gate.Program, compiled into this driver unchanged.
//
// The CLI's output goes to stdout as it comes; the last line is `E2E-RESULT {json}` (summary, outputs, exit code).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/pulumi-nuon/pulumi-nuon/examples/go-gate/gate"
)

// The Automation API's error keeps the CLI's exit code only in its text ("code: N").
var exitCode = regexp.MustCompile(`(?m)^code: (-?\d+)$`)

func run(ctx context.Context, project, stackName, op string) (map[string]any, error) {
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: os.Getenv("PULUMI_NUON_E2E_PULUMI_ROOT")})
	if err != nil {
		return nil, err
	}
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(project), auto.Program(gate.Program), auto.Pulumi(cmd))
	if err != nil {
		return nil, err
	}
	stack, err := auto.SelectStack(ctx, stackName, ws)
	if err != nil {
		return nil, err
	}
	result := map[string]any{"op": op, "code": 0}
	switch op {
	case "preview":
		var res auto.PreviewResult
		if res, err = stack.Preview(ctx, optpreview.ProgressStreams(os.Stdout)); err == nil {
			result["changes"] = res.ChangeSummary
		}
	case "up":
		var res auto.UpResult
		if res, err = stack.Up(ctx, optup.ProgressStreams(os.Stdout)); err == nil {
			result["changes"] = res.Summary.ResourceChanges
			outputs := map[string]any{}
			for key, value := range res.Outputs {
				outputs[key] = value.Value
			}
			result["outputs"] = outputs
		}
	case "refresh":
		var res auto.RefreshResult
		if res, err = stack.Refresh(ctx, optrefresh.ProgressStreams(os.Stdout)); err == nil {
			result["changes"] = res.Summary.ResourceChanges
		}
	case "destroy":
		var res auto.DestroyResult
		if res, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout)); err == nil {
			result["changes"] = res.Summary.ResourceChanges
		}
	default:
		return nil, fmt.Errorf("unknown operation %s", op)
	}
	if err != nil {
		match := exitCode.FindStringSubmatch(err.Error())
		if match == nil {
			return nil, err
		}
		fmt.Println(err.Error())
		result["code"], _ = strconv.Atoi(match[1])
	}
	return result, nil
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: drive_go <project dir> <stack> preview|up|refresh|destroy")
		os.Exit(2)
	}
	project, err := filepath.Abs(os.Args[1])
	if err == nil {
		var result map[string]any
		if result, err = run(context.Background(), project, os.Args[2], os.Args[3]); err == nil {
			text, _ := json.Marshal(result)
			fmt.Printf("\nE2E-RESULT %s\n", text)
			return
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}
