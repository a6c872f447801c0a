#!/usr/bin/env bash
# Builds tools/sdkgen (Pulumi's code generators at the version go.mod pins, called as the language hosts call them:
# main.go) and prints the path of the binary as the last line of its output.
#
#   tools/sdkgen/build.sh           build when missing or stale (cached), print the binary's path
#   tools/sdkgen/build.sh --find    print the path only if a current build is cached; never build
#
# Cached outside the checkout in ${PULUMI_NUON_CACHE:-~/.cache/pulumi-nuon}/sdkgen/<stamp>/sdkgen, the stamp being
# a hash of go.mod, go.sum and main.go: a cold build takes minutes (it compiles pkg/codegen and what it imports;
# 6 min measured on a busy 2-core machine with the module cache warm from tools/pulumi-cli), a cached one returns
# at once. Built beside and moved into place, so an interrupted build leaves nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-}
case "$mode" in "" | --find) ;; *)
    echo "usage: $0 [--find]" >&2
    exit 2
    ;;
esac
say() { echo "sdkgen: $*" >&2; }

stamp=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)
cache_root=${PULUMI_NUON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-nuon}
dest=$cache_root/sdkgen/$stamp
if [ -x "$dest/sdkgen" ]; then
    echo "$dest/sdkgen"
    exit 0
fi
[ "$mode" != --find ] || exit 1
command -v go >/dev/null 2>&1 || {
    say "the Go toolchain (go 1.26 or newer) is needed to build tools/sdkgen, which generates sdk/ from the schema"
    exit 1
}
say "building tools/sdkgen into $dest (a cold build takes minutes)"
start=$(date +%s)
mkdir -p "$cache_root/sdkgen"
work=$(mktemp -d "$cache_root/sdkgen/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$here" && GOFLAGS="-buildvcs=false -mod=readonly" go build -trimpath -ldflags "-s -w" -o "$work/sdkgen" .)
chmod 755 "$work"
rm -rf "$dest" && mv "$work" "$dest"
trap - EXIT
say "built in $(($(date +%s) - start)) s"
echo "$dest/sdkgen"
