#!/usr/bin/python3
"""Training throughput (tokens per second) of cantus-train and of
trainer/torch/cantus_torch.py on CPU, the same shapes, in the same run:

    bench/trainer/road_bench.py [BUILD=build] [STEPS=40] [THREADS=2]

A synthetic corpus (tests/trainer/synth_midi.py, 200
songs of 256 beats) becomes tokens over MIDI 24..99 (V = 78, the seed
configuration's). Each trainer runs STEPS steps of B=256 x T=64 (a quarter
of them for H=256 L=2) and validates once at the end, and reports tok/s its
own way, which is the same way: T*B per step over the time since its loop
began, that validation included. As the machine may be shared, tokens per
CPU-second of the training steps alone are printed beside it (a run of 0
steps, with the same start-up and validation, subtracted). PyTorch runs at its best configuration
(/work/shared/BENCHMARKING.md): OMP_WAIT_POLICY=PASSIVE before torch is
imported and torch.set_num_threads(THREADS), as one process; and as THREADS
gloo ranks of one thread each (--nproc), the data-parallel road.
"""
import os
import re
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "trainer"))
from synth_midi import write_corpus  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 40
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
train = os.path.join(build, "trainer", "cantus-train")
torch_py = os.path.join(TOP, "trainer", "torch", "cantus_torch.py")
RANGE = ["--low", "24", "--high", "99"]


def run(cmd, env=None):
    """(the last tok/s figure the trainer printed, CPU seconds of the process
    and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"{cmd} failed:\n{p.stderr}")
    found = re.findall(r"(\d+) tok/s", p.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (float(found[-1]) if found else 0.0), cpu


def measure(cmd, steps, tokens_per_step, env=None):
    """Wall tok/s as the trainer counts it, and tokens per CPU-second: the
    CPU time of a run of `steps` less that of a run of 0 steps (the same
    start-up and final validation), so only the training steps count."""
    wall, cpu = run(cmd + ["--steps", str(steps)], env)
    _, cpu0 = run(cmd + ["--steps", "0"], env)
    return wall, steps * tokens_per_step / max(cpu - cpu0, 1e-9)


def openblas_core():
    """The kernel OpenBLAS picked (both trainers link it): on some virtual
    CPUs it falls back to Prescott, without AVX, unless OPENBLAS_CORETYPE
    names the core."""
    p = subprocess.run([train, "--help"], capture_output=True, text=True,
                       env=dict(os.environ, OPENBLAS_VERBOSE="2"))
    found = re.findall(r"Core: (\S+)", p.stdout + p.stderr)
    return found[0] if found else "unknown"


def main():
    print(f"load average before: {os.getloadavg()[0]:.2f}; OpenBLAS core {openblas_core()} "
          f"(OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
    torch_env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with tempfile.TemporaryDirectory(prefix="cantus-road-bench-") as tmp:
        corpus, tokens = f"{tmp}/corpus", f"{tmp}/tokens.jsonl"
        write_corpus(corpus, files=200, beats=256)
        with open(tokens, "w") as f:
            f.write(subprocess.run([train, "tokens", "--json", "--corpus", corpus] + RANGE,
                                   capture_output=True, text=True, check=True).stdout)
        rows = []
        for hidden, layers, n in ((128, 1, steps), (256, 2, max(steps // 4, 2))):
            shape = ["--hidden", str(hidden), "--layers", str(layers), "--batch", "256",
                     "--seq", "64", "--patience", "0"]
            torch_cmd = ["/usr/bin/python3", torch_py, "train", "--tokens", tokens,
                         "--val-every", str(n), "--device", "cpu", *shape]
            c = measure([train, "train", "--corpus", corpus, *RANGE, "-o", f"{tmp}/c.st",
                         "--eval-every", str(n), "--threads", str(threads), *shape], n, 256 * 64)
            t = measure(torch_cmd + ["-o", f"{tmp}/t.st", "--threads", str(threads)], n,
                        256 * 64, torch_env)
            r = measure(torch_cmd + ["-o", f"{tmp}/r.st", "--nproc", str(threads), "--threads",
                                     "1"], n, 256 * 64, torch_env)
            rows.append((f"V=78 H={hidden} L={layers} B=256 T=64, {n} steps", c, t, r))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("\nwall: tokens per second as each trainer prints it; CPU: tokens per CPU-second "
          "of the training steps (all threads and ranks); ratio: cantus-train's over it")
    print(f"\n| configuration | cantus-train, {threads} threads | cantus_torch.py, 1 process "
          f"x {threads} threads | cantus_torch.py, {threads} gloo ranks x 1 thread |")
    print("|---|---|---|---|")
    for name, c, t, r in rows:
        cells = [f"{c[0]:,.0f} wall / {c[1]:,.0f} CPU"]
        for x in (t, r):
            cells.append(f"{x[0]:,.0f} wall / {x[1]:,.0f} CPU ({c[0] / x[0]:.1f}x / "
                         f"{c[1] / x[1]:.1f}x)")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
