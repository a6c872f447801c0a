// Command sdkgen writes the nuon package's SDKs from its schema with Pulumi's own code generators, the same calls
// the language hosts make when `pulumi package gen-sdk --language <lang>` asks them (GeneratePackage in
// sdk/nodejs/cmd/pulumi-language-nodejs, sdk/python/cmd/pulumi-language-python and sdk/go/pulumi-language-go):
// bind the schema with dangling references allowed, then pkg/codegen/{nodejs,python,go}.GeneratePackage with the
// host's tool name, no overlays, no local dependencies and local=false (gen-sdk's defaults).
//
// Those hosts are Go modules the module proxy these machines reach refuses (docs/real-pulumi.md), so gen-sdk
// cannot run here; this calls the generators at the version go.mod pins (the Pulumi CLI's, tools/pulumi-cli).
//
//	sdkgen -schema provider/pulumi_nuon/native/schema.json -out sdk [-lang nodejs,python,go]
//
// Each language's folder under -out is removed and written again, as gen-sdk does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noLoader answers every lookup of another package with an error: the nuon schema refers to none (only
// pulumi.json's built-in types), so a reference to one is a mistake to report, not something to fetch.
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

// generators: the calls each language host makes in its GeneratePackage, with the tool name it passes.
var generators = map[string]func(*schema.Package, schema.ReferenceLoader) (map[string][]byte, error){
	"nodejs": func(pkg *schema.Package, l schema.ReferenceLoader) (map[string][]byte, error) {
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, map[string][]byte{}, nil, false, l)
	},
	"python": func(pkg *schema.Package, l schema.ReferenceLoader) (map[string][]byte, error) {
		return python.GeneratePackage("pulumi-language-python", pkg, map[string][]byte{}, l)
	},
	"go": func(pkg *schema.Package, _ schema.ReferenceLoader) (map[string][]byte, error) {
		return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	},
}

func bind(schemaPath string) (*schema.Package, error) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	loader := schema.NewCachedLoader(noLoader{})
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	return pkg, nil
}

func generate(schemaPath, out, lang string) error {
	gen, ok := generators[lang]
	if !ok {
		return fmt.Errorf("unknown language %q (nodejs, python, go)", lang)
	}
	// A fresh bind per language: the generators record their language's info in the package.
	pkg, err := bind(schemaPath)
	if err != nil {
		return err
	}
	files, err := gen(pkg, schema.NewCachedLoader(noLoader{}))
	if err != nil {
		return fmt.Errorf("%s: %w", lang, err)
	}
	dir := filepath.Join(out, lang)
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
	out := flag.String("out", "", "the folder that gets one folder per language")
	langs := flag.String("lang", "nodejs,python,go", "languages, comma-separated")
	flag.Parse()
	if *schemaPath == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	var errs []error
	for _, lang := range strings.Split(*langs, ",") {
		errs = append(errs, generate(*schemaPath, *out, strings.TrimSpace(lang)))
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}
