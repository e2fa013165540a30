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


class Net(torch.nn.Module):
    def __init__(self, vocab, hidden, layers):
        super().__init__()
        self.lstm = torch.nn.LSTM(vocab, hidden, layers, batch_first=True)
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
    # float32 values, printed with the 9 significant digits that round-trip
    return [float(f"{v:.9g}") for v in values.tolist()]


def main():
    torch.manual_seed(20261126)
    cases = []
    for name, L, H, low, high, rest, hold, scale, tokens in MODELS:
        V = high - low + 1 + (rest >= 0) + (hold >= 0)
        net = Net(V, H, L)
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
            "cantus.steps_per_beat": "1",
            "cantus.label": f"golden {name}",
        }
        write_safetensors(os.path.join(HERE, name + ".safetensors"),
                          list(state.items()), metadata)

        steps = []
        hc = None
        with torch.inference_mode():
            for tok in tokens:
                x = torch.zeros(1, 1, V)
                if 0 <= tok < V:
                    x[0, 0, tok] = 1.0
                out, hc = net.lstm(x, hc)
                logits = net.fc(out[0, 0])
                steps.append({
                    "input": tok,
                    "logits": rounded(logits),
                    "h": [rounded(hc[0][k, 0]) for k in range(L)],
                    "c": [rounded(hc[1][k, 0]) for k in range(L)],
                })
        cases.append({"model": name + ".safetensors", "vocab": V, "hidden": H,
                      "layers": L, "steps": steps})

    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
