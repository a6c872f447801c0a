// Gate a resource on a Nuon deploy, from Go, on the generated SDK (sdk/go): the program is gate.Program.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi-nuon/pulumi-nuon/examples/go-gate/gate"
)

func main() {
	pulumi.Run(gate.Program)
}
