#!/bin/sh
# The LSTM step benchmark: cantus-bench-step (C), then PyTorch's batch-1 step
# for the same shapes in the same run, then the ratios. Builds nothing:
#   ninja -C build bench/core/cantus-bench-step
#   bench/core/run_step_bench.sh [build-dir] [--quick]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
bin=$build/bench/core/cantus-bench-step
if [ ! -x "$bin" ]; then
    echo "no $bin: build it first (ninja -C $build bench/core/cantus-bench-step)" >&2
    exit 1
fi
results=$(mktemp /tmp/cantus-bench-step.XXXXXX.json)
trap 'rm -f "$results"' EXIT
"$bin" --json "$results" "$@"
# Set before torch is imported: OpenMP threads that spin would steal the core.
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/torch_step.py" --cantus-json "$results" "$@"
