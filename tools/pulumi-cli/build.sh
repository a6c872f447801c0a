#!/usr/bin/env bash
# Gives this checkout a real Pulumi CLI, built from Pulumi's Go modules with the ordinary `go` client (never a
# downloaded binary), and prints the directory that holds it as the last line of its output.
#
#   tools/pulumi-cli/build.sh            use a `pulumi` on PATH at or above the pinned version, else build (cached)
#   tools/pulumi-cli/build.sh --build    always use the cached build (building it when missing)
#   tools/pulumi-cli/build.sh --find     print the folder only if one is there already (PATH or cache); never build
#
# What it builds, into ${PULUMI_NUON_CACHE:-~/.cache/pulumi-nuon}/pulumi-cli/<version>/bin:
#   pulumi                           github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version pinned in go.mod
#                                    (the one place it is written), with that version stamped in
#   pulumi-language-yaml             github.com/pulumi/pulumi-yaml at the version pinned in yaml/go.mod
#   pulumi-resource-pulumi-python    the scripts the engine runs for Python dynamic providers and Node.js dynamic
#   pulumi-resource-pulumi-nodejs    providers, and the Python host's exec script, copied from the sdk/v3 module
#   pulumi-language-python-exec      they ship in (module files lose their executable bit: set again here)
# Not built: pulumi-language-python, -nodejs and -go. They are Go modules of their own that the module proxy these
# machines reach does not serve (403 for every version, tag or pseudo-version): see docs/real-pulumi.md.
#
# Idempotent: a finished build is kept with a stamp of the files it was built from; a second run checks the stamp
# and returns in well under a second. An interrupted build leaves nothing half-made (it builds beside, then moves).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-}
case "$mode" in
"" | --build | --find) ;;
*)
    echo "usage: $0 [--build | --find]" >&2
    exit 2
    ;;
esac

say() { echo "pulumi-cli: $*" >&2; }
die() {
    say "$*"
    exit 1
}

# The version a go.mod requires of a module: `required <module> <go.mod>`.
required() { awk -v m="$1" '$1 == "require" && $2 == m { print $3 } $1 == m { print $2 }' "$2" | head -n 1; }
version=$(required github.com/pulumi/pulumi/pkg/v3 "$here/go.mod")
yaml_version=$(required github.com/pulumi/pulumi-yaml "$here/yaml/go.mod")
[ -n "$version" ] || die "no github.com/pulumi/pulumi/pkg/v3 requirement in $here/go.mod"
[ -n "$yaml_version" ] || die "no github.com/pulumi/pulumi-yaml requirement in $here/yaml/go.mod"

# A user's own Pulumi (the installer's, a package manager's) at or above the pinned version comes with every
# language host: use it.
if [ "$mode" != --build ] && command -v pulumi >/dev/null 2>&1; then
    theirs=$(pulumi version 2>/dev/null | head -n 1 || true)
    if [ -n "$theirs" ] && [ "$(printf '%s\n%s\n' "${version#v}" "${theirs#v}" | sort -V | head -n 1)" = "${version#v}" ]; then
        say "using the pulumi on PATH ($theirs >= $version)"
        dirname "$(command -v pulumi)"
        exit 0
    fi
fi

cache_root=${PULUMI_NUON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-nuon}
dest=$cache_root/pulumi-cli/$version
# The stamp: what the build is made from, and `layout`, raised when this script changes what it puts in bin/.
layout=1
stamp_value=$( (echo "layout $layout" && cat "$here/go.mod" "$here/go.sum" "$here/yaml/go.mod" "$here/yaml/go.sum") | sha256sum | cut -d' ' -f1)
if [ -f "$dest/stamp" ] && [ "$(cat "$dest/stamp")" = "$stamp_value" ] && [ -x "$dest/bin/pulumi" ]; then
    say "cached: $dest/bin ($version: the build checked \`pulumi version\` said so)"
    echo "$dest/bin"
    exit 0
fi

[ "$mode" != --find ] || exit 1
command -v go >/dev/null 2>&1 || die "the Go toolchain is needed to build the Pulumi CLI (go 1.26 or newer): install it, or put a Pulumi CLI >= $version on PATH"
mkdir -p "$cache_root/pulumi-cli"
# A cold build fills the Go module cache (3.3 GB measured) and build cache (2.0 GB): about 6 GiB in all.
free_kb=$(df -Pk "$cache_root" | awk 'NR == 2 { print $4 }')
[ "${free_kb:-0}" -ge 6000000 ] || die "only $((${free_kb:-0} / 1024)) MiB free under $cache_root; a cold build needs about 6 GiB (the Go module and build caches): free some space, or set PULUMI_NUON_CACHE"

say "building Pulumi $version and pulumi-language-yaml $yaml_version into $dest (a cold build takes several minutes)"
start=$(date +%s)
work=$(mktemp -d "$cache_root/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" && mkdir -p "$work/bin"
export GOFLAGS="-buildvcs=false -mod=readonly"
flags=(-trimpath -tags "osusergo grpcnotrace")
(cd "$here" && go build "${flags[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$work/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$here/yaml" && go build "${flags[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$yaml_version" \
    -o "$work/bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)

sdk_dir=$(cd "$here" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
[ -n "$sdk_dir" ] && [ -d "$sdk_dir" ] || die "could not find the github.com/pulumi/pulumi/sdk/v3 module's files"
for script in python/dist/pulumi-resource-pulumi-python python/cmd/pulumi-language-python-exec \
    nodejs/dist/pulumi-resource-pulumi-nodejs; do
    install -m 0755 "$sdk_dir/$script" "$work/bin/"
done

built=$("$work/bin/pulumi" version)
[ "$built" = "$version" ] || die "the built pulumi says it is '$built', not $version"
echo "$stamp_value" >"$work/stamp"
rm -rf "$dest.old"
[ ! -d "$dest" ] || mv "$dest" "$dest.old"
mv "$work" "$dest"
rm -rf "$dest.old"
trap - EXIT
say "built in $(($(date +%s) - start)) s: $dest/bin ($(du -sh "$dest" | cut -f1))"
echo "$dest/bin"
