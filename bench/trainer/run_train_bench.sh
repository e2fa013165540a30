#!/bin/sh
# The training-step benchmark: cantus-bench-train (C), then PyTorch's step for
# the same shapes and threads in the same run, then the ratios. Builds nothing:
#   ninja -C build bench/trainer/cantus-bench-train
#   bench/trainer/run_train_bench.sh [build-dir] [steps] [threads]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
steps=${2:-20}
threads=${3:-$(nproc)}
bin=$build/bench/trainer/cantus-bench-train
if [ ! -x "$bin" ]; then
    echo "no $bin: build it first (ninja -C $build bench/trainer/cantus-bench-train)" >&2
    exit 1
fi
. "$here/../openblas_coretype.sh"
cantus=$(mktemp /tmp/cantus-bench-train.XXXXXX)
torch=$(mktemp /tmp/cantus-bench-torch.XXXXXX)
trap 'rm -f "$cantus" "$torch"' EXIT
"$bin" "$steps" "$threads" | tee "$cantus" | grep -v '^RESULT'
# Set before torch is imported: OpenMP threads that spin would steal the cores.
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/torch_train_step.py" "$steps" "$threads" \
    | tee "$torch" | grep -v '^RESULT'
# The wall-clock ratio is the one that counts; the CPU-time ratio (all
# threads) says the same when other jobs share the machine and stretch both.
grep '^RESULT' "$cantus" | while read -r _ v h l b t ms cpu; do
    theirs=$(grep "^RESULT $v $h $l $b $t " "$torch" | awk '{print $7}')
    theirs_cpu=$(grep "^RESULT $v $h $l $b $t " "$torch" | awk '{print $8}')
    awk -v v="$v" -v h="$h" -v l="$l" -v ours="$ms" -v theirs="$theirs" -v oc="$cpu" \
        -v tc="$theirs_cpu" 'BEGIN {
        printf "ratio V=%s H=%s L=%s: wall PyTorch %.1f ms / Cantus %.1f ms = %.2fx; CPU time %.1f / %.1f ms = %.2fx\n",
            v, h, l, theirs, ours, theirs / ours, tc, oc, tc / oc }'
done
