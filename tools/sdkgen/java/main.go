// Command sdkgen-java writes the nuon package's Java SDK from its schema with Pulumi's own Java code generator,
// github.com/pulumi/pulumi-java/pkg/codegen/java.GeneratePackage, called as the Java language host
// (pulumi-language-java) calls it for `pulumi package gen-sdk --language java`: the schema's types deduplicated as the
// host does, bound with dangling references allowed, the host's tool name, no extra files, no local dependencies,
// local=false, legacyBuildFiles=false (so the SDK gets its Gradle build, as gen-sdk writes it).
//
// Its own module, because the generator is not in github.com/pulumi/pulumi/pkg/v3: it is pulumi-java's, and the
// module proxy these machines reach lists no version of it (403) but serves some exact ones; v1.22.0 (April 2026) is
// pinned, which requires pkg/v3 v3.228.0, the version tools/sdkgen/dotnet pins too.
//
//	sdkgen-java -schema provider/pulumi_nuon/native/schema.json -out sdk
//
// sdk/java is removed and written again, as gen-sdk does.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi-java/pkg/codegen/java"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noLoader answers every lookup of another package with an error: the nuon schema refers to none.
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %q; sdkgen loads no other package", pkg)
}

func (noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %q; sdkgen loads no other package", d.Name)
}

func (noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema refers to package %q; sdkgen loads no other package", pkg)
}

func (noLoader) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema refers to package %q; sdkgen loads no other package", d.Name)
}

func generate(schemaPath, out string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	deduped, diags, err := java.DeduplicateTypes(&spec)
	if err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	loader := schema.NewCachedLoader(noLoader{})
	pkg, bindDiags, err := schema.BindSpec(*deduped, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if bindDiags.HasErrors() {
		return fmt.Errorf("%s: %s", schemaPath, bindDiags.Error())
	}
	files, err := java.GeneratePackage("pulumi-language-java", pkg, map[string][]byte{}, nil, false, false)
	if err != nil {
		return fmt.Errorf("java: %w", err)
	}
	dir := filepath.Join(out, "java")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	schemaPath := flag.String("schema", "", "the package schema (JSON)")
	out := flag.String("out", "", "the folder that gets java/")
	flag.Parse()
	if *schemaPath == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := generate(*schemaPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen-java:", err)
		os.Exit(1)
	}
}
