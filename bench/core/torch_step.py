#!/usr/bin/python3
"""PyTorch's batch-1 LSTM step for the shapes of cantus-bench-step, at its
best (BENCHMARKING.md): the fastest of eager nn.LSTM under
torch.inference_mode(), a stack of nn.LSTMCell, and torch.jit.trace +
torch.jit.freeze. One thread (batch 1 gains nothing from more) with
OMP_WAIT_POLICY=PASSIVE set before torch is imported.

With --cantus-json (written by cantus-bench-step --json) it prints the
ratios Cantus vs PyTorch, and vs RTNeural's figures quoted from
BENCHMARKING.md (quoted, not measured in this run).
"""
import argparse
import json
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402

# (V, H, L, P): P > 0 adds the metre input, P more one-hot columns (the
# position in the bar) beside the token's, as cantus.bar_steps does.
SHAPES = [(80, 128, 1, 0), (80, 128, 1, 16), (80, 256, 2, 0), (80, 256, 2, 16)]
# RTNeural (C++, Eigen), BENCHMARKING.md, in microseconds: (warm, cold).
RTNEURAL_QUOTED = {(80, 128, 1): (8.2, 63.9), (80, 256, 2): (76.8, 427.0)}


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


def make_runners(V, H, L, P):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(V + P, H, L).eval()
    fc = torch.nn.Linear(H, V).eval()
    # The input of step i, one-hot token (and position i mod P), precomputed
    # as the step's [1, 1, V + P] tensor so that no step builds one.
    I = V * max(P, 1)
    eye = torch.zeros(I, 1, 1, V + P)
    for i in range(I):
        eye[i, 0, 0, i % V] = 1
        if P:
            eye[i, 0, 0, V + i // V] = 1
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

    return reset, {"eager (inference_mode)": eager, "nn.LSTMCell": cellstack,
                   "jit.trace+freeze": jit}


def time_steps(step, reset, steps, V, P, evict=None):
    reset()
    ns = []
    with torch.inference_mode():
        for i in range(200):
            step(i % V)
        for i in range(steps):
            if evict is not None:
                evict()
            # cantus-bench-step's sequence: token (37 i) mod V, position i mod P
            tok = (i * 37) % V + (V * (i % P) if P else 0)
            t0 = time.perf_counter_ns()
            step(tok)
            ns.append(time.perf_counter_ns() - t0)
    return stats(ns)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cantus-json")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    warm_steps, cold_steps = (500, 30) if args.quick else (3000, 150)
    print(f"PyTorch {torch.__version__}: batch-1 step, torch.set_num_threads(1), "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    buf = np.ones(32 << 20, dtype=np.float32)  # 128 MiB, 4x the L3

    def evict():
        np.add(buf, 1.0, out=buf)

    torch_best = {}
    for V, H, L, P in SHAPES:
        reset, runners = make_runners(V, H, L, P)
        print(f"V={V} P={P} H={H} L={L}")
        best_name, best = None, None
        for name, step in runners.items():
            st = time_steps(step, reset, warm_steps, V, P)
            print(f"  {name:24s} warm median {st['median']:9.0f}  p99 {st['p99']:9.0f}  "
                  f"p99.9 {st['p999']:9.0f} ns")
            if best is None or st["median"] < best["median"]:
                best_name, best = name, st
        cold = time_steps(runners[best_name], reset, cold_steps, V, P, evict)
        print(f"  best: {best_name}; cold median {cold['median']:.0f}  p99.9 {cold['p999']:.0f} ns")
        torch_best[(V, H, L, P)] = (best_name, best, cold)

    if not args.cantus_json:
        return
    with open(args.cantus_json) as f:
        cantus = json.load(f)
    peak = cantus["fma_peak_gflops"]
    print("\nRatios (how many times faster Cantus is; > 1 is better), medians:")
    for s in cantus["shapes"]:
        key = (s["V"], s["H"], s["L"], s.get("P", 0))
        name, warm, cold = torch_best[key]
        # RTNeural's quoted figures are for the shapes without a metre input.
        rt_warm, rt_cold = RTNEURAL_QUOTED[key[:3]]
        print(f"V={key[0]} P={key[3]} H={key[1]} L={key[2]} (PyTorch's best: {name}, measured "
              f"now; RTNeural: QUOTED from BENCHMARKING.md for P=0, {rt_warm} us warm / "
              f"{rt_cold} us cold, not measured here)")
        for mode, label in (("f32", "f32 (PyTorch-exact)"), ("f16", "f16 weights (opt-in)")):
            m = s[mode]
            cw, cc = m["warm"]["median"], m["cold"]["median"]
            print(f"  Cantus {label}: warm {cw / 1000:.2f} us (p99.9 {m['warm']['p999'] / 1000:.2f}),"
                  f" cold {cc / 1000:.2f} us (p99.9 {m['cold']['p999'] / 1000:.2f}),"
                  f" cold after prefetch {m['cold_prefetch']['median'] / 1000:.2f} us;"
                  f" {m['gflops']:.1f} GFLOP/s = {100 * m['gflops'] / peak:.0f}% of the"
                  f" {peak:.0f} GFLOP/s FMA peak")
            print(f"    vs PyTorch: warm {warm['median'] / cw:.1f}x, cold {cold['median'] / cc:.1f}x;"
                  f"  vs RTNeural (quoted): warm {rt_warm * 1000 / cw:.1f}x,"
                  f" cold {rt_cold * 1000 / cc:.1f}x")

if __name__ == "__main__":
    main()
