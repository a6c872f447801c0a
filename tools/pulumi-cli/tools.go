//go:build tools

// Package tools pins the Pulumi CLI that build.sh builds: the version is this module's requirement on
// github.com/pulumi/pulumi/pkg/v3 in go.mod (written nowhere else), and go.sum holds the checksums of everything
// it is built from.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
