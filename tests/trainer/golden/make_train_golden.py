#!/usr/bin/python3
"""Golden data for test_torch_golden: one training step of PyTorch 1.13 on a
small two-layer model, the way cantus-train computes it.

The model and its input are the PyTorch road's own (trainer/torch/
cantus_torch.py: make_model, model_input), so the step checked here is the
one that trainer takes: nn.LSTM (one-hot input over V tokens) + nn.Linear,
CrossEntropyLoss (mean)
at every step of every snippet, backward, clip_grad_norm_ to a max norm of a
quarter of the gradient's own norm (so the clipping is active), Adam (lr 1e-2
so the moves are visible, betas 0.9/0.999, eps 1e-8); three steps on the
same batch so the bias corrections change.

Writes train_step.txt: one tensor per line, "name count v1 v2 ...", with
%.9g floats (exact for float32). train_step_metre.txt is the same for a
metre model: P = 5 positions in the bar as more one-hot inputs, so the
LSTM's input is concat(one_hot(token), one_hot(position)); a position
outside [0, P) is all-zero position inputs, the core's rule. Each file
starts from its own seed, so the metre one left train_step.txt's inputs and
weights as they were; its float32 results move by up to 6.9e-6 relative
(the last digits) when rerun on another CPU, whose BLAS kernels sum in
another order, which the test's 1e-4 covers: the committed file is the
one made first. Run with Debian's python3-torch:
    /usr/bin/python3 tests/trainer/golden/make_train_golden.py
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "trainer", "torch"))
from cantus_torch import make_model, model_input  # noqa: E402

V, H, L, T, B = 11, 8, 2, 7, 4
LR = 1e-2
torch.set_num_threads(1)


def make(P, filename):
    torch.manual_seed(20261126)
    net = make_model(V, H, L, P)  # nn.LSTM(V + P, H, L), then nn.Linear(H, V): the seed's order
    tokens = torch.randint(0, V, (T, B))
    targets = torch.randint(0, V, (T, B))
    positions = torch.randint(-1, P + 1, (T, B)) if P > 0 else None  # -1 and P: no position
    onehot = model_input(tokens, positions, V, P)
    names = [n for n, _ in net.named_parameters()]
    params = dict(net.named_parameters())

    lines = []

    def put(name, values):
        flat = [float(v) for v in torch.as_tensor(values).reshape(-1).tolist()]
        lines.append("%s %d %s" % (name, len(flat), " ".join("%.9g" % v for v in flat)))

    put("config", [V, H, L, T, B, LR] + ([P] if P > 0 else []))
    put("tokens", tokens)
    put("targets", targets)
    if P > 0:
        put("positions", positions)
    for n in names:
        put("init." + n, params[n].detach())

    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    clip = None
    for step in range(1, 4):
        opt.zero_grad()
        logits, _ = net(onehot)
        loss = loss_fn(logits.reshape(T * B, V), targets.reshape(T * B))
        loss.backward()
        if step == 1:
            put("loss", [loss.item()])
            for n in names:
                put("grad." + n, params[n].grad)
            norm = torch.norm(torch.stack([torch.norm(p.grad, 2) for p in net.parameters()]), 2)
            clip = 0.25 * norm.item()
            put("clip", [clip])
        nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        if step in (1, 3):
            for n in names:
                put("step%d.%s" % (step, n), params[n].detach())

    with open(os.path.join(HERE, filename), "w") as f:
        f.write("# made by make_train_golden.py with torch %s\n" % torch.__version__)
        f.write("\n".join(lines) + "\n")


make(0, "train_step.txt")
make(5, "train_step_metre.txt")
