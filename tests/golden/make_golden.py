#!/usr/bin/python3
"""Golden data for the core's LSTM step: PyTorch's nn.LSTM + nn.Linear on
fixed weights and token sequences.

Run with Debian's torch 1.13:  /usr/bin/python3 tests/golden/make_golden.py
It writes, beside itself, one .safetensors model per configuration (written
by hand: the safetensors package is not in Debian) and golden.json with the
expected logits and every layer's h and c after every step. Both are
committed; CI never needs torch.

An input token of -1 is fed as an all-zero input vector, the core's
documented behaviour for a token out of range.

The metre models (METRE_MODELS, cantus.bar_steps = P) take V + P inputs:
one_hot(token) then one_hot(position in the bar). Their steps give both;
a position outside [0, P) is fed as all-zero position inputs, the core's
rule for it. They are made after the models above from the same seeded
generator, so adding them left the older files byte for byte as they were.
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# name, layers, hidden, note_low, note_high, rest, hold, weight scale, tokens
MODELS = [
    ("tiny_l1_h16_v12", 1, 16, 60, 71, -1, -1, 4.0,
     [0, 5, 11, 3, 3, 7, 1, 10, 2, 6, 9, 4]),
    ("rest_hold_l2_h32_v20", 2, 32, 48, 65, 18, 19, 1.5,
     [18, 0, 17, 19, 19, 5, 18, 12, 3, 19, 8, 1]),
    ("seed_l1_h128_v78", 1, 128, 24, 101, -1, -1, 1.0,
     [36, 40, 43, 48, 43, 40, 77, 0, 52]),
    ("odd_l3_h20_v13", 3, 20, 62, 73, -1, 12, 2.5,
     [12, 0, 11, -1, 5, 12, 7, 2]),
]

# name, layers, hidden, note_low, note_high, rest, hold, weight scale,
# bar_steps, steps_per_beat, (token, position) pairs
METRE_MODELS = [
    ("metre_l1_h16_v12_p12", 1, 16, 60, 70, 11, -1, 3.0, 12, 4,
     [(-1, 0), (0, 1), (5, 2), (11, 3), (3, 4), (3, 5), (7, 6), (1, 7), (10, 8),
      (2, 9), (6, 10), (9, 11), (4, 0), (4, -1), (8, 12), (0, 99)]),
    ("metre_l2_h24_v14_p6", 2, 24, 55, 66, 12, 13, 1.5, 6, 2,
     [(-1, 0), (12, 1), (0, 2), (13, 3), (13, 4), (5, 5), (12, 0), (11, 1),
      (3, 6), (-1, -1), (8, 3), (1, 5)]),
    ("metre_l3_h20_v13_p16", 3, 20, 62, 73, -1, 12, 2.5, 16, 4,
     [(12, 0), (0, 15), (11, 14), (-1, 3), (5, 7), (12, 8), (7, 16), (2, 1),
      (9, 2), (4, 0)]),
]


class Net(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, bar_steps=0):
        super().__init__()
        self.lstm = torch.nn.LSTM(vocab + bar_steps, hidden, layers, batch_first=True)
        self.fc = torch.nn.Linear(hidden, vocab)


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, t in tensors:
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data section starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def rounded(values):
    # rounded to float32, printed with the 9 significant digits that round-trip
    return [float(f"{v:.9g}") for v in values.to(torch.float32).tolist()]


def make_case(name, L, H, low, high, rest, hold, scale, P, steps_per_beat, inputs):
    """inputs: (token, position) pairs; position None for a model without
    metre input (the step records no position then)."""
    V = high - low + 1 + (rest >= 0) + (hold >= 0)
    net = Net(V, H, L, P)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(scale)
    state = net.state_dict()
    metadata = {
        "cantus.format": "1",
        "cantus.note_low": str(low),
        "cantus.note_high": str(high),
        "cantus.rest_token": str(rest),
        "cantus.hold_token": str(hold),
        "cantus.steps_per_beat": str(steps_per_beat),
        "cantus.label": f"golden {name}",
    }
    if P > 0:
        metadata["cantus.bar_steps"] = str(P)
    write_safetensors(os.path.join(HERE, name + ".safetensors"),
                      list(state.items()), metadata)

    # The expected values are computed in float64 from the float32 weights
    # (written above) and rounded to float32: float32 PyTorch's last bits
    # depend on which BLAS kernel the machine picks, and the file must come
    # out the same on any machine.
    net.double()
    steps = []
    hc = None
    with torch.inference_mode():
        for tok, pos in inputs:
            x = torch.zeros(1, 1, V + P, dtype=torch.float64)
            if 0 <= tok < V:
                x[0, 0, tok] = 1.0
            if pos is not None and 0 <= pos < P:
                x[0, 0, V + pos] = 1.0
            out, hc = net.lstm(x, hc)
            logits = net.fc(out[0, 0])
            step = {"input": tok}
            if pos is not None:
                step["position"] = pos
            step.update({
                "logits": rounded(logits),
                "h": [rounded(hc[0][k, 0]) for k in range(L)],
                "c": [rounded(hc[1][k, 0]) for k in range(L)],
            })
            steps.append(step)
    case = {"model": name + ".safetensors", "vocab": V, "hidden": H, "layers": L}
    if P > 0:
        case["bar_steps"] = P
    case["steps"] = steps
    return case


def main():
    torch.manual_seed(20261126)
    cases = []
    for name, L, H, low, high, rest, hold, scale, tokens in MODELS:
        cases.append(make_case(name, L, H, low, high, rest, hold, scale, 0, 1,
                               [(t, None) for t in tokens]))
    for name, L, H, low, high, rest, hold, scale, P, spb, inputs in METRE_MODELS:
        cases.append(make_case(name, L, H, low, high, rest, hold, scale, P, spb, inputs))

    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
