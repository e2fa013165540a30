#!/usr/bin/python3
"""Golden data for test_torch_golden: one training step of PyTorch 1.13 on a
small two-layer model, the way cantus-train computes it.

nn.LSTM (one-hot input over V tokens) + nn.Linear, CrossEntropyLoss (mean)
at every step of every snippet, backward, clip_grad_norm_ to a max norm of a
quarter of the gradient's own norm (so the clipping is active), Adam (lr 1e-2
so the moves are visible, betas 0.9/0.999, eps 1e-8); three steps on the
same batch so the bias corrections change.

Writes train_step.txt: one tensor per line, "name count v1 v2 ...", with
%.9g floats (exact for float32). Run with Debian's python3-torch:
    /usr/bin/python3 tests/trainer/golden/make_train_golden.py
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "trainer", "torch"))
from cantus_torch import make_model  # noqa: E402  the model the PyTorch road trains

V, H, L, T, B = 11, 8, 2, 7, 4
LR = 1e-2

torch.manual_seed(20261126)
torch.set_num_threads(1)


net = make_model(V, H, L)
tokens = torch.randint(0, V, (T, B))
targets = torch.randint(0, V, (T, B))
onehot = nn.functional.one_hot(tokens, V).float()
names = [n for n, _ in net.named_parameters()]
params = dict(net.named_parameters())

lines = []


def put(name, values):
    flat = [float(v) for v in torch.as_tensor(values).reshape(-1).tolist()]
    lines.append("%s %d %s" % (name, len(flat), " ".join("%.9g" % v for v in flat)))


put("config", [V, H, L, T, B, LR])
put("tokens", tokens)
put("targets", targets)
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

with open(os.path.join(HERE, "train_step.txt"), "w") as f:
    f.write("# made by make_train_golden.py with torch %s\n" % torch.__version__)
    f.write("\n".join(lines) + "\n")
