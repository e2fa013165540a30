#!/usr/bin/env python3
"""The step grid each genre needs, measured on its validation split; its time signatures.

usage: presets/grid.py --build BUILD [--corpus-root DIR] [--genres G...]

For every genre (folder and melody options as presets/retrain.sh trains it), on the files of
the validation split (`cantus-train tokens --json`, "split": "validation"):
  - notes kept: the pitch tokens at N steps a quarter (N = 1, 2, 3, 4, 6) over those at 12,
    the fine reference (two onsets in one step's window keep one, docs/midi.md);
  - onsets on the grid: of the onsets at 12 steps a quarter, the share whose position in the
    bar is a multiple of 12 / N, that is, on the N-step grid counted from the bar line;
  - tokens per note at N: every token (pitch, REST, HOLD) over the pitch tokens.
The rule: the smallest rate the plugin plays (1-4) that keeps at least 97 % of the notes
with at least 95 % of the onsets on its grid; when none does, the rate with the most onsets on
its grid (the least moved melody), the smaller on a tie. The choices are kept in
rhythm.GENRE_STEPS (the grid each genre is trained and judged at); a choice that differs from
that table is flagged.

For every genre's songs (both splits): the time signatures, as the share of bars each
governs (read from the files' FF 58 events, all tracks; 4/4 before the first, as MIDI says),
and the bars `--bar-steps P` cuts out at the chosen rate for P of 3, 4 and 6 quarter notes.
"""
import argparse
import collections
import json
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality import GENRES, default_corpus_root  # noqa: E402
from rhythm import BAR_STEPS, FINE, GENRE_SONGS, GENRE_STEPS, is_pitch  # noqa: E402

GRIDS = [1, 2, 3, 4, 6]
PLAYABLE = [1, 2, 3, 4]  # the plugin's rate control
KEEP_NOTES = 0.97
ON_GRID = 0.95
P_QUARTERS = [3, 4, 6]


def tokens(train, folder, extra, steps, bar_steps=0, check=True):
    """`tokens --json` records and the summary lines of stderr (None for a failure when
    not checked: a P that cuts every bar leaves no melody at all)."""
    cmd = [train, "tokens", "--json", "--steps-per-beat", str(steps), "--min-length", "1",
           "--corpus", folder] + extra
    if bar_steps:
        cmd += ["--bar-steps", str(bar_steps)]
    out = subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode:
        return [], None
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()], out.stderr


def validation(records):
    return [r for r in records if r["split"] == "validation"]


def pitch_count(records):
    return sum(1 for r in records for t in r["tokens"] if is_pitch(t, r))


def measure(train, folder, extra):
    """Per grid N: (notes kept, onsets on the grid, tokens per note), on the validation split."""
    fine, _ = tokens(train, folder, extra, FINE, BAR_STEPS)
    fine = validation(fine)
    fine_notes = pitch_count(fine)
    positions = [p for r in fine for t, p in zip(r["tokens"], r["positions"]) if is_pitch(t, r)]
    out = {}
    for n in GRIDS:
        records = validation(tokens(train, folder, extra, n)[0])
        notes = pitch_count(records)
        steps = sum(len(r["tokens"]) for r in records)
        on_grid = sum(1 for p in positions if p % (FINE // n) == 0) / len(positions)
        out[n] = (notes / fine_notes, on_grid, steps / notes)
    return out


def choose(figures):
    for n in PLAYABLE:
        kept, on_grid, _ = figures[n]
        if kept >= KEEP_NOTES and on_grid >= ON_GRID:
            return n, "keeps >= 97 % of notes, >= 95 % on grid"
    best = max(PLAYABLE, key=lambda n: (figures[n][1], -n))
    return best, "none qualifies: most onsets on grid"


# --- time signatures, from the files themselves -----------------------------------------------

def read_vlq(data, i):
    value = 0
    while True:
        b = data[i]
        i += 1
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            return value, i


def time_signatures(path):
    """(ticks a quarter, [(tick, numerator, denominator)] in order, last tick) of a MIDI file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"MThd":
        raise ValueError(f"{path}: not a MIDI file")
    (length,) = struct.unpack(">I", data[4:8])
    _, ntracks, division = struct.unpack(">HHH", data[8:14])
    if division & 0x8000:
        raise ValueError(f"{path}: SMPTE time")
    i = 8 + length
    signatures = []
    end = 0
    for order in range(ntracks):
        if data[i:i + 4] != b"MTrk":
            break
        (size,) = struct.unpack(">I", data[i + 4:i + 8])
        j, stop = i + 8, min(i + 8 + size, len(data))
        tick = 0
        status = 0
        while j < stop:
            delta, j = read_vlq(data, j)
            tick += delta
            if data[j] & 0x80:
                status = data[j]
                j += 1
            if status == 0xFF:
                kind = data[j]
                n, j = read_vlq(data, j + 1)
                if kind == 0x58 and n >= 2:
                    signatures.append((tick, order, data[j], 2 ** data[j + 1]))
                j += n
            elif status in (0xF0, 0xF7):
                n, j = read_vlq(data, j)
                j += n
            else:
                j += 1 if status & 0xF0 in (0xC0, 0xD0) else 2
        end = max(end, tick)
        i += 8 + size
    # By tick; of several at one tick the last read counts (trainer/midi, docs/midi.md).
    by_tick = {}
    for tick, order, num, den in sorted(signatures, key=lambda s: (s[0], s[1])):
        by_tick[tick] = (num, den)
    if 0 not in by_tick:
        by_tick[0] = (4, 4)
    return division, sorted((t, n, d) for t, (n, d) in by_tick.items()), end


def signature_bars(folder, steps):
    """Bars under each time signature over the folder's MIDI files, and the bars under a
    signature that falls between two steps of `steps` a quarter (a metre model loses those)."""
    bars = collections.Counter()
    off_step = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or not re.search(r"\.midi?$", name, re.I):
                continue
            division, signatures, end = time_signatures(os.path.join(root, name))
            for k, (tick, num, den) in enumerate(signatures):
                stop = signatures[k + 1][0] if k + 1 < len(signatures) else end
                bar = division * 4 * num / den
                if stop > tick:
                    count = -(-(stop - tick) // bar)
                    bars[f"{num}/{den}"] += count
                    if tick * steps % division:
                        off_step += count
    return bars, off_step


def skipped_bars(stderr):
    if stderr is None:
        return "all"
    match = re.search(r"(\d+) bars skipped", stderr)
    return int(match.group(1)) if match else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--corpus-root", default=default_corpus_root())
    parser.add_argument("--genres", nargs="*", default=GENRES)
    args = parser.parse_args()
    train = os.path.join(args.build, "trainer", "cantus-train")
    if not os.access(train, os.X_OK):
        sys.exit(f"grid.py: no {train}; build it with meson compile -C {args.build} trainer/cantus-train")
    corpus_root = os.path.abspath(args.corpus_root)
    out = []
    out.append("Validation split of each genre, melody as the presets take it. Notes kept: pitch tokens at N "
               f"steps a quarter over those at {FINE}; on grid: onsets (at {FINE} a quarter) on the N-step "
               "grid from the bar line; tokens per note at N. Rule: the smallest rate 1-4 keeping >= 97 % "
               "of the notes with >= 95 % on grid, else the rate with the most onsets on grid. "
               "(6 is beyond the plugin's rate control; shown for scale.)\n")
    out.append("| genre | " + " | ".join(f"kept at {n}" for n in GRIDS) + " | "
               + " | ".join(f"on grid {n}" for n in GRIDS) + " | "
               + " | ".join(f"tokens/note {n}" for n in GRIDS) + " | choice |")
    out.append("|---|" + "---:|" * (3 * len(GRIDS)) + "---|")
    chosen = {}
    for g in args.genres:
        folder_name, extra = GENRE_SONGS[g]
        folder = os.path.join(corpus_root, folder_name)
        print(f"grid.py: {g}", file=sys.stderr)
        figures = measure(train, folder, extra)
        n, why = choose(figures)
        chosen[g] = n
        if GENRE_STEPS.get(g) != n:
            why += f"; rhythm.GENRE_STEPS says {GENRE_STEPS.get(g)}"
        out.append(f"| {g} | " + " | ".join(f"{100 * figures[k][0]:.1f} %" for k in GRIDS) + " | "
                   + " | ".join(f"{100 * figures[k][1]:.1f} %" for k in GRIDS) + " | "
                   + " | ".join(f"{figures[k][2]:.2f}" for k in GRIDS) + f" | **{n}** ({why}) |")
    out.append("")

    out.append("Time signatures of each genre's songs (every file, share of bars), and the bars "
               "`--bar-steps P` cuts out at the chosen rate S (every file) for bars of up to 3, 4 and 6 "
               "quarter notes; beside them, the bars under a time signature that falls between two "
               "steps at S (the trainer cuts those whatever P is: docs/midi.md).\n")
    out.append("| genre | bars | time signatures | S | under a signature between steps | "
               + " | ".join(f"cut at P = {q}S" for q in P_QUARTERS) + " |")
    out.append("|---|---:|---|---:|---:|" + "---:|" * len(P_QUARTERS))
    for g in args.genres:
        folder_name, extra = GENRE_SONGS[g]
        folder = os.path.join(corpus_root, folder_name)
        s = chosen[g]
        bars, off_step = signature_bars(folder, s)
        total = sum(bars.values())
        listed = ", ".join(f"{sig} {100 * c / total:.1f} %" for sig, c in bars.most_common() if c / total >= 0.001)
        rare = sum(c for c in bars.values() if c / total < 0.001)
        if rare:
            listed += f", others {100 * rare / total:.2f} %"
        cut = [skipped_bars(tokens(train, folder, extra, s, q * s, check=False)[1]) for q in P_QUARTERS]
        out.append(f"| {g} | {total:,.0f} | {listed} | {s} | {off_step:,.0f} | " + " | ".join(f"{c:,}" if c != "all" else c for c in cut)
                   + " |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
