#!/usr/bin/env bash
# Runs every libFuzzer harness for SECONDS each, starting from the committed
# seed corpora (fuzz/corpus/<harness>/), with new inputs going to a temporary
# corpus that is thrown away. Fails on the first crash, leak, sanitizer
# report or invariant violation; the crashing input is kept in
# build-fuzz/artifacts/ and its name is printed.
#
#   fuzz/run.sh 60            # what CI runs: a minute per harness
#   nice -n 19 fuzz/run.sh 1800
#
# Needs clang and libclang-rt (Debian: clang libclang-rt-14-dev). Builds the
# fuzz build in build-fuzz/ if it is not there.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${FUZZ_BUILD:-build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dtests=disabled
fi
ninja -C "$build"

harnesses=(model midi run)
artifacts="$build/artifacts"
mkdir -p "$artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for h in "${harnesses[@]}"; do
    exe="$build/fuzz/fuzz_$h"
    if [ ! -x "$exe" ]; then
        echo "fuzz/run.sh: $exe was not built" >&2
        status=1
        continue
    fi
    mkdir -p "$scratch/$h"
    echo "== fuzz_$h: $seconds s from fuzz/corpus/$h"
    if ! "$exe" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts/$h-" "$scratch/$h" "fuzz/corpus/$h" >"$scratch/$h.log" 2>&1; then
        tail -n 60 "$scratch/$h.log" >&2
        echo "fuzz/run.sh: fuzz_$h FAILED; input kept in $artifacts/" >&2
        status=1
        continue
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$scratch/$h.log" || true
done
exit $status
