// Command sdkgen-dotnet writes the nuon package's .NET (C#) SDK from its schema with Pulumi's own C# code generator,
// pkg/codegen/dotnet.GeneratePackage, called as the .NET language host calls it for `pulumi package gen-sdk
// --language dotnet` (the host's tool name, no extra files, no local dependencies).
//
// Its own module, because the generator is not where tools/sdkgen's is: Pulumi removed pkg/codegen/dotnet from
// github.com/pulumi/pulumi/pkg/v3 in v3.229.0 (the .NET host, github.com/pulumi/pulumi-dotnet, carries its own copy,
// a Go module the module proxy these machines reach refuses), so this pins v3.228.0, the last version that has it,
// while tools/sdkgen stays at the CLI's version. The schema is bound as tools/sdkgen binds it (main.go there).
//
//	sdkgen-dotnet -schema provider/pulumi_nuon/native/schema.json -out sdk
//
// sdk/dotnet is removed and written again, as gen-sdk does.
//
// One difference: the generator downloads the package's logo (the schema's logoUrl, else Pulumi's generic logo from
// GitHub) for the NuGet package's icon, and these machines have no network. The schema has no logo, so this answers
// that one request with a plain 64x64 PNG it draws (the same bytes every time) and refuses any other request.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
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

// genericLogo is the URL the generator fetches when the schema names no logo.
const genericLogo = "https://raw.githubusercontent.com/pulumi/pulumi/dbc96206bec722b7791a22ff50e895ab7c0abdc0/" +
	"sdk/dotnet/pulumi_logo_64x64.png"

// logoOnly is the HTTP client's transport while generating: the logo request gets drawnLogo, any other an error.
type logoOnly struct{}

func (logoOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != genericLogo {
		return nil, fmt.Errorf("sdkgen-dotnet makes no network request (asked for %s)", req.URL)
	}
	logo, err := drawnLogo()
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"image/png"}}, Body: io.NopCloser(bytes.NewReader(logo)),
		ContentLength: int64(len(logo)), Request: req,
	}, nil
}

// drawnLogo is a 64x64 PNG: a dark square with a lighter border.
func drawnLogo() ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			c := color.NRGBA{R: 0x1f, G: 0x2a, B: 0x44, A: 0xff}
			if x < 4 || y < 4 || x >= 60 || y >= 60 {
				c = color.NRGBA{R: 0x6c, G: 0x8e, B: 0xd9, A: 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
	loader := schema.NewCachedLoader(noLoader{})
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	files, err := dotnet.GeneratePackage("pulumi-language-dotnet", pkg, map[string][]byte{}, nil)
	if err != nil {
		return fmt.Errorf("dotnet: %w", err)
	}
	dir := filepath.Join(out, "dotnet")
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
	out := flag.String("out", "", "the folder that gets dotnet/")
	flag.Parse()
	if *schemaPath == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	http.DefaultClient.Transport = logoOnly{}
	if err := generate(*schemaPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen-dotnet:", err)
		os.Exit(1)
	}
}
