#!/bin/sh
# The training-step benchmark: cantus-bench-train (C) and PyTorch's step for
# the same shapes (with and without the metre input) and threads, measured
# alternately in one run (compare_train.py), then the ratios. Builds nothing:
#   ninja -C build bench/trainer/cantus-bench-train
#   bench/trainer/run_train_bench.sh [build-dir] [steps] [threads] [rounds]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
steps=${2:-10}
threads=${3:-$(nproc)}
rounds=${4:-3}
bin=$build/bench/trainer/cantus-bench-train
if [ ! -x "$bin" ]; then
    echo "no $bin: build it first (ninja -C $build bench/trainer/cantus-bench-train)" >&2
    exit 1
fi
. "$here/../openblas_coretype.sh"
# Set before torch is imported: OpenMP threads that spin would steal the cores.
OMP_WAIT_POLICY=PASSIVE exec /usr/bin/python3 "$here/compare_train.py" "$bin" "$steps" \
    "$threads" "$rounds"
