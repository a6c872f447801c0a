//go:build tools

// Package tools pins Pulumi YAML's language host (pulumi-language-yaml), in a module of its own: it is built
// against the Pulumi packages its own go.mod asks for, not the CLI's.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
