#!/bin/sh
# Validates every Turtle file of a cantus.lv2 bundle: each must parse with
# sordi, and lv2_validate (sord_validate against the installed LV2 schemas)
# must report no error and no warning.
# Usage: validate.sh BUNDLE_DIR
set -u
bundle=${1:?usage: validate.sh BUNDLE_DIR}
# The tools come with Debian's sordi and lv2-dev; without them the test skips.
for tool in sordi lv2_validate; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed: cannot validate"; exit 77; }
done
status=0
ttls=$(find "$bundle" -name '*.ttl' | sort)
[ -n "$ttls" ] || { echo "no .ttl files in $bundle"; exit 1; }
for ttl in $ttls; do
    base="file://$(cd "$(dirname "$ttl")" && pwd)/$(basename "$ttl")"
    if ! sordi "$ttl" "$base" >/dev/null; then
        echo "sordi cannot parse $ttl"
        status=1
    fi
done
# shellcheck disable=SC2086
report=$(lv2_validate $ttls 2>&1)
echo "$report"
# sord_validate ends with "Found N errors among ..."; its warnings start
# with "warning". "Skipping file" lines are about the installed specs.
errors=$(printf '%s\n' "$report" | sed -n 's/^Found \([0-9]*\) errors.*/\1/p')
[ -n "$errors" ] || { echo "lv2_validate gave no summary"; errors=1; }
warnings=$(printf '%s\n' "$report" | grep -ci '^warning')
echo "lv2_validate: $errors errors, $warnings warnings over $(echo "$ttls" | wc -l) files"
[ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ] || status=1
exit $status
