#!/bin/sh
# The LSTM step benchmark: cantus-bench-step (C), then PyTorch's batch-1 step
# for the same shapes in the same run, then the ratios. Builds nothing:
#   meson compile -C build bench/core/cantus-bench-step bench/core/cantus-bench-flush
#   bench/core/run_step_bench.sh [build-dir] [--quick]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
bin=$build/bench/core/cantus-bench-step
flush=$build/bench/core/libcantus-bench-flush.so
for f in "$bin" "$flush"; do
    if [ ! -e "$f" ]; then
        echo "no $f: build it first (meson compile -C $build bench/core/cantus-bench-step bench/core/cantus-bench-flush)" >&2
        exit 1
    fi
done
. "$here/../openblas_coretype.sh"
results=$(mktemp /tmp/cantus-bench-step.XXXXXX.json)
trap 'rm -f "$results"' EXIT
"$bin" --json "$results" "$@"
# Set before torch is imported: OpenMP threads that spin would steal the core.
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/torch_step.py" --cantus-json "$results" \
    --flush-library "$flush" "$@"
