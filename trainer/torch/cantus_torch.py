#!/usr/bin/python3
"""Cantus models trained with PyTorch, on one process or many (DDP).

    cantus_torch.py train  --tokens FILE.jsonl -o MODEL.safetensors [options]
    cantus_torch.py eval   --model MODEL --tokens FILE.jsonl [--split val|train|all]
    cantus_torch.py import --state-dict FILE.pt --note-low PITCH [--bar-steps P] -o MODEL.safetensors

The token file is what `cantus-train tokens --json` prints (one sequence per
line, transposed copies included when it was given --transpose). Made with
--bar-steps P, its lines carry each token's position in the bar, and the
model takes the metre as an input as cantus-train's does: the LSTM reads
concat(one_hot(token), one_hot(position)), P more inputs. Training
does what `cantus-train train` does, step for step: the same PCG32 streams
draw the initial weights (stream 1) and the batch windows (stream 2), the
same loss, clipping and Adam, the same validation and early stopping, so
one seed gives the same model on both roads up to float rounding
(docs/training.md, "The PyTorch road").

Ranks: run it under torchrun (or any launcher that sets MASTER_ADDR,
MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK), or give --nproc N and it starts
N local ranks itself with those same variables. Every rank draws the whole
global batch from the same stream and trains on its own slice of it, so the
model does not depend on the number of ranks.

Needs Python 3 and PyTorch (Debian 12: python3-torch) and nothing else.
"""
import argparse
import bisect
import json
import math
import os
import shlex
import socket
import struct
import subprocess
import sys
import tempfile
import time

PROG = "cantus_torch.py"
MAX_BAR_STEPS = 256  # core/model.h's CANTUS_MAX_BAR_STEPS: the widest metre input


class Fail(Exception):
    """One clear sentence for the user; exit status 1."""


# ---------------------------------------------------------------- PCG32

MASK64 = (1 << 64) - 1
PCG_MULT = 6364136223846793005


class Pcg32:
    """core/rng.c's PCG32 (XSH RR 64/32), so a seed draws the same numbers."""

    def __init__(self, seed, stream):
        self.state = 0
        self.inc = ((stream << 1) | 1) & MASK64
        self.u32()
        self.state = (self.state + seed) & MASK64
        self.u32()

    def u32(self):
        old = self.state
        self.state = (old * PCG_MULT + self.inc) & MASK64
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((-rot) & 31))) & 0xFFFFFFFF

    def uniforms(self, n):
        """n draws of cantus_rng_uniform, inlined: initialisation draws
        millions of them and a method call each costs more than the maths."""
        state, inc, out = self.state, self.inc, [0.0] * n
        scale = 1.0 / 4294967296.0
        for i in range(n):
            old = state
            state = (old * PCG_MULT + inc) & MASK64
            x = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
            rot = old >> 59
            out[i] = (((x >> rot) | (x << ((-rot) & 31))) & 0xFFFFFFFF) * scale
        self.state = state
        return out


# ---------------------------------------------------------------- safetensors

def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 CPU tensor). Atomic: a temporary file
    beside the target, fsync'd and renamed, as cantus_safetensors_write."""
    import torch

    header, blobs, offset = {"__metadata__": dict(metadata)}, [], 0
    for name, t in tensors:
        data = t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # keeps the tensors 8-byte aligned
    atomic_write(path, [struct.pack("<Q", len(text)), text] + blobs)


def atomic_write(path, chunks):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_safetensors(path):
    """Returns ({name: float32 tensor}, metadata). F32 only, as the core."""
    import torch

    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise Fail(f"cannot read {path}: {e.strerror}")
    if len(blob) < 8:
        raise Fail(f"{path} is not a safetensors file (shorter than 8 bytes)")
    (n,) = struct.unpack("<Q", blob[:8])
    try:
        header = json.loads(blob[8:8 + n]) if 8 + n <= len(blob) else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise Fail(f"{path} is not a safetensors file (bad header)")
    meta = header.pop("__metadata__", {}) or {}
    base, tensors = 8 + n, {}
    for name, d in header.items():
        start, end = d["data_offsets"]
        if d.get("dtype") != "F32" or base + end > len(blob):
            raise Fail(f"{path}: tensor {name} is not F32 data inside the file")
        raw = bytearray(blob[base + start:base + end])
        tensors[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(d["shape"])
    return tensors, meta


# ---------------------------------------------------------------- tokens

class Vocab:
    """The token layout a model and a token file must agree on, with the
    metre input's width: bar_steps P positions in the bar, 0 without."""

    KEYS = ("note_low", "note_high", "rest_token", "hold_token", "steps_per_beat")

    def __init__(self, d):
        self.__dict__.update({k: int(d[k]) for k in self.KEYS})
        self.bar_steps = int(d.get("bar_steps", 0))  # absent before metre models
        self.size = (self.note_high - self.note_low + 1 + (self.rest_token >= 0)
                     + (self.hold_token >= 0))

    def as_dict(self):
        return dict({k: getattr(self, k) for k in self.KEYS}, bar_steps=self.bar_steps)

    def describe(self):
        metre = f", P={self.bar_steps} positions in the bar" if self.bar_steps else ""
        return (f"MIDI {self.note_low}..{self.note_high}, REST {self.rest_token}, "
                f"HOLD {self.hold_token}, {self.steps_per_beat} steps per beat, "
                f"V={self.size}{metre}")


class TokenFile:
    """The sequences of a `cantus-train tokens --json` file, in its order
    (the order cantus-train's batch sampler sees them in)."""

    def __init__(self, path):
        self.path = path
        self.seqs = []  # (split, transpose, tokens, positions or None, file)
        self.vocab = None
        self.corpus = {}
        try:
            f = open(path, encoding="utf-8")
        except OSError as e:
            raise Fail(f"cannot read {path}: {e.strerror}")
        with f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    self._add(number, line)
        if not self.seqs:
            raise Fail(f"{path} holds no token sequence (make it with "
                       f"`cantus-train tokens --json --corpus DIR`)")

    def _add(self, number, line):
        where = f"{self.path}:{number}"
        try:
            d = json.loads(line)
        except ValueError as e:
            raise Fail(f"{where}: not JSON ({getattr(e, 'msg', e)} at column "
                       f"{getattr(e, 'colno', '?')})")
        try:
            tokens = d["tokens"]
            vocab = Vocab(d)
            split = {"train": "train", "validation": "val"}[d["split"]]
        except (ValueError, KeyError, TypeError) as e:
            raise Fail(f"{where}: not a line of `cantus-train tokens --json` (bad or missing "
                       f"{e})")
        if self.vocab is None:
            self.vocab, self.corpus = vocab, d.get("corpus", {})
        elif vocab.as_dict() != self.vocab.as_dict():
            raise Fail(f"{where}: vocabulary {vocab.describe()} differs from the first "
                       f"line's {self.vocab.describe()}")
        if not isinstance(tokens, list) or not all(
                isinstance(t, int) and 0 <= t < vocab.size for t in tokens):
            raise Fail(f"{where}: tokens must be whole numbers 0..{vocab.size - 1}")
        positions = d.get("positions") if vocab.bar_steps > 0 else None
        if vocab.bar_steps > 0 and not (
                isinstance(positions, list) and len(positions) == len(tokens)
                and all(isinstance(q, int) for q in positions)):
            raise Fail(f"{where}: \"bar_steps\": {vocab.bar_steps} wants \"positions\", one "
                       f"whole number per token")
        self.seqs.append((split, int(d.get("transpose", 0)), tokens, positions,
                          d.get("file", number)))

    def split(self, which, originals_only=False):
        """(tokens, positions or None) of a split ('train', 'val' or 'all'),
        in file order."""
        return [(t, q) for s, tr, t, q, _ in self.seqs
                if (which == "all" or s == which) and not (originals_only and tr)]


# ---------------------------------------------------------------- the model

def make_model(vocab_size, hidden, layers, bar_steps=0):
    """bar_steps P > 0: a metre model, whose LSTM reads V + P inputs
    (model_input's one-hot token and position)."""
    import torch.nn as nn

    class CantusNet(nn.Module):
        """nn.LSTM + nn.Linear named as the Cantus model file's tensors."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(vocab_size + bar_steps, hidden, layers)
            self.fc = nn.Linear(hidden, vocab_size)

        def forward(self, onehot, state=None):
            out, state = self.lstm(onehot, state)
            return self.fc(out), state

    return CantusNet()


def tensor_order(layers):
    """The names in the order of cantus-train's flat parameter vector
    (lstm_train_tmpl.h: emb, then per layer w_ih, w_hh, b_ih, b_hh, then fc)."""
    names = []
    for k in range(layers):
        names += [f"lstm.weight_ih_l{k}", f"lstm.weight_hh_l{k}",
                  f"lstm.bias_ih_l{k}", f"lstm.bias_hh_l{k}"]
    return names + ["fc.weight", "fc.bias"]


def init_like_cantus_train(model, hidden, layers, seed):
    """Every weight U(-1/sqrt(H), 1/sqrt(H)) from PCG32 stream 1 of the seed,
    drawn in cantus-train's order. Its layer-0 input weights are held
    transposed ([V][4H]), so those are drawn row by row of the transpose."""
    import torch

    sd = model.state_dict()
    rng, bound = Pcg32(seed, 1), 1.0 / math.sqrt(hidden)
    with torch.no_grad():
        for name in tensor_order(layers):
            t = sd[name]
            shape = t.shape if name != "lstm.weight_ih_l0" else (t.shape[1], t.shape[0])
            u = torch.tensor(rng.uniforms(t.numel()), dtype=torch.float64)
            # bound * (2u - 1) in double, rounded once to float, as lstm_params_init.
            w = (bound * (2.0 * u - 1.0)).to(torch.float32).reshape(shape)
            t.copy_(w.t() if name == "lstm.weight_ih_l0" else w)


# ---------------------------------------------------------------- batches

class Sampler:
    """batch.c's window sampler: every window start of the training split
    equally likely, a draw of 64 bits modulo the number of windows."""

    def __init__(self, seqs, steps):
        """seqs: (tokens, positions or None) pairs, as TokenFile.split."""
        import torch

        self.steps, self.first = steps, [0]
        for s, _ in seqs:
            n = len(s)
            self.first.append(self.first[-1] + (0 if n < 2 else max(1, n - steps)))
        if self.first[-1] == 0:
            raise Fail("no training sequence has two tokens or more")
        # One flat tensor and offsets: a batch is one gather, not B copies.
        self.flat = torch.tensor([t for s, _ in seqs for t in s] + [0], dtype=torch.long)
        self.flat_positions = None
        if seqs[0][1] is not None:
            self.flat_positions = torch.tensor([p for _, q in seqs for p in q] + [-1],
                                               dtype=torch.long)
        lengths = [len(s) for s, _ in seqs]
        self.length = torch.tensor(lengths, dtype=torch.long)
        self.offset = torch.tensor([0] + lengths, dtype=torch.long).cumsum(0)[:-1]

    def draw(self, rng, batch):
        """[(sequence index, start)] for B windows."""
        total, out = self.first[-1], []
        for _ in range(batch):
            hi = rng.u32()
            w = ((hi << 32) | rng.u32()) % total
            i = bisect.bisect_right(self.first, w) - 1
            out.append((i, w - self.first[i]))
        return out

    def tensors(self, windows):
        """inputs [T][n], their positions in the bar [T][n] (None without
        metre) and targets [T][n] for the windows; past a sequence's end the
        input is 0, its position -1 (no position input) and the target -1
        (none), as batch.c pads."""
        import torch

        seq = torch.tensor([i for i, _ in windows], dtype=torch.long)
        start = torch.tensor([s for _, s in windows], dtype=torch.long)
        at = start[None, :] + torch.arange(self.steps + 1)[:, None]  # [T+1][n]
        inside = at < self.length[seq][None, :]
        pos = torch.where(inside, self.offset[seq][None, :] + at, torch.tensor(len(self.flat) - 1))
        tok = self.flat[pos]
        x = torch.where(inside[:-1], tok[:-1], torch.tensor(0))
        y = torch.where(inside[1:], tok[1:], torch.tensor(-1))
        q = None
        if self.flat_positions is not None:
            q = torch.where(inside[:-1], self.flat_positions[pos[:-1]], torch.tensor(-1))
        return x, q, y


def model_input(tokens, positions, vocab_size, bar_steps):
    """The LSTM's input: one_hot(token), and for a metre model (bar_steps P
    > 0) concat one_hot(position in the bar); a position outside [0, P) is
    all-zero position inputs, the core's rule (padding, a bar it cannot
    place)."""
    import torch
    import torch.nn.functional as F

    x = F.one_hot(tokens, vocab_size).float()
    if bar_steps <= 0:
        return x
    inside = (positions >= 0) & (positions < bar_steps)
    where = F.one_hot(positions.clamp(0, bar_steps - 1), bar_steps).float()
    return torch.cat([x, where * inside.unsqueeze(-1).float()], dim=-1)


# ---------------------------------------------------------------- evaluation

def evaluate(model, seqs, vocab, device, chunk=64, batch=64):
    """(summed NLL, tokens, correct) over whole sequences ((tokens,
    positions or None) pairs) from a zero state, token k predicting k+1,
    longest first in batches, the state carried over chunks: cantus-train's
    evaluate_sequences."""
    import torch
    import torch.nn.functional as F

    vocab_size, P = vocab.size, vocab.bar_steps
    order = sorted(range(len(seqs)), key=lambda i: (-len(seqs[i][0]), i))
    nll, count, correct = 0.0, 0, 0
    with torch.no_grad():
        for first in range(0, len(order), batch):
            group = [seqs[i] for i in order[first:first + batch]]
            longest, state = len(group[0][0]), None
            for pos in range(0, longest - 1, chunk):
                steps = min(chunk, longest - 1 - pos)
                x = torch.zeros(steps, len(group), dtype=torch.long)
                q = torch.full((steps, len(group)), -1, dtype=torch.long)
                y = torch.full((steps, len(group)), -1, dtype=torch.long)
                for b, (s, where) in enumerate(group):
                    part = s[pos:pos + steps + 1]
                    if len(part) > 1:
                        x[:len(part) - 1, b] = torch.tensor(part[:-1])
                        y[:len(part) - 1, b] = torch.tensor(part[1:])
                        if P > 0:
                            q[:len(part) - 1, b] = torch.tensor(where[pos:pos + len(part) - 1])
                x, q, y = x.to(device), q.to(device), y.to(device)
                logits, state = model(model_input(x, q, vocab_size, P), state)
                logits = logits.reshape(-1, vocab_size)
                y = y.reshape(-1)
                mask = y >= 0
                nll += F.cross_entropy(logits[mask].double(), y[mask], reduction="sum").item()
                count += int(mask.sum())
                correct += int((logits[mask].argmax(1) == y[mask]).sum())
    return nll, count, correct


# ---------------------------------------------------------------- ranks

def launch_ranks(args, argv):
    """Starts args.nproc copies of this command as the ranks torchrun would
    (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK) and waits: this
    node's share of nnodes x nproc ranks. One failing rank stops the others:
    the rest would wait for it forever."""
    addr, port = args.master_addr, args.master_port
    if args.nnodes == 1 and not port:
        with socket.socket() as s:  # a free port on this machine
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    procs = []
    for local in range(args.nproc):
        rank = args.node_rank * args.nproc + local
        env = dict(os.environ, MASTER_ADDR=addr, MASTER_PORT=str(port), RANK=str(rank),
                   WORLD_SIZE=str(args.nnodes * args.nproc), LOCAL_RANK=str(local),
                   LOCAL_WORLD_SIZE=str(args.nproc))
        env.setdefault("OMP_NUM_THREADS", "1")
        procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__)] + argv,
                                      env=env))
    status = 0
    while procs:
        for p in list(procs):
            rc = p.poll()
            if rc is None:
                continue
            procs.remove(p)
            if rc != 0 and status == 0:
                status = rc
                for q in procs:
                    q.terminate()
        time.sleep(0.05)
    return 1 if status else 0


def without_launch_flags(argv):
    """The command line minus the flags only the launcher reads."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in LAUNCH_FLAGS:
            skip = True
        elif a.split("=", 1)[0] not in LAUNCH_FLAGS:
            out.append(a)
    return out


LAUNCH_FLAGS = ("--nproc", "--nnodes", "--node-rank", "--master-addr", "--master-port")


class Ranks:
    """This process's place among the ranks; one rank without a launcher."""

    def __init__(self, device_choice):
        import torch

        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available()
        if device_choice == "auto":
            device_choice = "cuda" if cuda else "cpu"
        if device_choice == "cuda" and not cuda:
            raise Fail("--device cuda, but PyTorch sees no CUDA device")
        if device_choice == "cuda":
            torch.cuda.set_device(self.local % torch.cuda.device_count())
            self.device = torch.device("cuda", torch.cuda.current_device())
        else:
            self.device = torch.device("cpu")
        self.backend = "nccl" if device_choice == "cuda" else "gloo"
        if self.world > 1:
            import torch.distributed as dist

            dist.init_process_group(self.backend, init_method="env://")
        log(f"rank {self.rank} of {self.world} ({self.backend if self.world > 1 else 'single'}"
            f", {self.device})", every_rank=True, rank=self.rank)

    def sum(self, values):
        """Sums a few numbers over every rank (in double)."""
        import torch

        if self.world == 1:
            return values
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def close(self):
        if self.world > 1:
            import torch.distributed as dist

            dist.destroy_process_group()


def log(text, every_rank=False, rank=None):
    rank = int(os.environ.get("RANK", "0")) if rank is None else rank
    if every_rank or rank == 0:
        print(f"{PROG}: {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- train

PATH_OPTIONS = ("--tokens", "-o", "--output", "--resume", "--checkpoint", "--state-dict")


def without_paths(argv):
    """The command line as a model records it: each path cut to its last
    component, as cantus-train does (trainer/provenance.h)."""
    def name(path):
        return os.path.basename(path.rstrip("/")) or path
    out, after_path_option = [], False
    for word in argv:
        option, eq, value = word.partition("=")
        if after_path_option:
            word = name(word)
        elif eq and option in PATH_OPTIONS:
            word = option + "=" + name(value)
        after_path_option = word in PATH_OPTIONS
        out.append(word)
    return out


def metadata(vocab, tokens, args, progress, argv):
    """The keys cantus-train's save_model writes, with this trainer's own
    provenance; the corpus options come from the token file."""
    import torch

    c = tokens.corpus
    meta = {"cantus.format": "1"}
    meta.update({f"cantus.{k}": str(getattr(vocab, k)) for k in Vocab.KEYS})
    if vocab.bar_steps > 0:  # absent without, as cantus-train writes it
        meta["cantus.bar_steps"] = str(vocab.bar_steps)
    if args.genre:
        meta["cantus.genre"] = args.genre
    if args.label:
        meta["cantus.label"] = args.label
    if "folders" in c:
        meta["cantus.trained_on"] = json.dumps(c["folders"], separators=(",", ":"))
    meta["cantus.train_args"] = " ".join([PROG] + [shlex.quote(a) for a in without_paths(argv)])
    meta["cantus.trainer"] = f"cantus_torch.py (PyTorch {torch.__version__})"
    meta["cantus.tokens_file"] = os.path.basename(tokens.path)
    meta["cantus.steps"] = str(progress["best_step"])
    if math.isfinite(progress["best_val_nll"]):
        meta["cantus.val_nll"] = f"{progress['best_val_nll']:.6f}"
        meta["cantus.val_accuracy"] = f"{progress['best_val_acc']:.6f}"
    if math.isfinite(progress["best_train_acc"]):
        meta["cantus.train_accuracy"] = f"{progress['best_train_acc']:.6f}"
    if "val_fraction" in c:
        meta["cantus.val_fraction"] = "%.17g" % c["val_fraction"]  # as cantus-train prints it
    for key in ("split", "min_length", "transpose", "track", "channel"):
        if key in c:
            meta[f"cantus.{key}"] = str(c[key])
    # A file gives several sequences where bars it cannot place are cut out.
    originals = {f for s, tr, t, q, f in tokens.seqs if tr == 0}
    meta["cantus.corpus_files"] = str(len(originals))
    meta["cantus.tokens_train"] = str(sum(len(t) for t, _ in tokens.split("train")))
    meta["cantus.tokens_val"] = str(sum(len(t) for t, _ in tokens.split("val")))
    meta["cantus.seconds"] = f"{progress['seconds']:.1f}"
    meta["cantus.seed"] = str(args.seed)
    return meta


def checkpoint_state(model, optimizer, best, progress, rng, vocab, args):
    return {"format": "cantus-torch-checkpoint 1", "vocab": vocab.as_dict(),
            "hidden": args.hidden, "layers": args.layers,
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "best": best,
            "progress": progress, "rng": [rng.state, rng.inc]}


def save_checkpoint(path, state):
    import io

    import torch

    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write(path, [buf.getvalue()])


def load_checkpoint(path, vocab, args):
    import torch

    try:
        state = torch.load(path, map_location="cpu")
    except (OSError, RuntimeError, EOFError, ValueError) as e:
        raise Fail(f"cannot read checkpoint {path}: {e}")
    if not isinstance(state, dict) or state.get("format") != "cantus-torch-checkpoint 1":
        raise Fail(f"{path} is not a cantus_torch.py checkpoint")
    theirs = Vocab(state["vocab"])
    if theirs.as_dict() != vocab.as_dict():
        raise Fail(f"the token file's vocabulary ({vocab.describe()}) is not the checkpoint's "
                   f"({theirs.describe()}); make the tokens with the same options")
    if (state["hidden"], state["layers"]) != (args.hidden, args.layers):
        raise Fail(f"the checkpoint is H={state['hidden']} L={state['layers']}, not "
                   f"H={args.hidden} L={args.layers}")
    return state


def clip_like_cantus_train(params, max_norm):
    """The global L2 norm summed in double; above max_norm every gradient is
    scaled by max_norm / (norm + 1e-6) rounded to float: clip_grad_norm_'s
    rule, with cantus-train's summation."""
    import torch

    grads = [p.grad for p in params]
    norm = math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads))
    coef = max_norm / (norm + 1e-6)
    if max_norm > 0 and coef < 1:
        with torch.no_grad():
            for g in grads:
                g.mul_(torch.tensor(coef, dtype=torch.float32))
    return norm


def cmd_train(args, argv):
    import torch

    # Bad input is caught here, before any rank starts or anything is written.
    tokens = TokenFile(args.tokens)
    vocab = tokens.vocab
    state = load_checkpoint(args.resume, vocab, args) if args.resume else None
    train, val = tokens.split("train"), tokens.split("val")
    if not train:
        raise Fail(f"{args.tokens} has no training sequence (every file is in the "
                   f"validation split)")
    sampler = Sampler(train, args.seq)
    if (args.nproc > 1 or args.nnodes > 1) and "WORLD_SIZE" not in os.environ:
        # The ranks record the command as given, --nproc included.
        return launch_ranks(args, without_launch_flags(argv)
                            + ["--recorded-args", json.dumps(argv)])
    if args.recorded_args:
        argv = json.loads(args.recorded_args)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    ckpt_path = args.checkpoint or args.output + ".ckpt"
    ranks = Ranks(args.device)
    try:
        return train_ranks(args, argv, tokens, vocab, val, sampler, ranks, ckpt_path, state)
    finally:
        ranks.close()


def train_ranks(args, argv, tokens, vocab, val, sampler, ranks, ckpt_path, state):
    run = Training(args, argv, tokens, vocab, val, sampler, ranks, ckpt_path, state)
    evaluated_last = False
    while run.progress["step"] < args.steps:
        run.step()
        evaluated_last = False
        if run.progress["step"] % args.val_every == 0 or run.progress["step"] == args.steps:
            evaluated_last = True
            run.validate_and_keep()
            if val and args.patience > 0 and run.progress["evals_since_best"] >= args.patience:
                log(f"stopping early: no improvement in {args.patience} validations")
                break
    if not evaluated_last:
        run.validate_and_keep()  # resumed at or past the end
    run.save_model()  # once more, with the final time
    p = run.progress
    if math.isfinite(p["best_val_nll"]):
        log(f"wrote {args.output} (step {p['best_step']} of {p['step']}; validation NLL "
            f"{p['best_val_nll']:.4f}; {p['seconds']:.0f} s)")
    else:
        log(f"wrote {args.output} (step {p['best_step']}; no validation split)")
    return 0


class Training:
    """One rank's run: cantus-train's train_loop.c in PyTorch."""

    def __init__(self, args, argv, tokens, vocab, val, sampler, ranks, ckpt_path, state):
        import torch

        self.args, self.argv, self.tokens, self.vocab = args, argv, tokens, vocab
        self.val, self.sampler, self.ranks, self.ckpt_path = val, sampler, ranks, ckpt_path
        self.model = make_model(vocab.size, args.hidden, args.layers, vocab.bar_steps)
        init_like_cantus_train(self.model, args.hidden, args.layers, args.seed)
        self.model.to(ranks.device)
        # foreach=False: the single-tensor Adam whose formula cantus-train copies.
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=args.lr,
                                          betas=(0.9, 0.999), eps=1e-8, foreach=False)
        self.rng = Pcg32(args.seed, 2)
        self.progress = {"step": 0, "best_val_nll": math.inf, "best_val_acc": math.nan,
                         "best_train_acc": math.nan, "best_step": 0, "evals_since_best": 0,
                         "seconds": 0.0}
        self.best = self.weights()
        if state:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.best, self.progress = state["best"], state["progress"]
            self.rng.state, self.rng.inc = state["rng"]
            log(f"resuming at step {self.progress['step']} (best validation NLL "
                f"{self.progress['best_val_nll']:.4f} at step {self.progress['best_step']})")
        self.net = self.model
        if ranks.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            cuda = ranks.device.type == "cuda"
            self.net = DDP(self.model, device_ids=[ranks.device.index] if cuda else None)
        B, T = args.batch, args.seq
        # This rank's slice of the global batch.
        self.lo, self.hi = ranks.rank * B // ranks.world, (ranks.rank + 1) * B // ranks.world
        log(f"V={vocab.size} ({vocab.describe()}), H={args.hidden} L={args.layers}, "
            f"{len(sampler.first) - 1} training and {len(val)} validation sequences, batch "
            f"{B} x {T} over {ranks.world} rank(s)")
        self.window = [0.0, 0, 0]  # NLL, tokens, correct since the last validation
        self.last_train_acc = math.nan
        self.started = time.monotonic() - self.progress["seconds"]
        # Tokens per second as cantus-train's progress line counts them: the
        # global batch's T*B per step of this run, validation included.
        self.run_start, self.first_step = time.monotonic(), self.progress["step"]

    def weights(self):
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}

    def step(self):
        import torch.nn.functional as F

        V, P, dev = self.vocab.size, self.vocab.bar_steps, self.ranks.device
        x, q, y = self.sampler.tensors(self.sampler.draw(self.rng, self.args.batch))
        counted = int((y >= 0).sum())  # of the global batch: every rank knows it
        x, y = x[:, self.lo:self.hi].to(dev), y[:, self.lo:self.hi].to(dev)
        q = q[:, self.lo:self.hi].to(dev) if q is not None else None
        logits, _ = self.net(model_input(x, q, V, P))
        logits, y = logits.reshape(-1, V), y.reshape(-1)
        nll = F.cross_entropy(logits, y, ignore_index=-1, reduction="sum")
        # DDP averages gradients over ranks; scaled so, the average is the
        # gradient of the global batch's mean loss, as on one process.
        loss = nll * (self.ranks.world / max(counted, 1))
        self.optimizer.zero_grad(set_to_none=False)
        loss.backward()
        clip_like_cantus_train(list(self.model.parameters()), self.args.clip)
        self.optimizer.step()
        self.progress["step"] += 1
        mask = y >= 0
        self.window[0] += float(nll)
        self.window[1] += int(mask.sum())
        self.window[2] += int((logits.detach()[mask].argmax(1) == y[mask]).sum())
        self.progress["seconds"] = time.monotonic() - self.started

    def validate_and_keep(self):
        """Validation sharded over the ranks and summed; a new best is kept
        and written at once; rank 0 writes a checkpoint either way."""
        ranks, p = self.ranks, self.progress
        nll_w, n_w, c_w = ranks.sum(self.window)
        if n_w:
            self.last_train_acc = c_w / n_w
        self.window = [0.0, 0, 0]
        mine = [self.val[i] for i in range(ranks.rank, len(self.val), ranks.world)]
        self.model.eval()
        nll, count, correct = ranks.sum(list(evaluate(self.model, mine, self.vocab,
                                                      ranks.device)))
        self.model.train()
        val_nll = nll / count if count else math.nan
        improved = count == 0 or val_nll < p["best_val_nll"]
        rate = ((p["step"] - self.first_step) * self.args.batch * self.args.seq
                / max(time.monotonic() - self.run_start, 1e-9))
        log(f"step {p['step']}: train NLL {nll_w / max(n_w, 1):.4f} acc "
            f"{100 * c_w / max(n_w, 1):.1f}% | validation NLL {val_nll:.4f} acc "
            f"{100 * correct / max(count, 1):.1f}%{' (best)' if improved else ''} | "
            f"{rate:.0f} tok/s")
        if improved:
            self.best = self.weights()
            p.update(best_val_nll=val_nll if count else math.inf,
                     best_val_acc=correct / count if count else math.nan,
                     best_train_acc=self.last_train_acc, best_step=p["step"],
                     evals_since_best=0)
            self.save_model()
        else:
            p["evals_since_best"] += 1
        if ranks.rank == 0:
            save_checkpoint(self.ckpt_path, checkpoint_state(
                self.model, self.optimizer, self.best, p, self.rng, self.vocab, self.args))

    def save_model(self):
        if self.ranks.rank == 0:
            write_safetensors(self.args.output,
                              [(n, self.best[n]) for n in tensor_order(self.args.layers)],
                              metadata(self.vocab, self.tokens, self.args, self.progress,
                                       self.argv))


# ---------------------------------------------------------------- eval

def load_model(path):
    tensors, meta = read_safetensors(path)
    for key in ("cantus.format", "cantus.note_low", "cantus.note_high", "cantus.rest_token",
                "cantus.hold_token", "cantus.steps_per_beat"):
        if key not in meta:
            raise Fail(f"{path} is not a Cantus model (no metadata key {key})")
    try:
        vocab = Vocab(dict({k: meta[f"cantus.{k}"] for k in Vocab.KEYS},
                           bar_steps=meta.get("cantus.bar_steps", "0")))
    except ValueError as e:
        raise Fail(f"{path}: a metadata value is not a whole number ({e})")
    layers = sum(1 for n in tensors if n.startswith("lstm.weight_hh_l"))
    if "fc.weight" not in tensors or "lstm.weight_ih_l0" not in tensors or layers == 0:
        raise Fail(f"{path} has no lstm.weight_ih_l0, lstm.weight_hh_l0 or fc.weight")
    V, hidden = tensors["fc.weight"].shape
    if V != vocab.size:
        raise Fail(f"{path}: fc.weight has {V} rows but the metadata says V={vocab.size}")
    inputs = tensors["lstm.weight_ih_l0"].shape[1]
    if inputs != V + vocab.bar_steps:
        raise Fail(f"{path}: lstm.weight_ih_l0 takes {inputs} inputs but the metadata says "
                   f"V + P = {V} + {vocab.bar_steps}")
    model = make_model(V, hidden, layers, vocab.bar_steps)
    try:
        model.load_state_dict(tensors)
    except RuntimeError as e:
        raise Fail(f"{path} is not an nn.LSTM + nn.Linear model: {str(e).splitlines()[0]}")
    return model, vocab


def cmd_eval(args):
    model, vocab = load_model(args.model)
    tokens = TokenFile(args.tokens)
    if tokens.vocab.as_dict() != vocab.as_dict():
        raise Fail(f"the token file's vocabulary ({tokens.vocab.describe()}) is not the "
                   f"model's ({vocab.describe()})")
    # As cantus-train eval: the chosen split, never a transposed copy.
    seqs = [s for s in tokens.split(args.split, originals_only=True) if len(s[0]) >= 2]
    if not seqs:
        raise Fail(f"no sequence of {args.tokens} falls in the {args.split} split")
    model.eval()
    nll, count, correct = evaluate(model, seqs, vocab, "cpu")
    mean = nll / count
    print(json.dumps({"tokens": count, "files": len(seqs),
                      "model": {"nll": mean, "perplexity": math.exp(mean),
                                "accuracy": correct / count}}))
    return 0


# ---------------------------------------------------------------- import

def cmd_import(args):
    import torch

    try:
        sd = torch.load(args.state_dict, map_location="cpu")
    except (OSError, RuntimeError, EOFError, ValueError) as e:
        raise Fail(f"cannot read {args.state_dict}: {e}")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        raise Fail(f"{args.state_dict} holds no state_dict")
    # A DistributedDataParallel model saves its names under "module.".
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}
    layers = sum(1 for k in sd if k.startswith("lstm.weight_hh_l"))
    names = tensor_order(layers)
    unknown = sorted(set(sd) - set(names))
    missing = [n for n in names if n not in sd]
    if layers == 0 or missing or unknown:
        raise Fail(f"{args.state_dict} is not nn.LSTM 'lstm' + nn.Linear 'fc' "
                   f"(missing {missing or 'nothing'}, unexpected {unknown or 'nothing'})")
    V, P = sd["fc.weight"].shape[0], args.bar_steps
    if not 0 <= P <= MAX_BAR_STEPS:
        raise Fail(f"--bar-steps {P}: wants a whole number in 0..{MAX_BAR_STEPS}")
    inputs = sd["lstm.weight_ih_l0"].shape[1]
    if inputs != V + P:
        told = f"V + P = {V} + {P} (--bar-steps {P})" if P else f"V = {V} (no --bar-steps)"
        raise Fail(f"{args.state_dict}: lstm.weight_ih_l0 takes {inputs} inputs, not {told}")
    specials = (args.rest_token >= 0) + (args.hold_token >= 0)
    note_high = args.note_low + V - specials - 1
    if not 0 <= args.note_low <= note_high <= 127:
        raise Fail(f"V={V} tokens from MIDI {args.note_low} do not fit in MIDI 0..127")
    tensors = [(n, sd[n].detach().float()) for n in names]
    for n, t in tensors:
        if not torch.isfinite(t).all():
            raise Fail(f"{args.state_dict}: tensor {n} is not finite everywhere")
    meta = {"cantus.format": "1", "cantus.note_low": str(args.note_low),
            "cantus.note_high": str(note_high), "cantus.rest_token": str(args.rest_token),
            "cantus.hold_token": str(args.hold_token),
            "cantus.steps_per_beat": str(args.steps_per_beat),
            **({"cantus.bar_steps": str(P)} if P > 0 else {}),
            "cantus.imported_from": os.path.basename(args.state_dict),
            "cantus.trainer": f"imported by cantus_torch.py (PyTorch {torch.__version__})"}
    if args.label:
        meta["cantus.label"] = args.label
    if args.genre:
        meta["cantus.genre"] = args.genre
    write_safetensors(args.output, tensors, meta)
    log(f"wrote {args.output}: V={V} (MIDI {args.note_low}..{note_high}), "
        f"H={sd['lstm.weight_hh_l0'].shape[1]} L={layers}"
        + (f", P={P} positions in the bar" if P else ""))
    return 0


# ---------------------------------------------------------------- command line

def parser():
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model on a token file (one or many ranks)")
    t.add_argument("--tokens", required=True, help="cantus-train tokens --json output")
    t.add_argument("-o", "--output", required=True, help="the model file")
    t.add_argument("--hidden", type=int, default=128, help='hidden units per layer (128)')
    t.add_argument("--layers", type=int, default=1, help='LSTM layers (1)')
    t.add_argument("--steps", type=int, default=5000, help='training steps, one batch each; a resumed run counts those done (5000)')
    t.add_argument("--batch", type=int, default=256,
                   help="snippets per step, the global batch cut among the ranks (256)")
    t.add_argument("--seq", type=int, default=64, help='steps per snippet, backpropagated in full (64)')
    t.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (0.001; betas 0.9/0.999, eps 1e-8)")
    t.add_argument("--clip", type=float, default=1.0,
                   help="clip gradients to this global L2 norm; 0: off (1.0)")
    t.add_argument("--seed", type=int, default=1, help='initial weights and batch sampling, as cantus-train (1)')
    t.add_argument("--val-every", "--eval-every", type=int, default=100, dest="val_every",
                   help="validate every K steps (100)")
    t.add_argument("--patience", type=int, default=10,
                   help="stop after N validations without improvement; 0: never (10)")
    t.add_argument("--resume", metavar="CKPT", help="continue from this checkpoint")
    t.add_argument("--checkpoint", metavar="CKPT", help="where to write (OUTPUT.ckpt)")
    t.add_argument("--nproc", type=int, default=1, help="start N ranks on this machine")
    t.add_argument("--nnodes", type=int, default=1, help="machines taking part (with --nproc)")
    t.add_argument("--node-rank", type=int, default=0, help="this machine's index, 0..nnodes-1")
    t.add_argument("--master-addr", default="127.0.0.1", help="node 0's address")
    t.add_argument("--master-port", type=int, default=0, help="a free port on node 0")
    t.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="auto: CUDA (NCCL) when present, else CPU (gloo)")
    t.add_argument("--threads", type=int, default=0, help="CPU threads per rank (PyTorch's)")
    t.add_argument("--genre", help='cantus.genre, e.g. folk')
    t.add_argument("--label", help='cantus.label, e.g. "Folk (Nottingham)"')
    t.add_argument("--recorded-args", help=argparse.SUPPRESS)
    e = sub.add_parser("eval", help="NLL of a model on a token file, as cantus-train eval")
    e.add_argument("--model", required=True)
    e.add_argument("--tokens", required=True)
    e.add_argument("--split", choices=["val", "train", "all"], default="val")
    i = sub.add_parser("import", help="a notebook's nn.LSTM + nn.Linear state_dict")
    i.add_argument("--state-dict", required=True, help="a torch.save(model.state_dict())")
    i.add_argument("--note-low", type=int, required=True, help="MIDI pitch of token 0")
    i.add_argument("--rest-token", type=int, default=-1)
    i.add_argument("--hold-token", type=int, default=-1)
    i.add_argument("--steps-per-beat", type=int, default=1)
    i.add_argument("--bar-steps", type=int, default=0, metavar="P",
                   help="a metre model: lstm.weight_ih_l0 takes V + P inputs, the last P "
                        "one-hot positions in the bar (0: none)")
    i.add_argument("--genre")
    i.add_argument("--label")
    i.add_argument("-o", "--output", required=True)
    return p


def check_train_args(a):
    bad = [f"--{k} must be at least {lo}" for k, lo in
           (("hidden", 1), ("layers", 1), ("steps", 0), ("batch", 1), ("seq", 1),
            ("val_every", 1), ("patience", 0), ("nproc", 1))
           if getattr(a, k) < lo]
    if a.batch < a.nproc * a.nnodes or a.batch < int(os.environ.get("WORLD_SIZE", "1")):
        bad.append("--batch must be at least the number of ranks")
    if a.nnodes > 1 and not (0 <= a.node_rank < a.nnodes and a.master_port > 0):
        bad.append("several nodes need --node-rank 0..nnodes-1 and node 0's --master-addr "
                   "and --master-port")
    if not (a.lr > 0 and a.clip >= 0):
        bad.append("--lr must be positive and --clip not negative")
    if bad:
        raise Fail(bad[0].replace("_", "-"))


def main(argv):
    args = parser().parse_args(argv)
    try:
        if args.command == "train":
            check_train_args(args)
            return cmd_train(args, argv)
        if args.command == "eval":
            return cmd_eval(args)
        return cmd_import(args)
    except Fail as e:
        log(str(e), every_rank=False)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
