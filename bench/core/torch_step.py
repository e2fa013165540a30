#!/usr/bin/python3
"""PyTorch's batch-1 LSTM step for the shapes of cantus-bench-step, at its
best (BENCHMARKING.md): the fastest of eager nn.LSTM under
torch.inference_mode(), a stack of nn.LSTMCell, and torch.jit.trace +
torch.jit.freeze, warm and cold alike. One thread (batch 1 gains nothing
from more) with OMP_WAIT_POLICY=PASSIVE set before torch is imported.

Cold as cantus-bench-step makes it: before each timed step, every cache
line of the runner's weights (its parameters, or the frozen graph's constant
tensors), of its recurrent state and of the one-hot input table is flushed
(clflush + mfence) by cache_flush.c, built as a shared module and loaded
through ctypes (--flush-library). Without it, cold steps are not measured.

A shape with P > 0 is the metre input (a model with cantus.bar_steps = P):
nn.LSTM(V + P, H, L) fed concat(one_hot(token), one_hot(position)), position
i mod P at step i, as cantus-bench-step steps Cantus with
cantus_lstm_state_step_at.

With --cantus-json (written by cantus-bench-step --json) it prints the
ratios Cantus vs PyTorch, both measured in this run; --json-out writes
PyTorch's figures for bench/readme_figures.py.
"""
import argparse
import ctypes
import json
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402

# (V, H, L, P): P > 0 adds the metre input, P more one-hot columns (the
# position in the bar) beside the token's.
SHAPES = [(80, 128, 1, 0), (80, 128, 1, 16), (80, 256, 2, 0), (80, 256, 2, 16)]


class Step(torch.nn.Module):
    """One token in, logits out, state carried outside (for jit.trace)."""

    def __init__(self, lstm, fc):
        super().__init__()
        self.lstm, self.fc = lstm, fc

    def forward(self, x, h, c):
        out, (h2, c2) = self.lstm(x, (h, c))
        return self.fc(out[0]), h2, c2


def stats(ns):
    ns = np.sort(np.asarray(ns, dtype=np.float64))
    n = len(ns)
    return {"median": float(ns[n // 2]), "p99": float(ns[int(0.99 * (n - 1))]),
            "p999": float(ns[int(0.999 * (n - 1))]), "max": float(ns[-1])}


def frozen_tensors(frozen):
    """The tensors a frozen graph holds as constants (its weights)."""
    found = []

    def collect(value):
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)

    for node in frozen.graph.nodes():
        if node.kind() == "prim::Constant" and node.hasAttribute("value"):
            collect(node.output().toIValue())
    return found


def input_table(V, P):
    """Row i: the [1, 1, V + P] input of step index i, one_hot(i mod V) and,
    with a metre input, one_hot(i div V) in the P position columns; built
    once, so that no timed step builds a tensor."""
    rows = V * max(P, 1)
    eye = torch.zeros(rows, 1, 1, V + P)
    for i in range(rows):
        eye[i, 0, 0, i % V] = 1
        if P:
            eye[i, 0, 0, V + i // V] = 1
    return eye


def input_index(i, V, P):
    """cantus-bench-step's step i: token (37 i) mod V, position i mod P."""
    return (i * 37) % V + (V * (i % P) if P else 0)


def make_runners(V, H, L, P):
    """{name: (step, tensors to flush before a cold step)} and a reset."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(V + P, H, L).eval()
    fc = torch.nn.Linear(H, V).eval()
    eye = input_table(V, P)
    state = {}

    def reset():
        state["h"] = torch.zeros(L, 1, H)
        state["c"] = torch.zeros(L, 1, H)
        state["hc"] = [(torch.zeros(1, H), torch.zeros(1, H)) for _ in range(L)]

    def eager(tok):
        out, (state["h"], state["c"]) = lstm(eye[tok], (state["h"], state["c"]))
        return fc(out[0])

    cells = []
    for k in range(L):
        cell = torch.nn.LSTMCell(V + P if k == 0 else H, H).eval()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(lstm, f"{name}_l{k}"))
        cells.append(cell)

    def cellstack(tok):
        x = eye[tok][0]
        for k, cell in enumerate(cells):
            state["hc"][k] = cell(x, state["hc"][k])
            x = state["hc"][k][0]
        return fc(x)

    reset()
    with torch.inference_mode():
        traced = torch.jit.trace(Step(lstm, fc).eval(), (eye[0], state["h"], state["c"]))
        frozen = torch.jit.freeze(traced)

    def jit(tok):
        logits, state["h"], state["c"] = frozen(eye[tok], state["h"], state["c"])
        return logits

    def lstm_state():
        return [state["h"], state["c"]]

    def cell_state():
        return [t for pair in state["hc"] for t in pair]

    fc_params = list(fc.parameters())
    return reset, {
        "eager (inference_mode)": (eager, lambda: list(lstm.parameters()) + fc_params
                                   + lstm_state() + [eye]),
        "nn.LSTMCell": (cellstack, lambda: [p for c in cells for p in c.parameters()]
                        + fc_params + cell_state() + [eye]),
        "jit.trace+freeze": (jit, lambda: frozen_tensors(frozen) + lstm_state() + [eye]),
    }


def flusher(library):
    """flush(tensors): clflush every line of each tensor's memory, or None."""
    if not library:
        return None
    lib = ctypes.CDLL(library)
    if not lib.bench_cache_flush_available():
        return None
    lib.bench_cache_flush.argtypes = [ctypes.c_void_p, ctypes.c_size_t]

    def flush(tensors):
        for t in tensors:
            lib.bench_cache_flush(t.data_ptr(), t.numel() * t.element_size())

    return flush


def time_steps(step, reset, steps, V, P, before=None):
    reset()
    ns = []
    with torch.inference_mode():
        for i in range(200):
            step(input_index(i, V, P))
        for i in range(steps):
            if before is not None:
                before()
            index = input_index(i, V, P)
            t0 = time.perf_counter_ns()
            step(index)
            ns.append(time.perf_counter_ns() - t0)
    return stats(ns)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cantus-json")
    ap.add_argument("--json-out")
    ap.add_argument("--flush-library")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    warm_steps, cold_steps = (500, 30) if args.quick else (3000, 300)
    print(f"PyTorch {torch.__version__}: batch-1 step, torch.set_num_threads(1), "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    flush = flusher(args.flush_library)
    print("cold steps: " + ("before each, every cache line of the runner's weights, state and "
                            "one-hot table is flushed (clflush + mfence, not timed)" if flush
                            else "not measured (no --flush-library, or no clflush)"))

    torch_best = {}
    for V, H, L, P in SHAPES:
        reset, runners = make_runners(V, H, L, P)
        print(f"V={V} P={P} H={H} L={L}")
        best = {}
        for name, (step, tensors) in runners.items():
            warm = time_steps(step, reset, warm_steps, V, P)
            line = (f"  {name:24s} warm median {warm['median']:9.0f}  p99 {warm['p99']:9.0f}  "
                    f"p99.9 {warm['p999']:9.0f} ns")
            if "warm" not in best or warm["median"] < best["warm"][1]["median"]:
                best["warm"] = (name, warm)
            if flush:
                cold = time_steps(step, reset, cold_steps, V, P, lambda: flush(tensors()))
                line += f";  cold median {cold['median']:9.0f}  p99.9 {cold['p999']:9.0f} ns"
                if "cold" not in best or cold["median"] < best["cold"][1]["median"]:
                    best["cold"] = (name, cold)
            print(line)
        print(f"  best warm: {best['warm'][0]}" +
              (f"; best cold: {best['cold'][0]}" if "cold" in best else ""))
        torch_best[(V, H, L, P)] = best

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"version": torch.__version__, "shapes": [
                {"V": k[0], "H": k[1], "L": k[2], "P": k[3],
                 **{mode: {"runner": name, **st} for mode, (name, st) in b.items()}}
                for k, b in torch_best.items()]}, f, indent=1)
    if not args.cantus_json:
        return
    with open(args.cantus_json) as f:
        cantus = json.load(f)
    peak = cantus["fma_peak_gflops"]
    print("\nRatios, PyTorch's median over Cantus's, both measured now (> 1: Cantus is faster):")
    for s in cantus["shapes"]:
        key = (s["V"], s["H"], s["L"], s.get("P", 0))
        best = torch_best[key]
        print(f"V={key[0]} P={key[3]} H={key[1]} L={key[2]} (PyTorch's best warm: {best['warm'][0]}"
              + (f", cold: {best['cold'][0]})" if "cold" in best else ")"))
        for mode, label in (("f32", "f32 (PyTorch-exact)"), ("f16", "f16 weights (opt-in)")):
            m = s[mode]
            cw = m["warm"]["median"]
            line = (f"  Cantus {label}: warm {cw / 1000:.2f} us (p99.9 "
                    f"{m['warm']['p999'] / 1000:.2f})")
            ratios = f"    vs PyTorch: warm {best['warm'][1]['median'] / cw:.1f}x"
            if m.get("cold_measured") and "cold" in best:
                cc = m["cold"]["median"]
                line += (f", cold {cc / 1000:.2f} us (p99.9 {m['cold']['p999'] / 1000:.2f}),"
                         f" cold after prefetch {m['cold_prefetch']['median'] / 1000:.2f} us")
                ratios += f", cold {best['cold'][1]['median'] / cc:.1f}x"
            print(line + f"; {m['gflops']:.1f} GFLOP/s = {100 * m['gflops'] / peak:.0f}% of "
                  f"the {peak:.0f} GFLOP/s FMA peak")
            print(ratios)


if __name__ == "__main__":
    main()
