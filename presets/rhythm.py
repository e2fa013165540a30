#!/usr/bin/env python3
"""Rhythm of the genre presets against the genres' songs: onset position in the bar, note
length, and how often a bar repeats the onset pattern of one of the four bars before it.

usage: presets/rhythm.py --build BUILD [--presets NAME...] [--models DIR] [--old-models DIR |
                         --old-commit REV] [--seeds 16] [--bars 32] [--metres 4,3]
                         [--corpus-root DIR]

Every row is played through the plugin as a host plays it: `cantus-render` (LV2_PATH = the
build's bundle) at T = 1, seeds 1..N, N bars, once per metre (quarter notes a bar; 3 stands for
3/4 and 6/8 alike, which are the same bar to the trainer and the player). Rows:
  - the bundle's presets (--presets, default all four): `--preset NAME`;
  - the models in --models DIR (<genre>.safetensors, with <genre>.ttl's controls when there is
    one, else the plugin's defaults at the rate of the model's own steps per beat);
  - today's presets: the models and TTLs of --old-commit (default fe1980e, one token a beat),
    played with their TTL's controls, and at rate 2 as well where the TTL says otherwise.

The songs and the renders are read by one road: `cantus-train tokens --steps-per-beat 12
--bar-steps 256 --json`, the genre's melody options for the songs (so the melody is the one the
presets learned from), training and validation splits together. Twelve steps a quarter (48ths
of a whole note) is the least common multiple of the rates the plugin plays (1-4), so every
straight rendered onset lands on a bin of its own, and the songs' triplets and sixteenths stay
apart. An onset is a pitch token; its position in the bar is the token's position. A note's
length is its value: its pitch token and the HOLDs after it, in twelfths of a quarter; a render
is read back for this at the rate it was played (which gives back the tokens played whatever
the gate and swing, docs/midi.md) and scaled by 12 / rate, so the gate, a control of the
preset, does not pass for the model's rhythm. Onsets are compared bar length by bar length (a
render in 4/4 against the songs' 4/4 and 2/2 bars), lengths over every note. A bar repeats when
its onset set equals that of one of the four bars before it in the same sequence; only bars with
at least one onset and four bars before them count. The repetition is also given with the
onsets rounded to the nearest sixteenth, where onsets played off any grid (the jazz
transcriptions) can repeat at all.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality import GENRES, default_corpus_root, jsd, model_metadata  # noqa: E402

PRESETS_DIR = os.path.dirname(os.path.abspath(__file__))
FINE = 12  # steps a quarter note: the common resolution of songs and renders
BAR_STEPS = 256  # positions for bars of up to 21 quarters: none of the corpus is cut
LENGTH_CLIP = 4 * FINE  # lengths of a whole note and more share the last bin
REPEAT_WINDOW = 4
COARSE = 4  # steps a quarter for the second repetition figure: onsets to the nearest sixteenth
OLD_COMMIT = "fe1980e"

# Each genre's folder and melody options, as presets/retrain.sh trains it.
GENRE_SONGS = {
    "folk": ("folk", []),
    "baroque": ("baroque", ["--track", "1"]),
    "jazz": ("jazz", []),
    "game": ("game", ["--low", "36", "--high", "96"]),
}


# --- the maths -----------------------------------------------------------------------------

class Rhythm:
    """Onsets by bar length and position, note lengths, and bar repetition of some melodies."""

    def __init__(self):
        self.onsets = collections.defaultdict(collections.Counter)  # bar length -> position -> n
        self.bars = collections.Counter()  # bar length -> bars seen
        self.lengths = collections.Counter()
        self.eligible = 0
        self.repeated = 0
        self.repeated_coarse = 0

    def add(self, record, with_lengths=True):
        """One `tokens --json --bar-steps` line at FINE steps a quarter: its bars and, unless
        the lengths come from another reading (add_lengths), its notes' lengths."""
        bars, lengths = bars_and_lengths(record)
        for length, onsets in bars:
            if length is None:
                continue
            self.bars[length] += 1
            for p in onsets:
                self.onsets[length][p] += 1
        if with_lengths:
            self.add_lengths(lengths)
        eligible, repeated = repetition(bars)
        self.eligible += eligible
        self.repeated += repeated
        self.repeated_coarse += repetition(coarser(bars, FINE // COARSE))[1]

    def add_lengths(self, lengths):
        """Note lengths in FINE steps a quarter."""
        for n in lengths:
            self.lengths[min(n, LENGTH_CLIP)] += 1

    def onset_distribution(self, bar_length):
        counts = self.onsets.get(bar_length, {})
        total = sum(counts.values())
        return [counts.get(p, 0) / total for p in range(bar_length)] if total else None

    def onset_count(self, bar_length):
        return sum(self.onsets.get(bar_length, {}).values())

    def length_distribution(self):
        total = sum(self.lengths.values()) or 1
        return [self.lengths.get(n, 0) / total for n in range(1, LENGTH_CLIP + 1)]

    def repeat_share(self, coarse=False):
        repeated = self.repeated_coarse if coarse else self.repeated
        return repeated / self.eligible if self.eligible else float("nan")


def is_pitch(token, record):
    return token != record["rest_token"] and token != record["hold_token"]


def note_lengths(record):
    """Every note's pitch token and the HOLDs after it, in steps."""
    lengths = []
    for token in record["tokens"]:
        if is_pitch(token, record):
            lengths.append(1)
        elif token == record["hold_token"] and lengths:
            lengths[-1] += 1
    return lengths


def bars_and_lengths(record):
    """The bars of one sequence, in order, as (length in steps or None, onset positions), and
    the length in steps of every note (its pitch token and the HOLDs after it).

    A bar starts where the position falls back; its length is its last position + 1 when the
    next bar follows it. The sequence's last bar (its trailing rests are cut) takes the length of
    the bar before it; alone, it has none. The first bar may start mid-bar (leading rests are
    cut): its onsets are all there, its length comes from its last position as any other's."""
    tokens, positions = record["tokens"], record["positions"]
    bars = []  # [last position, onsets]
    previous = None
    for token, position in zip(tokens, positions):
        if previous is None or position <= previous:
            bars.append([position, []])
        bars[-1][0] = position
        previous = position
        if is_pitch(token, record):
            bars[-1][1].append(position)
    out = []
    for i, (last, onsets) in enumerate(bars):
        if i + 1 < len(bars):
            length = last + 1
        else:
            length = out[-1][0] if out else None
        out.append((length, tuple(onsets)))
    return out, note_lengths(record)


def coarser(bars, factor):
    """The bars with every onset moved to the nearest multiple of `factor` steps (in units of
    `factor`; an onset rounded onto the next bar's downbeat stays this bar's last position)."""
    out = []
    for length, onsets in bars:
        last = None if length is None else (length - 1) // factor
        moved = sorted({min(round(p / factor), last) if last is not None else round(p / factor) for p in onsets})
        out.append((length, tuple(moved)))
    return out


def repetition(bars):
    """(bars that count, bars among them that repeat the onset set of one of the
    REPEAT_WINDOW bars before them): a bar counts when it has an onset and four bars before it."""
    eligible = repeated = 0
    for i in range(REPEAT_WINDOW, len(bars)):
        length, onsets = bars[i]
        if not onsets:
            continue
        eligible += 1
        if any(bars[j] == (length, onsets) for j in range(i - REPEAT_WINDOW, i)):
            repeated += 1
    return eligible, repeated


# --- reading songs and renders -------------------------------------------------------------

def fine_records(train, folders, extra, steps=FINE):
    """`tokens --json` at `steps` a quarter (the common resolution: with positions), every split."""
    cmd = [train, "tokens", "--json", "--steps-per-beat", str(steps), "--min-length", "1", "--corpus"] + folders + extra
    if steps == FINE:
        cmd += ["--bar-steps", str(BAR_STEPS)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def rhythm_of(records):
    r = Rhythm()
    for record in records:
        r.add(record)
    return r


def song_rhythm(train, corpus_root, genre):
    folder, extra = GENRE_SONGS[genre]
    return rhythm_of(fine_records(train, [os.path.join(corpus_root, folder)], extra))


def ttl_controls(path):
    """The control values a preset's Turtle sets, by symbol."""
    with open(path) as f:
        text = f.read()
    pairs = re.findall(r'lv2:symbol\s+"(\w+)"\s*;\s*pset:value\s+([-+0-9.eE]+)', text)
    return {symbol: value for symbol, value in pairs}


class Player:
    """One row: a preset of the bundle, or a model file with the controls a host would set."""

    def __init__(self, label, genre, preset=None, model=None, controls=None, old=False):
        self.label, self.genre, self.preset, self.model = label, genre, preset, model
        self.controls = controls or {}
        self.old = old  # one of today's presets, the yardstick
        self.rate_label = int(float(self.controls.get("rate", "1")))

    def rate(self, build):
        """Steps a beat it plays at: its controls', its preset's in the bundle, else the default 1."""
        controls = self.controls
        if self.preset:
            ttl = os.path.join(build, "lv2", "cantus.lv2", "presets", self.preset + ".ttl")
            controls = ttl_controls(ttl) if os.path.exists(ttl) else {}
        return int(float(controls.get("rate", "1")))

    def render_args(self):
        if self.preset:
            return ["--preset", self.preset]
        args = ["--model", self.model]
        for symbol, value in self.controls.items():
            args += ["--set", f"{symbol}={value}"]
        return args


def render_rhythm(build, player, metres, seeds, bars, scratch):
    """The player's rhythm over `seeds` renders of `bars` bars in every metre."""
    render = os.path.join(build, "host", "cantus-render")
    train = os.path.join(build, "trainer", "cantus-train")
    env = dict(os.environ, LV2_PATH=os.path.join(os.path.abspath(build), "lv2"))
    folder = tempfile.mkdtemp(dir=scratch)
    for metre in metres:
        for seed in range(1, seeds + 1):
            out = os.path.join(folder, f"m{metre}_s{seed}.mid")
            cmd = [render] + player.render_args() + [
                "--bars", str(bars), "--beats-per-bar", str(metre),
                "--set", "temperature=1", "--set", f"seed={seed}", "--quiet", "-o", out]
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    every_note = ["--low", "0", "--high", "127"]
    rhythm = Rhythm()
    for record in fine_records(train, [folder], every_note):
        rhythm.add(record, with_lengths=False)
    rate = player.rate(build)
    if FINE % rate:
        sys.exit(f"rhythm.py: {player.label} plays at rate {rate}, which {FINE} steps a quarter do not hold")
    for record in fine_records(train, [folder], every_note, steps=rate):
        rhythm.add_lengths([n * FINE // rate for n in note_lengths(record)])
    return rhythm


def old_players(args, scratch):
    """Today's presets: the models and TTLs of a folder, or of a commit of this repository."""
    folder = args.old_models
    if not folder:
        folder = os.path.join(scratch, "old")
        os.mkdir(folder)
        for genre in GENRES:
            for ext in ("safetensors", "ttl"):
                blob = subprocess.run(["git", "-C", PRESETS_DIR, "show", f"{args.old_commit}:presets/{genre}.{ext}"],
                                      check=True, stdout=subprocess.PIPE).stdout
                with open(os.path.join(folder, f"{genre}.{ext}"), "wb") as f:
                    f.write(blob)
    tag = os.path.basename(os.path.normpath(args.old_models)) if args.old_models else args.old_commit
    players = []
    for genre in GENRES:
        model = os.path.join(folder, genre + ".safetensors")
        if not os.path.exists(model):
            continue
        ttl = os.path.join(folder, genre + ".ttl")
        controls = ttl_controls(ttl) if os.path.exists(ttl) else {}
        rate = controls.get("rate", "1")
        players.append(Player(f"{genre} ({tag}, rate {int(float(rate))})", genre, model=model, controls=controls,
                              old=True))
        if int(float(rate)) != 2:
            players.append(Player(f"{genre} ({tag}, rate 2)", genre, model=model, controls=dict(controls, rate="2"),
                                  old=True))
    return players


def model_players(folder):
    """The models of a folder, each with its TTL's controls, or at its own steps per beat."""
    players = []
    for genre in GENRES:
        model = os.path.join(folder, genre + ".safetensors")
        if not os.path.exists(model):
            continue
        ttl = os.path.join(folder, genre + ".ttl")
        meta = model_metadata(model)
        if os.path.exists(ttl):
            controls, how = ttl_controls(ttl), "its TTL"
        else:
            controls, how = {"rate": meta.get("cantus.steps_per_beat", "1")}, "defaults"
        grid = f"S {meta.get('cantus.steps_per_beat', '1')}, P {meta.get('cantus.bar_steps', '0')}"
        players.append(Player(f"{genre} ({os.path.basename(os.path.normpath(folder))}, {grid}, {how})",
                              genre, model=model, controls=controls))
    return players


# --- the tables ----------------------------------------------------------------------------

def fmt(x):
    return "—" if x is None else f"{x:.3f}"


def jsd_table(out, title, rows, songs, distribution, note):
    """A matrix of JSDs, rows: players, columns: genres; bold the nearest genre in each row."""
    out.append(f"#### {title}\n")
    out.append(note + "\n")
    out.append("| preset \\ songs | " + " | ".join(GENRES) + " | nearest |")
    out.append("|---|" + "---:|" * len(GENRES) + "---|")
    own = {}
    for player, rhythm in rows:
        mine = distribution(rhythm)
        values = {}
        for g in GENRES:
            ref = distribution(songs[g])
            values[g] = jsd(mine, ref) if mine is not None and ref is not None else None
        known = {g: v for g, v in values.items() if v is not None}
        nearest = min(known, key=known.get) if known else None
        cells = [f"**{fmt(values[g])}**" if g == nearest else fmt(values[g]) for g in GENRES]
        verdict = "—" if nearest is None else "own genre" if nearest == player.genre else nearest
        out.append(f"| {player.label} | " + " | ".join(cells) + f" | {verdict} |")
        own[player.label] = (values.get(player.genre), nearest)
    out.append("")
    return own


def summary(out, rows, owns):
    """Per row that is not one of today's presets: is its own genre the nearest in every table,
    and is it nearer its genre than today's preset of that genre played at rate 2?"""
    old = {p.genre: p.label for p, _ in rows if p.old and p.rate_label == 2}
    candidates = [p for p, _ in rows if not p.old]
    if not candidates:
        return
    out.append("#### Against the genre and against today's presets\n")
    out.append("Per table: the row's JSD to its own genre's songs, then today's preset of that genre at rate 2; "
               "✓ when the row's own genre is the nearest and it is nearer than today's.\n")
    out.append("| preset | " + " | ".join(owns) + " |")
    out.append("|---|" + "---|" * len(owns))
    for p in candidates:
        cells = []
        for table in owns.values():
            mine, nearest = table[p.label]
            theirs = table.get(old.get(p.genre), (None, None))[0]
            if mine is None:
                cells.append("—")
                continue
            good = nearest == p.genre and (theirs is None or mine < theirs)
            cells.append(f"{fmt(mine)} / {fmt(theirs)} {'✓' if good else '✗'}")
        out.append(f"| {p.label} | " + " | ".join(cells) + " |")
    out.append("")


def metre_name(quarters):
    return {2: "2/4", 3: "3/4 and 6/8", 4: "4/4 and 2/2"}.get(quarters, f"{quarters} quarters")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="the build folder (cantus-render, cantus-train, lv2/)")
    parser.add_argument("--presets", nargs="*", default=None, help="bundle presets to play (default: all four)")
    parser.add_argument("--models", action="append", default=[], help="a folder of <genre>.safetensors [+ .ttl]")
    parser.add_argument("--old-models", help="a folder of today's <genre>.safetensors and .ttl")
    parser.add_argument("--old-commit", default=OLD_COMMIT, help="else take them from this commit")
    parser.add_argument("--no-old", action="store_true", help="leave today's presets out")
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--bars", type=int, default=32)
    parser.add_argument("--metres", default="4,3", help="quarter notes a bar, one render set each")
    parser.add_argument("--corpus-root", default=default_corpus_root())
    args = parser.parse_args()
    train = os.path.join(args.build, "trainer", "cantus-train")
    for tool in (train, os.path.join(args.build, "host", "cantus-render")):
        if not os.access(tool, os.X_OK):
            sys.exit(f"rhythm.py: no {tool}; build it with meson compile -C {args.build}")
    metres = [int(m) for m in args.metres.split(",")]
    corpus_root = os.path.abspath(args.corpus_root)

    with tempfile.TemporaryDirectory(prefix="cantus-rhythm-") as scratch:
        players = [Player(f"{p} (bundle preset)", p, preset=p)
                   for p in (GENRES if args.presets is None else args.presets)]
        for folder in args.models:
            players += model_players(folder)
        if not args.no_old:
            players += old_players(args, scratch)
        songs = {}
        for g in GENRES:
            print(f"rhythm.py: reading the {g} songs", file=sys.stderr)
            songs[g] = song_rhythm(train, corpus_root, g)
        rows = []
        for player in players:
            print(f"rhythm.py: playing {player.label}", file=sys.stderr)
            rows.append((player, render_rhythm(args.build, player, metres, args.seeds, args.bars, scratch)))

    out = []
    out.append(f"Every row: {args.seeds} seeds x {args.bars} bars at T = 1 through the plugin "
               f"(`cantus-render`), in each metre; the songs: every file of the genre's folder, "
               f"both splits, the presets' melody options; all at {FINE} steps a quarter. "
               "Jensen-Shannon divergence in bits (0: the same distribution, 1: disjoint); bold: "
               "the nearest genre in the row.\n")
    out.append("#### The songs' bars\n")
    out.append("| genre | bars | " + " | ".join(metre_name(m) for m in metres) + " | other |")
    out.append("|---|---:|" + "---:|" * (len(metres) + 1))
    for g in GENRES:
        total = sum(songs[g].bars.values()) or 1
        shares = [songs[g].bars.get(m * FINE, 0) / total for m in metres]
        out.append(f"| {g} | {total:,} | " + " | ".join(f"{100 * s:.1f} %" for s in shares)
                   + f" | {100 * (1 - sum(shares)):.1f} % |")
    out.append("")
    owns = {}
    for m in metres:
        owns[f"onset, {m}-beat bars"] = jsd_table(
            out, f"Onset position in the bar, {metre_name(m)} ({m * FINE} positions)", rows, songs,
            lambda r, m=m: r.onset_distribution(m * FINE),
            f"Renders at {m} beats a bar against the songs' bars of {m} quarter notes; a genre with "
            f"no such bars has no column value.")
    owns["note length"] = jsd_table(
        out, "Note length", rows, songs, Rhythm.length_distribution,
        f"Pitch token and HOLDs, in twelfths of a quarter, 1 .. {LENGTH_CLIP} (a whole note and more "
        "in the last bin), every metre together.")
    summary(out, rows, owns)
    out.append("#### A bar repeats the onsets of one of the four before it\n")
    out.append("Share of bars (with an onset and four bars before them in the same sequence) whose "
               f"onset positions equal one of the four bars before: at {FINE} steps a quarter, and with "
               "every onset rounded to the nearest sixteenth.\n")
    out.append("| songs or preset | bars counted | repeats | repeats, to the sixteenth |")
    out.append("|---|---:|---:|---:|")
    for name, r in [(f"{g} songs", songs[g]) for g in GENRES] + [(p.label, r) for p, r in rows]:
        out.append(f"| {name} | {r.eligible:,} | {100 * r.repeat_share():.1f} % "
                   f"| {100 * r.repeat_share(coarse=True):.1f} % |")
    out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
