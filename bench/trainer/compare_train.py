#!/usr/bin/python3
"""The training step of cantus-bench-train and of PyTorch (torch_train_step.py)
for the same shapes, measured alternately in one run: for each of ROUNDS
rounds and each shape, STEPS steps of one then STEPS of the other (the order
swapped every round), so that a change of load on a shared machine falls on
both. Prints every measurement, then per shape the median over the rounds
of each side's median step, the best step of each side, and their ratios.

Usage (through run_train_bench.sh, which sets the environment):
  compare_train.py BENCH_BINARY [STEPS [THREADS [ROUNDS]]]"""
import os
import statistics
import subprocess
import sys

import torch_train_step

SHAPES = ((78, 0, 128, 1), (78, 16, 128, 1), (80, 0, 256, 2), (80, 16, 256, 2))


def cantus(binary, shape, steps, threads):
    """(sorted wall ms per step as median and min, CPU ms per step), and the
    cantus line to print."""
    V, P, H, L = shape
    out = subprocess.run([binary, str(steps), str(threads), "%d:%d:%d:%d" % (V, H, L, P)],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("cantus "))
    r = next(x for x in out.splitlines() if x.startswith("RESULT ")).split()
    return float(r[7]), float(r[8]), float(r[9]), line


def main():
    binary = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    print("torch %s, torch.set_num_threads(%d), OMP_WAIT_POLICY=PASSIVE, OPENBLAS_CORETYPE=%s; "
          "load average %.2f" % (torch_train_step.torch.__version__, threads,
                                 os.environ.get("OPENBLAS_CORETYPE", "unset"), os.getloadavg()[0]))
    ours = {s: [] for s in SHAPES}
    theirs = {s: [] for s in SHAPES}
    for r in range(rounds):
        for shape in SHAPES:
            V, P, H, L = shape
            for side in ("cantus", "torch") if r % 2 == 0 else ("torch", "cantus"):
                if side == "cantus":
                    med, cpu, best, line = cantus(binary, shape, steps, threads)
                    ours[shape].append((med, cpu, best))
                    print("round %d %s" % (r + 1, line), flush=True)
                else:
                    times, cpu = torch_train_step.step_times(V, P, H, L, steps, threads)
                    med = statistics.median(times)
                    theirs[shape].append((med, cpu, times[0]))
                    print("round %d torch V=%d P=%d H=%d L=%d: median %.1f ms/step (min %.1f, "
                          "max %.1f; CPU %.1f ms/step)" % (r + 1, V, P, H, L, med, times[0],
                                                          times[-1], cpu), flush=True)
    print("load average after: %.2f" % os.getloadavg()[0])
    for shape in SHAPES:
        V, P, H, L = shape
        o_med = statistics.median(m for m, _, _ in ours[shape])
        t_med = statistics.median(m for m, _, _ in theirs[shape])
        o_cpu = statistics.median(c for _, c, _ in ours[shape])
        t_cpu = statistics.median(c for _, c, _ in theirs[shape])
        o_best = min(b for _, _, b in ours[shape])
        t_best = min(b for _, _, b in theirs[shape])
        per_round = sorted(t[0] / o[0] for o, t in zip(ours[shape], theirs[shape]))
        print("ratio V=%d P=%-2d H=%d L=%d: wall PyTorch %.1f / Cantus %.1f ms = %.2fx (rounds "
              "%.2f..%.2fx); best step %.1f / %.1f ms = %.2fx; CPU %.1f / %.1f ms = %.2fx"
              % (V, P, H, L, t_med, o_med, t_med / o_med, per_round[0], per_round[-1], t_best,
                 o_best, t_best / o_best, t_cpu, o_cpu, t_cpu / o_cpu))


if __name__ == "__main__":
    main()
