#!/usr/bin/python3
"""PyTorch's training step for the shapes of cantus-bench-train: nn.LSTM over
the one-hot input (the token's V columns, then for a metre shape the
position in the bar's P columns: nn.LSTM(V + P, H, L)) + nn.Linear(H, V),
CrossEntropyLoss at every step, backward, clip_grad_norm_, Adam.

compare_train.py imports this module and calls step_times(); run alone, it
prints "RESULT V P H L B T median_ms cpu_ms min_ms" lines like the C
benchmark. OMP_WAIT_POLICY=PASSIVE must be set before torch is imported
(run_train_bench.sh does), else OpenMP threads spin and steal the cores
OpenBLAS needs (BENCHMARKING.md)."""
import os
import statistics
import sys
import time

assert os.environ.get("OMP_WAIT_POLICY") == "PASSIVE", "run through run_train_bench.sh"
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

B, T = 256, 64


class Net(nn.Module):
    def __init__(self, V, P, H, L):
        super().__init__()
        self.lstm = nn.LSTM(V + P, H, L)
        self.fc = nn.Linear(H, V)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)


def step_times(V, P, H, L, steps, threads):
    """Wall milliseconds of each of `steps` steps (after two warm-up steps,
    sorted) and the CPU milliseconds per step."""
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    net = Net(V, P, H, L)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times, cpu = [], 0.0
    for i in range(steps + 2):
        x = torch.randint(0, V, (T, B))
        y = torch.randint(0, V, (T, B))
        pos = (torch.arange(T)[:, None] + torch.randint(0, max(P, 1), (1, B))) % max(P, 1)
        t0, c0 = time.perf_counter(), time.process_time()
        onehot = nn.functional.one_hot(x, V).float()
        if P > 0:
            onehot = torch.cat([onehot, nn.functional.one_hot(pos, P).float()], dim=2)
        opt.zero_grad()
        loss = loss_fn(net(onehot).reshape(T * B, V), y.reshape(T * B))
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if i >= 2:
            times.append(1e3 * (time.perf_counter() - t0))
            cpu += 1e3 * (time.process_time() - c0)
    times.sort()
    return times, cpu / steps


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    print("torch %s, torch.set_num_threads(%d), OMP_WAIT_POLICY=PASSIVE" % (torch.__version__,
                                                                            threads))
    for V, P, H, L in ((78, 0, 128, 1), (78, 16, 128, 1), (80, 0, 256, 2), (80, 16, 256, 2)):
        times, cpu = step_times(V, P, H, L, steps, threads)
        med = statistics.median(times)
        print("torch V=%d P=%d H=%d L=%d B=%d T=%d threads=%d: median %.1f ms/step (min %.1f, "
              "max %.1f, %d steps; CPU %.1f ms/step)" % (V, P, H, L, B, T, threads, med, times[0],
                                                        times[-1], steps, cpu))
        print("RESULT %d %d %d %d %d %d %.3f %.3f %.3f" % (V, P, H, L, B, T, med, cpu, times[0]))


if __name__ == "__main__":
    main()
