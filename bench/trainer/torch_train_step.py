#!/usr/bin/python3
"""PyTorch's training step for the shapes of cantus-bench-train: nn.LSTM (one-hot
input) + nn.Linear, CrossEntropyLoss at every step, backward, clip_grad_norm_,
Adam. Prints "RESULT V H L B T median_ms cpu_ms" lines like the C benchmark.

OMP_WAIT_POLICY=PASSIVE must be set before torch is imported (the calling
script does), else OpenMP threads spin and steal the cores OpenBLAS needs
(BENCHMARKING.md)."""
import os
import statistics
import sys
import time

assert os.environ.get("OMP_WAIT_POLICY") == "PASSIVE", "run through run_train_bench.sh"
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
threads = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
torch.set_num_threads(threads)
print("torch %s, torch.set_num_threads(%d), OMP_WAIT_POLICY=PASSIVE" % (torch.__version__, threads))


class Net(nn.Module):
    def __init__(self, V, H, L):
        super().__init__()
        self.lstm = nn.LSTM(V, H, L)
        self.fc = nn.Linear(H, V)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)


for V, H, L, B, T in ((78, 128, 1, 256, 64), (80, 256, 2, 256, 64)):
    torch.manual_seed(7)
    net = Net(V, H, L)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times, cpu = [], 0.0
    for i in range(steps + 2):
        x = torch.randint(0, V, (T, B))
        y = torch.randint(0, V, (T, B))
        t0, c0 = time.perf_counter(), time.process_time()
        onehot = nn.functional.one_hot(x, V).float()
        opt.zero_grad()
        loss = loss_fn(net(onehot).reshape(T * B, V), y.reshape(T * B))
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if i >= 2:
            times.append(1e3 * (time.perf_counter() - t0))
            cpu += 1e3 * (time.process_time() - c0)
    times.sort()
    med = statistics.median(times)
    print("torch V=%d H=%d L=%d B=%d T=%d threads=%d: median %.1f ms/step (min %.1f, max %.1f, "
          "%d steps; CPU %.1f ms/step)" % (V, H, L, B, T, threads, med, times[0], times[-1], steps,
                                           cpu / steps))
    print("RESULT %d %d %d %d %d %.3f %.3f" % (V, H, L, B, T, med, cpu / steps))
