#!/usr/bin/python3
"""Every figure of the README's "Measured" table, from peers run in this
script on this machine, printed as the table's rows:

    bench/readme_figures.py BUILD RUNS TRAIN_STEPS

(run it through bench/run_readme_figures.sh, which builds the benchmarks,
waits for a quiet machine and names OpenBLAS's kernels for every peer).

Each run holds, back to back: cantus-bench-step and PyTorch's batch-1 step
(torch_step.py, the best of its three runners, warm and cold, cold meaning
the weights' and the state's cache lines flushed before each step), then
cantus-bench-train and PyTorch's training step (torch_train_step.py). A
ratio is computed within one run, from the two peers' medians; the table
gives the median over the runs and, in brackets, the lowest and highest.
cantus-bench-run (the plugin's run() per cycle, against the cycle's time
budget, no peer) runs once, after the others.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"


def cpu_description():
    info = open("/proc/cpuinfo").read()
    name = re.search(r"^model name\s*:\s*(.*)$", info, re.M).group(1).strip()
    family = re.search(r"^cpu family\s*:\s*(\d+)", info, re.M).group(1)
    model = re.search(r"^model\s*:\s*(\d+)", info, re.M).group(1)
    flags = re.search(r"^flags\s*:\s*(.*)$", info, re.M).group(1).split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if "avx2" in flags else "no AVX2"
    l3 = "?"
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index3/size") as f:
            l3 = f.read().strip()
            l3 = f"{int(l3[:-1]) // 1024} MiB" if l3.endswith("K") else l3
    except OSError:
        pass
    return (f"{name} (family {family} model {model}, {isa}, {os.cpu_count()} cores, "
            f"L3 {l3}{', virtual' if 'hypervisor' in flags else ''})")


def load():
    return os.getloadavg()[0]


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def step_run(build, tmp):
    """{(V, H, L): {"cantus": {warm, cold}, "torch": {warm, cold, runners}}} in ns,
    for the shapes without the metre input (P = 0), the README's rows."""
    cantus_json, torch_json = f"{tmp}/cantus.json", f"{tmp}/torch.json"
    run([f"{build}/bench/core/cantus-bench-step", "--json", cantus_json])
    run([PYTHON, f"{HERE}/core/torch_step.py", "--json-out", torch_json, "--flush-library",
         f"{build}/bench/core/libcantus-bench-flush.so"],
        dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    cantus, torch = json.load(open(cantus_json)), json.load(open(torch_json))
    out = {}
    for s in cantus["shapes"]:
        if s.get("P", 0) != 0:
            continue
        key = (s["V"], s["H"], s["L"])
        f32 = s["f32"]
        out[key] = {"cantus": {"warm": f32["warm"]["median"],
                               "cold": f32["cold"]["median"] if f32["cold_measured"] else None}}
    for s in torch["shapes"]:
        if s.get("P", 0) != 0:
            continue
        key = (s["V"], s["H"], s["L"])
        out[key]["torch"] = {"warm": s["warm"]["median"], "warm_runner": s["warm"]["runner"],
                             "cold": s["cold"]["median"] if "cold" in s else None,
                             "cold_runner": s["cold"]["runner"] if "cold" in s else None}
    out["version"] = torch["version"]
    out["peak"] = cantus["fma_peak_gflops"]
    return out


def train_run(build, steps, threads):
    """{(V, H, L): {"cantus": (wall, cpu), "torch": (wall, cpu)}} in ms per step."""
    result = {}
    for who, cmd, env in (
            ("cantus", [f"{build}/bench/trainer/cantus-bench-train", str(steps), str(threads)],
             None),
            ("torch", [PYTHON, f"{HERE}/trainer/torch_train_step.py", str(steps), str(threads)],
             dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))):
        for line in run(cmd, env).splitlines():
            if line.startswith("RESULT "):
                # V P H L B T median_ms cpu_ms ...; the README's rows are the
                # shapes without the metre input (P = 0)
                v, p, h, l, b, t, wall, cpu = line.split()[1:9]
                if int(p) == 0:
                    result.setdefault((int(v), int(h), int(l)), {})[who] = (float(wall), float(cpu))
    return result


def plugin_run(build, cycles):
    """(median, worst, step median) in us of the cold-around cycles, plain
    controls, and the bytes each flush covered."""
    env = dict(os.environ, LV2_PATH=os.path.abspath(f"{build}/lv2"))
    text = run([f"{build}/bench/plugin/cantus-bench-run", "--cycles", str(cycles)], env)
    rows = re.findall(r"^cold around\s+([\d.]+) +[\d.]+%\s+[\d.]+ +[\d.]+%\s+[\d.]+ +[\d.]+%"
                      r"\s+([\d.]+) +[\d.]+%\s+([\d.]+)", text, re.M)
    flushed = re.search(r"last flush: ([\d.]+) MiB", text)
    cold = "NOT cold" not in text
    median, worst, step = (float(x) for x in rows[0])  # the plain controls come first
    return median, worst, step, flushed.group(1) if flushed else "?", cold


def spread(values, fmt):
    """'median (min–max)' over the runs, or the one value."""
    m = statistics.median(values)
    if len(values) == 1:
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    train_steps = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    threads = os.cpu_count() or 1
    loads = [load()]
    steps, trains = [], []
    with tempfile.TemporaryDirectory(prefix="cantus-readme-figures-") as tmp:
        for r in range(runs):
            print(f"run {r + 1} of {runs}: step benchmarks (load {load():.2f})", file=sys.stderr)
            steps.append(step_run(build, tmp))
            loads.append(load())
            print(f"run {r + 1} of {runs}: training step benchmarks (load {load():.2f})",
                  file=sys.stderr)
            trains.append(train_run(build, train_steps, threads))
            loads.append(load())
    print(f"plugin run() benchmark (load {load():.2f})", file=sys.stderr)
    plugin = plugin_run(build, 100000)
    loads.append(load())

    version = steps[0]["version"]
    print(f"Machine: {cpu_description()}; {time.strftime('%Y-%m-%d')}; {runs} runs; "
          f"1-min load average {min(loads):.2f}–{max(loads):.2f} during the runs; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
          f"one-core FMA peak {spread([s['peak'] for s in steps], '{:.0f}')} GFLOP/s")
    print()
    short_version = ".".join(version.split(".")[:2])
    print(f"| what | Cantus | peer: PyTorch {short_version} | ratio (median of {runs} runs, "
          "range) |")
    print("|---|---|---|---|")
    for key in ((80, 128, 1), (80, 256, 2)):
        V, H, L = key
        shape = f"V{V} H{H}" + (f" L{L}" if L > 1 else "")
        for mode, label in (("warm", "warm, back to back"),
                            ("cold", "cold: weights and state flushed (clflush) before each")):
            if any(s[key]["cantus"][mode] is None or s[key]["torch"][mode] is None
                   for s in steps):
                print(f"| LSTM step {shape}, {label} | not measured (no clflush here) | | |")
                continue
            ours = [s[key]["cantus"][mode] / 1000 for s in steps]
            theirs = [s[key]["torch"][mode] / 1000 for s in steps]
            runners = sorted({f"`{s[key]['torch'][f'{mode}_runner']}`" for s in steps})
            ratios = [t / o for t, o in zip(theirs, ours)]
            print(f"| LSTM step {shape}, {label} (median step) | {spread(ours, '{:.2f}')} µs | "
                  f"{spread(theirs, '{:.1f}')} µs ({', '.join(runners)}) | "
                  f"**{spread(ratios, '{:.1f}×')}** |")
    median, worst, step, flushed, cold = plugin
    print(f"| `run()` per 64-frame cycle at 48 kHz, {flushed} MiB of process memory flushed "
          f"before the step's cycle and the 8 after{'' if cold else ' (NOT cold: no clflush)'}"
          f" | median {median:.2f} µs, step {step:.2f} µs, worst {worst:.1f} µs | "
          f"budget 1333 µs | worst {100 * worst / 1333.3:.1f} % |")
    for key, label in (((78, 128, 1), "training step, seed configuration (V78 H128 B256 T64)"),
                       ((80, 256, 2), "the same, V80 H256 L2")):
        wall = [t[key]["cantus"][0] for t in trains]
        cpu = [t[key]["cantus"][1] for t in trains]
        twall = [t[key]["torch"][0] for t in trains]
        tcpu = [t[key]["torch"][1] for t in trains]
        rw = [a / b for a, b in zip(twall, wall)]
        rc = [a / b for a, b in zip(tcpu, cpu)]
        print(f"| {label}, {threads} threads, {train_steps} steps: wall / CPU | "
              f"{spread(wall, '{:.0f}')} / {spread(cpu, '{:.0f}')} ms | "
              f"{spread(twall, '{:.0f}')} / {spread(tcpu, '{:.0f}')} ms | "
              f"**{spread(rw, '{:.1f}×')}** / {spread(rc, '{:.1f}×')} |")


if __name__ == "__main__":
    main()
