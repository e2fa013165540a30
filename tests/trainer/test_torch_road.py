#!/usr/bin/python3
"""The PyTorch road (trainer/torch/cantus_torch.py) against cantus-train.

    test_torch_road.py CANTUS_TRAIN CANTUS_TORCH_PY [CANTUS_RENDER]

On MIDI files this test writes:
  - equivalence: ten steps of `cantus-train train` and of `cantus_torch.py
    train` from the same seed (so the same initial weights and batches) give
    the same weights; one model evaluated by both gives the same NLL;
  - two gloo ranks (--nproc 2) train a model that equals the one-rank model,
    plays through the plugin (cantus-render) and is read by cantus-train eval;
  - --resume continues a run exactly;
  - a notebook-style state_dict imports and plays;
  - a metre model (--bar-steps: positions in the bar as more inputs, from
    the files' 4/4, 3/4 and 6/8 time signatures): the same ten steps on both
    roads, both evals agree, two ranks give the one-rank model, import
    takes it back unchanged and refuses a state_dict of another width;
  - bad input (a vocabulary other than --resume's, an empty file, a malformed
    line): one line on stderr, exit 1, nothing written.
Prints the figures it measures. Needs /usr/bin/python3 with python3-torch.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

from synth_midi import write_corpus  # beside this file

# Weights after ten steps, each tensor within this of its largest element
# (the rule of the PyTorch golden test). Both sides compute in float32 with
# sums in different orders (OpenBLAS against PyTorch's kernels), so the
# gradients differ by a few float roundings, and Adam's early steps, nearly
# lr times the gradient's sign, pass that on to the weights scaled by lr: a
# few 1e-7 after ten steps (printed as a figure). 1e-5 leaves room for other
# CPUs' kernels and still fails any real difference in the maths.
WEIGHT_TOL = 1e-5
NLL_TOL = 1e-5

TRAIN, TORCH_PY = sys.argv[1], sys.argv[2]
RENDER = sys.argv[3] if len(sys.argv) > 3 else None
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(cmd, expect=0, quiet=False):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("LD_PRELOAD", None)  # python under ASan's preload is not what we test
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != expect:
        print(f"command {cmd} exited {p.returncode}, wanted {expect}\n{p.stderr}")
        raise SystemExit(1)
    if not quiet and p.stderr:
        sys.stderr.write(p.stderr)
    return p


def torch_py(*args, **kw):
    return run(["/usr/bin/python3", TORCH_PY] + list(args), **kw)


# ---------------------------------------------------------------- model files

def read_model(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__")
    tensors = {}
    for name, d in header.items():
        a, b = d["data_offsets"]
        tensors[name] = struct.unpack(f"<{(b - a) // 4}f", blob[8 + n + a:8 + n + b])
    return tensors, meta


def worst_relative(p, q):
    """The largest difference over every tensor, each relative to the
    tensor's largest element."""
    worst = 0.0
    for name in p:
        scale = max(abs(v) for v in p[name]) or 1.0
        worst = max(worst, max(abs(a - b) for a, b in zip(p[name], q[name])) / scale)
    return worst


def worst_absolute(p, q):
    return max(max(abs(a - b) for a, b in zip(p[n], q[n])) for n in p)


# ---------------------------------------------------------------- the tests

def equivalence(tmp, corpus, tokens, shape, tag, corpus_options=()):
    """corpus_options: what cantus-train train is given beyond --transpose
    for the tokens the token file holds (--bar-steps P)."""
    c_model, t_model = f"{tmp}/c{tag}.safetensors", f"{tmp}/t{tag}.safetensors"
    run([TRAIN, "train", "--corpus", corpus, "--transpose", "-2..2", "-o", c_model,
         "--steps", "10", "--eval-every", "10", "--threads", "1", "--seed", "3"] + shape
        + list(corpus_options), quiet=True)
    torch_py("train", "--tokens", tokens, "-o", t_model, "--steps", "10", "--val-every", "10",
             "--seed", "3", *shape, quiet=True)
    c, cm = read_model(c_model)
    t, tm = read_model(t_model)
    check(sorted(c) == sorted(t), "both trainers write the same tensors")
    rel, ab = worst_relative(c, t), worst_absolute(c, t)
    print(f"figure: {' '.join(shape)}: weights after 10 steps, cantus-train vs cantus_torch.py: worst "
          f"{rel:.2e} of a tensor's largest element, {ab:.2e} absolute")
    check(rel <= WEIGHT_TOL, f"weights after 10 steps agree to {WEIGHT_TOL:g} (got {rel:.2e})")
    # The check can fail: another seed's ten steps are far from these.
    torch_py("train", "--tokens", tokens, "-o", f"{tmp}/t4.safetensors", "--steps", "10",
             "--val-every", "10", "--seed", "4", *shape, quiet=True)
    other = worst_relative(c, read_model(f"{tmp}/t4.safetensors")[0])
    check(other > 100 * WEIGHT_TOL, f"another seed differs by far more ({other:.2e})")
    for key in ("cantus.format", "cantus.note_low", "cantus.note_high", "cantus.rest_token",
                "cantus.hold_token", "cantus.steps_per_beat", "cantus.bar_steps",
                "cantus.trained_on",
                "cantus.transpose", "cantus.val_fraction", "cantus.min_length",
                "cantus.tokens_train", "cantus.tokens_val", "cantus.corpus_files", "cantus.steps"):
        check(cm.get(key) == tm.get(key), f"metadata {key}: {cm.get(key)} = {tm.get(key)}")
    check(abs(float(cm["cantus.val_nll"]) - float(tm["cantus.val_nll"])) < 1e-4,
          f"recorded validation NLL {cm['cantus.val_nll']} ~ {tm['cantus.val_nll']}")
    check("cantus_torch.py train" in tm["cantus.train_args"], "cantus.train_args recorded")
    for road, meta in (("cantus-train", cm), ("cantus_torch.py", tm)):
        held = [k for k, v in meta.items() if tmp in v]
        check(not held, f"{road}'s metadata holds no path of this machine {held}")

    for model, split in ((c_model, "val"), (t_model, "val"), (c_model, "all"),
                         (t_model, "all")):
        c_eval = json.loads(run([TRAIN, "eval", "--model", model, "--corpus", corpus, "--json",
                                 "--threads", "1", "--split", split]).stdout)
        t_eval = json.loads(torch_py("eval", "--model", model, "--tokens", tokens, "--split",
                                     split).stdout)
        diff = abs(c_eval["model"]["nll"] - t_eval["model"]["nll"])
        print(f"figure: eval NLL of {os.path.basename(model)}, {split} split "
              f"({c_eval['tokens']} tokens): cantus-train "
              f"{c_eval['model']['nll']:.8f}, cantus_torch.py {t_eval['model']['nll']:.8f}, "
              f"difference {diff:.1e}")
        check(diff < NLL_TOL, f"eval NLL agrees to {NLL_TOL:g}")
        check(c_eval["tokens"] == t_eval["tokens"] and c_eval["files"] == t_eval["files"],
              "eval scores the same tokens and files")
        # After ten steps the logits are nearly flat: where two differ by a
        # float rounding, the two argmaxes may pick different tokens.
        flips = round(abs(c_eval["model"]["accuracy"] - t_eval["model"]["accuracy"])
                      * c_eval["tokens"])
        check(flips <= 2, f"eval accuracy agrees but for near ties ({flips} tokens differ)")
    return t_model


def two_ranks(tmp, corpus, tokens, shape, one_rank):
    model = f"{tmp}/ranks.safetensors"
    p = torch_py("train", "--tokens", tokens, "-o", model, "--nproc", "2", "--steps", "10",
                 "--val-every", "5", "--seed", "3", "--device", "cpu", *shape, quiet=True)
    check("rank 0 of 2" in p.stderr and "rank 1 of 2" in p.stderr
          and p.stderr.count("rank 1 of 2") == 1, "each of two ranks logs 'rank R of 2' once")
    rel = worst_relative(read_model(one_rank)[0], read_model(model)[0])
    print(f"figure: two gloo ranks vs one process, 10 steps: worst {rel:.2e}")
    check(rel <= WEIGHT_TOL, "two ranks train the one-rank model")
    check(os.path.exists(model + ".ckpt"), "rank 0 wrote a checkpoint")
    # Two "nodes" on this machine, one rank each, as on a cluster without
    # torchrun: the launcher's RANK and WORLD_SIZE arithmetic.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    nodes = [subprocess.Popen(
        ["/usr/bin/python3", TORCH_PY, "train", "--tokens", tokens, "-o", f"{tmp}/nodes.st",
         "--nnodes", "2", "--node-rank", str(k), "--master-addr", "127.0.0.1", "--master-port",
         port, "--steps", "10", "--val-every", "5", "--seed", "3", "--device", "cpu", *shape],
        stderr=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        for k in range(2)]
    logs = [p.communicate(timeout=120)[1] for p in nodes]
    check(all(p.returncode == 0 for p in nodes) and "rank 1 of 2" in logs[1],
          "two nodes of one rank each (--nnodes 2 --node-rank K) train")
    rel = worst_relative(read_model(one_rank)[0], read_model(f"{tmp}/nodes.st")[0])
    check(rel <= WEIGHT_TOL, f"and give the one-process model ({rel:.2e})")
    ev = json.loads(run([TRAIN, "eval", "--model", model, "--corpus", corpus, "--json"]).stdout)
    check(ev["model"]["nll"] > 0, f"cantus-train eval reads it (NLL {ev['model']['nll']:.4f})")
    return model


def resume(tmp, tokens, shape):
    whole, part = f"{tmp}/whole.safetensors", f"{tmp}/part.safetensors"
    common = ["--val-every", "4", "--patience", "0", "--seed", "5", *shape]
    torch_py("train", "--tokens", tokens, "-o", whole, "--steps", "8", *common, quiet=True)
    torch_py("train", "--tokens", tokens, "-o", part, "--steps", "4", *common, quiet=True)
    torch_py("train", "--tokens", tokens, "-o", part, "--steps", "8", "--resume",
             part + ".ckpt", *common, quiet=True)
    w, p = read_model(whole)[0], read_model(part)[0]
    check(worst_absolute(w, p) == 0.0, "4 steps resumed to 8 equal 8 steps, bit for bit")
    return part + ".ckpt"


def notebook_import(tmp):
    """The MIT 6.S191 music notebook's shape: 78 pitches from MIDI 24, no REST
    or HOLD, nn.LSTM named lstm and nn.Linear named fc."""
    script = (
        "import torch, torch.nn as nn, sys\n"
        "class Net(nn.Module):\n"
        "    def __init__(s):\n"
        "        super().__init__(); s.lstm = nn.LSTM(78, 32, 1); s.fc = nn.Linear(32, 78)\n"
        "torch.manual_seed(0); torch.save(Net().state_dict(), sys.argv[1])\n")
    pt = f"{tmp}/notebook.pt"
    run(["/usr/bin/python3", "-c", script, pt])
    model = f"{tmp}/notebook.safetensors"
    torch_py("import", "--state-dict", pt, "--note-low", "24", "-o", model, quiet=True)
    t, meta = read_model(model)
    check(meta["cantus.note_low"] == "24" and meta["cantus.note_high"] == "101"
          and meta["cantus.rest_token"] == "-1", "the notebook model is MIDI 24..101, no REST")
    check(len(t["fc.weight"]) == 78 * 32, "its weights are all there")
    return model


def metre(tmp, corpus, plain_tokens, shape):
    """A metre model on both roads. The corpus has 4/4 (no signature and an
    explicit one), 3/4 and 6/8 songs; at one step a beat their bars are 4, 3
    and 3 steps, so P = 4 positions. Windows of 60 are padded past the
    48-step songs' end, where the position input is zeros."""
    P = "4"
    tokens = f"{tmp}/metre.jsonl"
    with open(tokens, "w") as f:
        f.write(run([TRAIN, "tokens", "--json", "--corpus", corpus, "--transpose", "-2..2",
                     "--bar-steps", P], quiet=True).stdout)
    with open(tokens) as f:
        lines = [json.loads(line) for line in f]
    bars = {tuple(d["positions"][:8]) for d in lines}
    check(all(d["bar_steps"] == 4 for d in lines) and (0, 1, 2, 3, 0, 1, 2, 3) in bars
          and (0, 1, 2, 0, 1, 2, 0, 1) in bars, "the token file has bars of 4 and 3 steps")
    t_model = equivalence(tmp, corpus, tokens, shape + ["--seq", "60"], "metre",
                          ["--bar-steps", P])
    t, meta = read_model(t_model)
    V = len(t["fc.bias"])
    check(meta.get("cantus.bar_steps") == P and len(t["lstm.weight_ih_l0"])
          == len(t["lstm.bias_ih_l0"]) * (V + int(P)),
          f"cantus.bar_steps {P}, lstm.weight_ih_l0 [4H, V + P]")
    plays(t_model, tmp, "torch-trained metre model")

    ranked = f"{tmp}/metre-ranks.safetensors"
    torch_py("train", "--tokens", tokens, "-o", ranked, "--nproc", "2", "--steps", "10",
             "--val-every", "10", "--seed", "3", "--device", "cpu", *shape, "--seq", "60",
             quiet=True)
    rel = worst_relative(t, read_model(ranked)[0])
    print(f"figure: metre model, two gloo ranks vs one process, 10 steps: worst {rel:.2e}")
    check(rel <= WEIGHT_TOL, "two ranks train the one-rank metre model")

    # A notebook's state_dict of this model comes back as it was.
    pt, back = f"{tmp}/metre.pt", f"{tmp}/metre-back.safetensors"
    run(["/usr/bin/python3", "-c",
         "import sys, torch\nsys.path.insert(0, sys.argv[1])\nimport cantus_torch\n"
         "torch.save(cantus_torch.read_safetensors(sys.argv[2])[0], sys.argv[3])\n",
         os.path.dirname(os.path.abspath(TORCH_PY)), t_model, pt])
    vocab = ["--note-low", meta["cantus.note_low"], "--rest-token", meta["cantus.rest_token"],
             "--hold-token", meta["cantus.hold_token"], "--steps-per-beat",
             meta["cantus.steps_per_beat"]]
    torch_py("import", "--state-dict", pt, *vocab, "--bar-steps", P, "-o", back, quiet=True)
    b, bmeta = read_model(back)
    check(sorted(b) == sorted(t) and worst_absolute(t, b) == 0.0,
          "import of its state_dict keeps every weight, bit for bit")
    check(all(bmeta.get(k) == meta.get(k) for k in ("cantus.note_low", "cantus.note_high",
                                                  "cantus.rest_token", "cantus.hold_token",
                                                  "cantus.steps_per_beat", "cantus.bar_steps")),
          "and the vocabulary and cantus.bar_steps")
    # An imported model records no corpus: its n-gram baselines are told one.
    evals = [json.loads(run([TRAIN, "eval", "--model", m, "--corpus", corpus, "--json",
                             "--ngram-corpus", corpus, "--threads", "1", "--split",
                             "all"]).stdout)["model"]["nll"]
             for m in (t_model, back)]
    check(evals[0] == evals[1], f"cantus-train eval of the imported model: {evals[1]:.8f}, "
          f"as before import {evals[0]:.8f}")
    for what, extra in (("--bar-steps 3", ["--bar-steps", "3"]), ("no --bar-steps", [])):
        out = f"{tmp}/bad-import.safetensors"
        p = torch_py("import", "--state-dict", pt, *vocab, *extra, "-o", out, expect=1,
                     quiet=True)
        said = p.stderr.strip().splitlines()
        check(len(said) == 1 and "inputs" in said[0],
              f"import with {what}: one line ({said[-1] if said else 'none'})")
        check(not os.path.exists(out), f"import with {what}: nothing written")
    # A metre model never reads tokens without positions.
    p = torch_py("eval", "--model", t_model, "--tokens", plain_tokens, expect=1, quiet=True)
    said = p.stderr.strip().splitlines()
    check(len(said) == 1, f"eval of a metre model on tokens without positions: one line "
          f"({said[-1] if said else 'none'})")
    return t_model + ".ckpt"


def bad_input(tmp, corpus, tokens, ckpt, shape, metre_ckpt):
    other = f"{tmp}/other.jsonl"
    with open(other, "w") as f:
        f.write(run([TRAIN, "tokens", "--json", "--corpus", corpus, "--low", "48", "--high", "84"],
                    quiet=True).stdout)
    empty, broken = f"{tmp}/empty.jsonl", f"{tmp}/broken.jsonl"
    open(empty, "w").close()
    with open(tokens) as f, open(broken, "w") as g:
        lines = f.readlines()
        g.write(lines[0] + lines[1][:40] + "\n" + "".join(lines[2:]))
    cases = [("another vocabulary than --resume's", other, ["--resume", ckpt]),
             ("tokens without the positions of --resume's metre model", tokens,
              ["--resume", metre_ckpt]),
             ("an empty token file", empty, []),
             ("a malformed line", broken, [])]
    for what, path, extra in cases:
        out = f"{tmp}/bad.safetensors"
        p = torch_py("train", "--tokens", path, "-o", out, "--steps", "2", *shape, *extra,
                     expect=1, quiet=True)
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1, f"{what}: one line ({lines[-1] if lines else 'none'})")
        check(not os.path.exists(out) and not os.path.exists(out + ".ckpt")
              and not [n for n in os.listdir(tmp) if n.startswith("bad.")],
              f"{what}: nothing written")


def plays(model, tmp, name):
    if not RENDER:
        print(f"skip {name}: no cantus-render given")
        return
    out = f"{tmp}/{name}.mid"
    run([RENDER, "--model", model, "--bars", "2", "--quiet", "-o", out], quiet=True)
    with open(out, "rb") as f:
        data = f.read()
    notes = sum(1 for i in range(len(data) - 2) if data[i] & 0xF0 == 0x90 and data[i + 2] > 0)
    check(data[:4] == b"MThd" and notes >= 4, f"{name} plays through the plugin "
          f"({notes} note-ons in 2 bars)")


def main():
    with tempfile.TemporaryDirectory(prefix="cantus-torch-") as tmp:
        corpus, tokens = f"{tmp}/corpus", f"{tmp}/tokens.jsonl"
        # Time signatures change nothing for a model without metre input.
        write_corpus(corpus, meters=[None, (3, 4), (6, 8), (4, 4)])
        with open(tokens, "w") as f:
            f.write(run([TRAIN, "tokens", "--json", "--corpus", corpus, "--transpose", "-2..2"],
                        quiet=True).stdout)
        # Songs are 48 steps: windows of 60 are padded past their end.
        equivalence(tmp, corpus, tokens, ["--hidden", "8", "--batch", "6", "--seq", "60"], "pad")
        shape = ["--hidden", "16", "--layers", "2", "--batch", "8", "--seq", "16"]
        one_rank = equivalence(tmp, corpus, tokens, shape, "")
        ranked = two_ranks(tmp, corpus, tokens, shape, one_rank)
        plays(ranked, tmp, "two-rank model")
        ckpt = resume(tmp, tokens, shape)
        plays(notebook_import(tmp), tmp, "imported notebook model")
        metre_ckpt = metre(tmp, corpus, tokens, ["--hidden", "16", "--layers", "2", "--batch",
                                                 "6"])
        bad_input(tmp, corpus, tokens, ckpt, shape, metre_ckpt)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
