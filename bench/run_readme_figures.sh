#!/bin/sh
# One command for the README's "Measured" table: builds the benchmarks, waits
# (up to WAIT seconds, default 600) for the 1-minute load average to fall
# below 1.5, names OpenBLAS's kernels for every peer, and prints the table's
# rows, every ratio from peers run here in the same run:
#   bench/run_readme_figures.sh [build-dir] [runs=3] [training steps=10]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
runs=${2:-3}
train_steps=${3:-10}
ninja -C "$build" bench/core/cantus-bench-step bench/core/libcantus-bench-flush.so \
    bench/trainer/cantus-bench-train bench/plugin/cantus-bench-run plugin/cantus.so \
    ttl/cantus.lv2.stamp >/dev/null
waited=0
while [ "$(cut -d' ' -f1 /proc/loadavg | awk '{print ($1 < 1.5)}')" = 0 ] &&
    [ "$waited" -lt "${WAIT:-600}" ]; do
    [ "$waited" = 0 ] && echo "waiting for the load average to fall below 1.5 ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
    sleep 15
    waited=$((waited + 15))
done
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited} s)" >&2
. "$here/openblas_coretype.sh" >&2
exec /usr/bin/python3 "$here/readme_figures.py" "$build" "$runs" "$train_steps"
