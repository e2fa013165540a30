#!/usr/bin/env python3
"""Quality tables of the shipped genre presets, from the built cantus-train.

usage: presets/quality.py BUILD_DIR [--models DIR] [--corpus-root DIR] [--seeds N] [--write-readme]
                          [--ablation WITH WITHOUT ...] [--ablation-only]

For every <genre>.safetensors of --models (default presets/), each at its own step grid
(cantus.steps_per_beat) and metre input (cantus.bar_steps): eval takes both from the model,
and every `tokens` reading here passes them on.
  (a) `cantus-train eval --json` on the model's validation split, beside the
      Kneser-Ney n-grams (n = 1..4) fit twice on its training split: as the
      model saw it (transposed copies included) and untransposed. The best of
      those eight rows is the baseline, so augmentation cannot flatter the model.
  (b) genre fidelity: 512 steps generated at T = 1 from fixed seeds, read back
      with `cantus-train tokens --json`; Jensen-Shannon divergence (base 2) of
      melodic intervals and of pitch classes against every genre corpus.
  (c) no copying: the longest run of generated tokens found verbatim in the
      preset's training split, transposed copies included.
  (d) with --ablation WITH WITHOUT (repeatable): the validation NLL of a model with the metre
      input and of the same network at the same grid without it, and the relative change.
Stdlib only, so it runs wherever the trainer builds. Markdown goes to stdout and,
with --write-readme, between the quality markers of presets/README.md.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

PRESETS_DIR = os.path.dirname(os.path.abspath(__file__))


def default_corpus_root():
    """shared/corpus beside the repository, or beside the folder of worktrees it sits in."""
    for up in ("..", os.path.join("..", "..")):
        root = os.path.normpath(os.path.join(PRESETS_DIR, "..", up, "shared", "corpus"))
        if os.path.isdir(root):
            return root
    return os.path.normpath(os.path.join(PRESETS_DIR, "..", "..", "shared", "corpus"))


GENRES = ["folk", "baroque", "jazz", "game"]
STEPS = 512
INTERVAL_CLIP = 12
REST, HOLD, SEPARATOR = 200, 201, 255  # byte codes for the copy search


def model_metadata(path):
    """The safetensors header's __metadata__ (a JSON header after its 8-byte length)."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(size)).get("__metadata__", {})


def model_shape(path):
    """H x L from the tensor shapes (weight_hh_l<k> is [4H, H])."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    layers = [k for k in header if k.startswith("lstm.weight_hh_l") or k.startswith("weight_hh_l")]
    hidden = header[layers[0]]["shape"][1] if layers else "?"
    return f"{hidden} x {len(layers)}"


def run_json_lines(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def steps_per_beat(meta):
    return int(meta.get("cantus.steps_per_beat", "1"))


def bar_steps(meta):
    return int(meta.get("cantus.bar_steps", "0"))


def melody_args(meta):
    """The tokenisation options a model was trained with, for `cantus-train tokens`: its
    melody, its step grid and, for a metre model, its bars (bars longer than P are cut out of
    what it saw, so the sequences here are the ones it learned from)."""
    args = ["--steps-per-beat", str(steps_per_beat(meta))]
    if bar_steps(meta) > 0:
        args += ["--bar-steps", str(bar_steps(meta))]
    if int(meta.get("cantus.track", "-1")) >= 0:
        args += ["--track", meta["cantus.track"]]
    if int(meta.get("cantus.channel", "0")) > 0:
        args += ["--channel", meta["cantus.channel"]]
    return args


def to_symbols(record):
    """A tokens --json record as MIDI pitches, REST and HOLD."""
    low, rest, hold = record["note_low"], record["rest_token"], record["hold_token"]
    return [REST if t == rest else HOLD if t == hold else low + t for t in record["tokens"]]


def intervals(symbols):
    """Semitones between consecutive sounding notes (rests and holds between them skipped)."""
    pitches = [s for s in symbols if s < 128]
    return [b - a for a, b in zip(pitches, pitches[1:])]


def distribution(values, bins):
    counts = dict.fromkeys(bins, 0)
    for v in values:
        counts[v] += 1
    total = sum(counts.values()) or 1
    return [counts[b] / total for b in bins]


INTERVAL_BINS = list(range(-INTERVAL_CLIP, INTERVAL_CLIP + 1)) + ["other"]


def interval_distribution(sequences):
    values = []
    for s in sequences:
        values += [d if abs(d) <= INTERVAL_CLIP else "other" for d in intervals(s)]
    return distribution(values, INTERVAL_BINS)


def pitch_class_distribution(sequences):
    return distribution([p % 12 for s in sequences for p in s if p < 128], range(12))


# Krumhansl-Kessler key profiles, for the key-normalised pitch classes.
MAJOR_PROFILE = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
MINOR_PROFILE = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]


def correlation(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den else 0.0


def key_signature_tonic(pitches):
    """The pitch class of the major key sharing the estimated key's signature (Krumhansl-Schmuckler)."""
    hist = [0] * 12
    for p in pitches:
        hist[p % 12] += 1
    best = (-2.0, 0)
    for tonic in range(12):
        rotated = [hist[(tonic + k) % 12] for k in range(12)]
        best = max(best, (correlation(rotated, MAJOR_PROFILE), tonic),
                   (correlation(rotated, MINOR_PROFILE), (tonic + 3) % 12))
    return best[1]


def degree_distribution(sequences):
    """Pitch classes relative to each sequence's key signature, so a piece in any key compares."""
    values = []
    for s in sequences:
        pitches = [p for p in s if p < 128]
        tonic = key_signature_tonic(pitches)
        values += [(p - tonic) % 12 for p in pitches]
    return distribution(values, range(12))


def jsd(p, q):
    """Jensen-Shannon divergence in bits: 0 for equal distributions, 1 for disjoint ones."""

    def kl(a, m):
        return sum(x * math.log2(x / y) for x, y in zip(a, m) if x > 0)

    m = [(x + y) / 2 for x, y in zip(p, q)]
    return (kl(p, m) + kl(q, m)) / 2


def fold(pitch, low, high):
    """The trainer's octave folding of a transposed pitch (trainer/midi/corpus.c)."""
    while pitch < low and pitch + 12 <= 127:
        pitch += 12
    while pitch > high and pitch - 12 >= 0:
        pitch -= 12
    return low if pitch < low else high if pitch > high else pitch


def training_bytes(train, meta):
    """The training split as the model saw it: every transposed copy, folded into its range."""
    lo, hi = (int(x) for x in meta.get("cantus.transpose", "0..0").split(".."))
    low, high = int(meta["cantus.note_low"]), int(meta["cantus.note_high"])
    parts = []
    for shift in range(lo, hi + 1):
        for s in train:
            parts.append(bytes(x if x >= 128 else fold(x + shift, low, high) for x in s))
    return bytes([SEPARATOR]).join(parts)


def verbatim_runs(generated, haystack):
    """The longest stretch of `generated` found verbatim in `haystack` (both bytes), in tokens,
    and the most notes (onsets) any verbatim stretch holds: a run of rests matches trivially."""
    longest = notes = 0
    length = 0  # longest match starting at `start`; it shrinks by at most one per start
    for start in range(len(generated)):
        length = max(length - 1, 0)
        while start + length < len(generated) and generated[start : start + length + 1] in haystack:
            length += 1
        longest = max(longest, length)
        notes = max(notes, sum(1 for x in generated[start : start + length] if x < 128))
    return longest, notes


class Cantus:
    def __init__(self, build_dir):
        self.train = os.path.join(build_dir, "trainer", "cantus-train")
        if not os.access(self.train, os.X_OK):
            sys.exit(f"quality.py: no {self.train}; build it with ninja -C {build_dir} trainer/cantus-train")

    def eval(self, model, corpus, ngram_corpus=None):
        cmd = [self.train, "eval", "--model", model, "--json", "--corpus"] + corpus
        if ngram_corpus:
            cmd += ["--ngram-corpus"] + ngram_corpus
        return run_json_lines(cmd)[0]

    def tokens(self, folders, extra):
        cmd = [self.train, "tokens", "--json", "--corpus"] + folders + extra
        return run_json_lines(cmd)

    def generate(self, model, seed, out, steps=1):
        """STEPS tokens at the model's own steps a beat (generate plays at that rate)."""
        beats = -(-STEPS // steps)
        cmd = [self.train, "generate", "--model", model, "--beats", str(beats), "--seed", str(seed),
               "--temperature", "1", "-o", out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fmt(x, digits=3):
    return f"{x:.{digits}f}"


def trained_on(meta, corpus_root):
    """The model's corpus folders: it records them by name, found under the corpus root."""
    return [os.path.join(corpus_root, name) for name in json.loads(meta["cantus.trained_on"])]


def table_head(out, columns, align):
    """A Markdown table's first two lines: the column names, then each column
    left ("l") or right ("r") aligned."""
    out.append("| " + " | ".join(columns) + " |")
    out.append("|" + "".join("---|" if a == "l" else "---:|" for a in align))


def evaluation_rows(cantus, name, model, meta, corpus_root):
    folders = trained_on(meta, corpus_root)
    as_seen = cantus.eval(model, folders)
    plain = cantus.eval(model, folders, ngram_corpus=folders)
    rows = []
    for fit, result in (("as trained", as_seen), ("untransposed", plain)):
        for order, row in result["ngram"].items():
            rows.append((row["nll"], row["accuracy"], f"{order}-gram, {fit}"))
    best = min(rows)
    model_row = as_seen["model"]
    gain = 100 * (best[0] - model_row["nll"]) / best[0]
    return {"name": name, "tokens": as_seen["tokens"], "files": as_seen["files"],
            "nll": model_row["nll"], "accuracy": model_row["accuracy"], "best": best,
            "gain": gain, "rows": rows}


def ablation_table(cantus, pairs, corpus_root):
    """Validation NLL of each model with the metre input beside the same network without it."""
    out = ["### The metre input: the same network with and without it\n",
           "Validation NLL in nats per token (`cantus-train eval`, positions from the files' time "
           "signatures for the model with the metre input); change: (with - without) / without, "
           "negative when the metre helps.\n"]
    table_head(out, ["genre", "steps a beat", "bar steps", "NLL with", "NLL without", "change", "lowers by >= 3 %"],
               "lrrrrrl")
    for with_path, without_path in pairs:
        with_meta, without_meta = model_metadata(with_path), model_metadata(without_path)
        if steps_per_beat(with_meta) != steps_per_beat(without_meta):
            sys.exit(f"quality.py: {with_path} and {without_path} are not at the same step grid")
        if bar_steps(with_meta) == 0 or bar_steps(without_meta) != 0:
            print(f"quality.py: warning: {with_path} should have the metre input and {without_path} not",
                  file=sys.stderr)
        nll = []
        for path, meta in ((with_path, with_meta), (without_path, without_meta)):
            print(f"quality.py: evaluating {os.path.basename(path)}", file=sys.stderr)
            nll.append(cantus.eval(path, trained_on(meta, corpus_root))["model"]["nll"])
        change = (nll[0] - nll[1]) / nll[1]
        genre = with_meta.get("cantus.genre", os.path.basename(with_path))
        out.append(f"| {genre} | {steps_per_beat(with_meta)} | {bar_steps(with_meta)} | {fmt(nll[0])} "
                   f"| {fmt(nll[1])} | {100 * change:+.1f} % | {'yes' if change <= -0.03 else '**no**'} |")
    out.append("")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir")
    parser.add_argument("--models", default=PRESETS_DIR, help="the folder of <genre>.safetensors (presets/)")
    parser.add_argument("--ablation", nargs=2, action="append", default=[], metavar=("WITH", "WITHOUT"),
                        help="a model with the metre input and the same network without it")
    parser.add_argument("--ablation-only", action="store_true", help="print the ablation table alone")
    parser.add_argument("--corpus-root", default=default_corpus_root())
    parser.add_argument("--seeds", type=int, default=16, help="generated pieces per preset (seeds 1..N)")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    cantus = Cantus(args.build_dir)
    corpus_root = os.path.abspath(args.corpus_root)
    if args.ablation_only:
        if not args.ablation:
            sys.exit("quality.py: --ablation-only needs --ablation WITH WITHOUT")
        print("\n".join(ablation_table(cantus, args.ablation, corpus_root)))
        return
    models_dir = os.path.abspath(args.models)
    presets = [g for g in GENRES if os.path.exists(os.path.join(models_dir, g + ".safetensors"))]
    if not presets:
        sys.exit(f"quality.py: no <genre>.safetensors in {models_dir}")
    metas = {g: model_metadata(os.path.join(models_dir, g + ".safetensors")) for g in presets}
    out = []

    # What each preset is: its training run, as its own metadata records it
    out.append("### The presets and their training runs\n")
    out.append("From each model file's metadata. Training notes count the transposed copies; the time is the "
               "trainer's own clock (`cantus.seconds`) when it wrote the kept (best) model, on the 2-core machine "
               "the presets were made on, shared with other jobs.\n")
    table_head(out, ["preset", "label", "H x L", "steps a beat", "bar steps", "files (train + val)",
                     "training notes", "validation notes", "best step", "time to it", "file size"], "lllrrrrrrrr")
    for g in presets:
        m = metas[g]
        path = os.path.join(models_dir, g + ".safetensors")
        shape = model_shape(path)
        out.append(f"| {g} | {m.get('cantus.label', '')} | {shape} | {steps_per_beat(m)} | {bar_steps(m) or '—'} "
                   f"| {m['cantus.corpus_files']} "
                   f"| {int(m['cantus.tokens_train']):,} | {int(m['cantus.tokens_val']):,} | {m['cantus.steps']} "
                   f"| {float(m['cantus.seconds']):.0f} s | {os.path.getsize(path) / 1e6:.2f} MB |")
    total = sum(os.path.getsize(os.path.join(models_dir, g + ".safetensors")) for g in presets)
    out.append(f"\nAll preset models together: {total / 1e6:.2f} MB. The commands, as recorded in `cantus.train_args`:\n")
    out.append("```sh")
    for g in presets:
        out.append(metas[g]["cantus.train_args"])
    out.append("```\n")

    # (a) the model against the n-grams on its validation split
    evals = []
    for g in presets:
        print(f"quality.py: evaluating {g}", file=sys.stderr)
        evals.append(evaluation_rows(cantus, g, os.path.join(models_dir, g + ".safetensors"), metas[g],
                                     corpus_root))
    out.append("### Validation split: model against the best n-gram\n")
    out.append("NLL in nats per note (token), lower is better; accuracy: the likeliest token was the one that came. "
               "The baseline is the best of eight interpolated modified Kneser-Ney n-grams (n = 1..4, fit on the "
               "preset's training split as the model saw it, transposed copies included, and untransposed).\n")
    table_head(out, ["preset", "val files", "val notes", "model NLL", "model acc.", "best n-gram", "its NLL",
                     "its acc.", "NLL gain"], "lrrrrlrrr")
    for e in evals:
        nll, acc, which = e["best"]
        out.append(f"| {e['name']} | {e['files']} | {e['tokens']} | {fmt(e['nll'])} | {100 * e['accuracy']:.1f} % "
                   f"| {which} | {fmt(nll)} | {100 * acc:.1f} % | **{e['gain']:.1f} %** |")
    out.append("")
    out.append("Every n-gram row (NLL / accuracy):\n")
    header = [r[2] for r in evals[0]["rows"]]
    table_head(out, ["preset"] + header, "l" + "r" * len(header))
    for e in evals:
        out.append(f"| {e['name']} | " + " | ".join(f"{fmt(n)} / {100 * a:.1f} %" for n, a, _ in e["rows"]) + " |")
    out.append("")

    # (b) genre fidelity: the corpora, tokenised as the preset of that genre was
    genre_seqs = {}
    for g in GENRES:
        folder = os.path.join(corpus_root, g)
        extra = melody_args(metas[g]) if g in metas else []
        genre_seqs[g] = [to_symbols(r) for r in cantus.tokens([folder], extra + ["--min-length", "2"])]
    generated = {}
    with tempfile.TemporaryDirectory(prefix="cantus-quality-") as tmp:
        for g in presets:
            folder = os.path.join(tmp, g)
            os.mkdir(folder)
            for seed in range(1, args.seeds + 1):
                cantus.generate(os.path.join(models_dir, g + ".safetensors"), seed,
                                os.path.join(folder, f"seed{seed}.mid"), steps_per_beat(metas[g]))
            records = cantus.tokens([folder], ["--low", "0", "--high", "127", "--min-length", "1",
                                               "--steps-per-beat", str(steps_per_beat(metas[g]))])
            generated[g] = [to_symbols(r) for r in sorted(records, key=lambda r: r["file"])]
    for title, dist in (("melodic intervals", interval_distribution), ("pitch classes", pitch_class_distribution),
                        ("pitch classes relative to the key signature", degree_distribution)):
        out.append(f"### Genre fidelity: {title}\n")
        if dist is degree_distribution:
            out.append("Each piece and each corpus file is first rotated so that the major key sharing its "
                       "estimated key signature (Krumhansl-Schmuckler) is C: this compares the scale content "
                       "whatever key a piece was generated in.\n")
        out.append(f"Jensen-Shannon divergence (bits; 0 = the same distribution) between {args.seeds} x {STEPS} "
                   f"generated steps (T = 1, seeds 1-{args.seeds}) and each genre's whole corpus folder. "
                   "Bold: the nearest genre in the row.\n")
        table_head(out, ["preset \\ corpus"] + list(GENRES) + ["nearest"], "l" + "r" * len(GENRES) + "l")
        refs = {g: dist(genre_seqs[g]) for g in GENRES}
        for g in presets:
            mine = dist(generated[g])
            values = {c: jsd(mine, refs[c]) for c in GENRES}
            nearest = min(values, key=values.get)
            cells = [f"**{fmt(values[c])}**" if c == nearest else fmt(values[c]) for c in GENRES]
            verdict = "own genre" if nearest == g else f"{nearest} (not its own)"
            out.append(f"| {g} | " + " | ".join(cells) + f" | {verdict} |")
        out.append("")

    # (c) no copying
    out.append("### No copying\n")
    out.append("Per generated piece: the longest run of its tokens (pitches, rests and holds; one per step of the model's grid) "
               "found verbatim in the preset's training split, transposed copies included, and the most notes "
               "any verbatim run holds (a stretch of rests or holds matches trivially); median and maximum over "
               "the seeds. For scale: the "
               f"notes of the longest verbatim run in the first {STEPS} tokens of each validation file (real "
               "music the model never saw, against the same training data). The generated tokens are read "
               "back from the MIDI files `cantus-train generate` writes, which drops leading rests.\n")
    table_head(out, ["preset", "generated", "longest verbatim run, tokens (median / max)",
                     "notes in a verbatim run (median / max)",
                     "validation files: notes in a verbatim run (median / max)"], "llrrr")
    for g in presets:
        meta = metas[g]
        folders = trained_on(meta, corpus_root)
        extra = melody_args(meta) + ["--low", meta["cantus.note_low"], "--high", meta["cantus.note_high"],
                                     "--val-fraction", meta.get("cantus.val_fraction", "0.1"),
                                     "--min-length", meta.get("cantus.min_length", "16")]
        records = cantus.tokens(folders, extra)
        train = [to_symbols(r) for r in records if r["split"] == "train"]
        val = [to_symbols(r)[:STEPS] for r in records if r["split"] != "train"]
        haystack = training_bytes(train, meta)
        runs = [verbatim_runs(bytes(s), haystack) for s in generated[g]]
        val_runs = sorted(verbatim_runs(bytes(s), haystack)[1] for s in val)
        median = val_runs[len(val_runs) // 2] if val_runs else 0
        tokens = sorted(t for t, _ in runs)
        notes = sorted(n for _, n in runs)
        out.append(f"| {g} | {len(runs)} x {STEPS} | {tokens[len(tokens) // 2]} / {tokens[-1]} "
                   f"| {notes[len(notes) // 2]} / {notes[-1]} | {median} / {max(val_runs, default=0)} |")
    out.append("")

    if args.ablation:
        out += ablation_table(cantus, args.ablation, corpus_root)

    text = "\n".join(out)
    print(text)
    if args.write_readme:
        path = os.path.join(PRESETS_DIR, "README.md")
        with open(path) as f:
            readme = f.read()
        begin, end = "<!-- quality:begin -->", "<!-- quality:end -->"
        head, rest = readme.split(begin, 1)
        _, tail = rest.split(end, 1)
        with open(path, "w") as f:
            f.write(f"{head}{begin}\n{text}\n{end}{tail}")


if __name__ == "__main__":
    main()
