#!/bin/sh
# The bundle is complete: every file its Turtle names (the binary, the plugin's
# description, each preset and the model it loads) is in the bundle, and the
# plugin's default model is there. A host reads the manifest, then the files it
# names; a missing one is a plugin or preset that silently is not there. Files
# are named by relative IRIs (a bundle must work wherever it is installed), so
# an IRI with a scheme is never a file of the bundle, and a file: IRI is an error.
#
#   tests/check_bundle_files.sh BUNDLE_DIR
set -u
bundle=${1:?usage: check_bundle_files.sh BUNDLE_DIR}
status=0
fail() {
    echo "$*" >&2
    status=1
}

[ -f "$bundle/manifest.ttl" ] || {
    echo "$bundle has no manifest.ttl" >&2
    exit 1
}
grep -q 'lv2:binary' "$bundle/manifest.ttl" || fail "manifest.ttl names no lv2:binary"
# The plugin loads it when no session or preset names a model (plugin/cantus.c).
[ -f "$bundle/default.safetensors" ] || fail "$bundle has no default.safetensors"

named=0
for ttl in $(find "$bundle" -name '*.ttl' | sort); do
    dir=$(dirname "$ttl")
    if grep -q '<file:' "$ttl"; then
        fail "$ttl names a file: IRI; the bundle would only work where it was built"
    fi
    # Relative IRIs: <...> without a scheme (no colon).
    for ref in $(grep -o '<[^<>:[:space:]]\{1,\}>' "$ttl" | tr -d '<>' | sort -u); do
        named=$((named + 1))
        [ -f "$dir/$ref" ] || fail "$ttl names $ref, which is not in the bundle"
    done
done
[ "$named" -gt 0 ] || fail "no file named by any Turtle file of $bundle"
[ $status -ne 0 ] || echo "$bundle: $named files named by its Turtle, all present"
exit $status
