#!/usr/bin/env bash
# Builds tools/sdkgen (Pulumi's code generators at the version go.mod pins, called as the language hosts call them:
# main.go), or with `dotnet` tools/sdkgen/dotnet (the C# generator), or with `java` tools/sdkgen/java (the Java
# generator), each its own module (its main.go says why), and prints the path of the binary as the last line of its
# output.
#
#   tools/sdkgen/build.sh [dotnet|java]           build when missing or stale (cached), print the binary's path
#   tools/sdkgen/build.sh --find [dotnet|java]    print the path only if a current build is cached; never build
#
# Cached outside the checkout in ${PULUMI_NUON_CACHE:-~/.cache/pulumi-nuon}/sdkgen/<stamp>/<name>, the stamp being
# a hash of the module's go.mod, go.sum and main.go: a cold build takes minutes (it compiles pkg/codegen and what it
# imports; 6 min measured on a busy 2-core machine with the module cache warm from tools/pulumi-cli), a cached one
# returns at once. Built beside and moved into place, so an interrupted build leaves nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=
module=$here
name=sdkgen
for arg in "$@"; do
    case "$arg" in
    --find) mode=--find ;;
    dotnet) module=$here/dotnet name=sdkgen-dotnet ;;
    java) module=$here/java name=sdkgen-java ;;
    *)
        echo "usage: $0 [--find] [dotnet|java]" >&2
        exit 2
        ;;
    esac
done
say() { echo "$name: $*" >&2; }

stamp=$(cat "$module/go.mod" "$module/go.sum" "$module/main.go" | sha256sum | cut -c1-16)
cache_root=${PULUMI_NUON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-nuon}
dest=$cache_root/sdkgen/$stamp
if [ -x "$dest/$name" ]; then
    echo "$dest/$name"
    exit 0
fi
[ "$mode" != --find ] || exit 1
command -v go >/dev/null 2>&1 || {
    say "the Go toolchain (go 1.26 or newer) is needed to build tools/sdkgen, which generates sdk/ from the schema"
    exit 1
}
say "building ${module#"$(dirname "$(dirname "$here")")/"} into $dest (a cold build takes minutes)"
start=$(date +%s)
mkdir -p "$cache_root/sdkgen"
work=$(mktemp -d "$cache_root/sdkgen/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$module" && GOFLAGS="-buildvcs=false -mod=readonly" go build -trimpath -ldflags "-s -w" -o "$work/$name" .)
chmod 755 "$work"
rm -rf "$dest" && mv "$work" "$dest"
trap - EXIT
say "built in $(($(date +%s) - start)) s"
echo "$dest/$name"
