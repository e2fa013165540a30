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
    one, else the plugin's defaults), at the rate of the model's own steps per beat when the
    TTL sets none or 0 ("as trained"), given to the plugin explicitly as `--set rate=S`;
  - today's presets: the models and TTLs of --old-commit (default fe1980e, one token a beat),
    played with their TTL's controls, and at rate 2 as well where the TTL says otherwise.

The songs and the renders are read by one road: `cantus-train tokens --steps-per-beat S
--bar-steps 256*S/12 --json` (bars of up to 21 quarters: none of the corpus is cut), the genre's
melody options for the songs (so the melody is the one the presets learned from), training and
validation splits together. An onset is a pitch token; its position in the bar is the token's
position. A note's length is its pitch token and the HOLDs after it, in steps.

The main comparison puts every genre as its preset's training data sees it: the genre's songs
read at the genre's own grid (GENRE_STEPS: folk and baroque 2 steps a quarter, jazz and game 4,
presets/grid.py's choice), and a row played at S steps a quarter (its rate) read back at S,
which gives back the tokens played whatever the gate and swing (docs/midi.md). Both are then
written on one common axis of 12 steps a quarter (FINE, the least common multiple of the rates
1-4): step k of an S grid is 12k/S there, a length of n steps 12n/S twelfths. So a row is
compared with folk as folk is tokenised, jazz as jazz is tokenised and so on, the same
references for every row, today's presets and new models alike. Onsets are compared over the
12*q positions of a bar of q quarters, bar length by bar length (a render in 4/4 against the
songs' 4/4 and 2/2 bars), lengths over 1..48 twelfths (a whole note and more in the last bin).
Two secondary comparisons: the songs read at the row's own S (at S = 2 the jazz and game
songs are quantised to eighths and look like any eighth-note melody), and everything read at 12 steps a quarter,
the render's lengths read at its rate and scaled by 12 / rate so the gate does not pass for the
model's rhythm; songs played off any grid (the jazz transcriptions, not aligned to the MIDI
beat) spread their onsets over the beat there, where no grid-bound model can follow them.

A bar repeats when its onset set equals that of one of the four bars before it in the same
sequence; only bars with at least one onset and four bars before them count. It is given at
the row's own grid beside its genre's songs at the genre's grid, and at 12 steps a quarter, also
with the onsets rounded to the nearest sixteenth, where onsets played off any grid can repeat at
all.
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
FINE = 12  # steps a quarter of the common axis: holds the rates 1-4, and the songs' triplets
BAR_STEPS = 256  # positions at FINE for bars of up to 21 quarters: none of the corpus is cut
LENGTH_QUARTERS = 4  # lengths of a whole note and more share the last bin
REPEAT_WINDOW = 4
COARSE = 4  # steps a quarter for the rounded repetition figure: onsets to the nearest sixteenth
OLD_COMMIT = "fe1980e"

# Each genre's step grid, steps a quarter note: the rate presets/grid.py picks from the genre's
# validation split and the steps per beat its models are trained at. The genre's songs are read
# at this grid for the main comparison, so every row, today's presets and new models alike, is
# judged against the same references: the songs as that genre's training data sees them.
GENRE_STEPS = {"folk": 2, "baroque": 2, "jazz": 4, "game": 4}

# Each genre's folder and melody options, as presets/retrain.sh trains it.
GENRE_SONGS = {
    "folk": ("folk", []),
    "baroque": ("baroque", ["--track", "1"]),
    "jazz": ("jazz", []),
    "game": ("game", ["--low", "36", "--high", "96"]),
}
EVERY_NOTE = ["--low", "0", "--high", "127"]  # a render's notes, whatever its range


# --- the maths -----------------------------------------------------------------------------

class Rhythm:
    """Onsets by bar length and position, note lengths, and bar repetition of some melodies,
    all in steps of one grid: `steps` a quarter note."""

    def __init__(self, steps=FINE):
        self.steps = steps
        self.onsets = collections.defaultdict(collections.Counter)  # bar length -> position -> n
        self.bars = collections.Counter()  # bar length -> bars seen
        self.lengths = collections.Counter()
        self.eligible = 0
        self.repeated = 0
        self.repeated_coarse = 0

    def add(self, record, with_lengths=True):
        """One `tokens --json --bar-steps` line at `steps` a quarter: its bars and, unless the
        lengths come from another reading (add_lengths), its notes' lengths."""
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
        if self.coarse_factor():
            self.repeated_coarse += repetition(coarser(bars, self.coarse_factor()))[1]

    def coarse_factor(self):
        """Steps a sixteenth, when a sixteenth is a whole number of steps of this grid."""
        return self.steps // COARSE if self.steps % COARSE == 0 else None

    def length_clip(self):
        return LENGTH_QUARTERS * self.steps

    def add_lengths(self, lengths):
        """Note lengths in steps of this grid."""
        for n in lengths:
            self.lengths[min(n, self.length_clip())] += 1

    def onset_distribution(self, quarters):
        """Onset positions in bars of `quarters` quarter notes, or None without such bars."""
        bar_length = quarters * self.steps
        counts = self.onsets.get(bar_length, {})
        total = sum(counts.values())
        return [counts.get(p, 0) / total for p in range(bar_length)] if total else None

    def onset_count(self, quarters):
        return sum(self.onsets.get(quarters * self.steps, {}).values())

    def length_distribution(self):
        total = sum(self.lengths.values()) or 1
        return [self.lengths.get(n, 0) / total for n in range(1, self.length_clip() + 1)]

    def repeat_share(self, coarse=False):
        if coarse and not self.coarse_factor():
            return None
        repeated = self.repeated_coarse if coarse else self.repeated
        return repeated / self.eligible if self.eligible else float("nan")

    def on_common_axis(self, fine=FINE):
        """The same onsets and lengths written in steps of 1/`fine` quarter: step k of this grid
        is k * fine / steps there, a bar of q quarters q * fine positions long, a length of n
        steps n * fine / steps. Nothing is read again: the tokens of this grid stay what they
        are, only their unit changes, so rhythms read at different grids share one axis. The
        repetition counts do not depend on the unit and are kept."""
        if fine % self.steps:
            raise ValueError(f"{fine} steps a quarter do not hold a grid of {self.steps}")
        factor = fine // self.steps
        out = Rhythm(fine)
        for length, counts in self.onsets.items():
            for p, n in counts.items():
                out.onsets[length * factor][p * factor] += n
        for length, n in self.bars.items():
            out.bars[length * factor] += n
        for length, n in self.lengths.items():
            out.lengths[min(length * factor, out.length_clip())] += n
        out.eligible, out.repeated = self.eligible, self.repeated
        if COARSE % self.steps == 0:  # every onset already on a sixteenth: rounding moves none
            out.repeated_coarse = self.repeated
        elif self.coarse_factor():
            out.repeated_coarse = self.repeated_coarse
        else:  # onsets between sixteenths, which this grid no longer places
            out.repeated_coarse = float("nan")
        return out


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


def nearest(mine, references):
    """The JSD of a distribution to each reference (None where either is missing) and the
    nearest reference's name (None when none can be compared)."""
    values = {name: jsd(mine, ref) if mine is not None and ref is not None else None
              for name, ref in references.items()}
    known = {name: v for name, v in values.items() if v is not None}
    return values, (min(known, key=known.get) if known else None)


# --- reading songs and renders -------------------------------------------------------------

def records(train, folders, extra, steps):
    """`tokens --json` at `steps` a quarter with positions in bars as long as BAR_STEPS allows
    at FINE, every split."""
    cmd = [train, "tokens", "--json", "--steps-per-beat", str(steps), "--bar-steps", str(BAR_STEPS * steps // FINE),
           "--min-length", "1", "--corpus"] + folders + extra
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def rhythm_of(lines, steps):
    r = Rhythm(steps)
    for record in lines:
        r.add(record)
    return r


def folder_rhythm(train, folders, extra, steps):
    """The rhythm of every melody of some folders read at `steps` a quarter."""
    return rhythm_of(records(train, folders, extra, steps), steps)


def song_rhythm(train, corpus_root, genre, steps):
    folder, extra = GENRE_SONGS[genre]
    return folder_rhythm(train, [os.path.join(corpus_root, folder)], extra, steps)


def played_rhythms(train, folder, rate):
    """The rhythm of the renders in a folder played at `rate` steps a quarter: at their own
    grid (read at the rate: the tokens played), and at FINE (onsets at FINE, where swing
    shows; lengths read at the rate and scaled, so the gate does not count)."""
    if FINE % rate:
        sys.exit(f"rhythm.py: rate {rate}, which {FINE} steps a quarter do not hold")
    own = folder_rhythm(train, [folder], EVERY_NOTE, rate)
    fine = Rhythm(FINE)
    for record in records(train, [folder], EVERY_NOTE, FINE):
        fine.add(record, with_lengths=False)
    for n, count in own.lengths.items():
        # own's lengths are clipped at a whole note; so are fine's, at the same note value
        fine.lengths[min(n * FINE // rate, fine.length_clip())] += count
    return own, fine


def ttl_controls(path):
    """The control values a preset's Turtle sets, by symbol."""
    with open(path) as f:
        text = f.read()
    pairs = re.findall(r'lv2:symbol\s+"(\w+)"\s*;\s*pset:value\s+([-+0-9.eE]+)', text)
    return {symbol: value for symbol, value in pairs}


def model_steps(model):
    return int(model_metadata(model).get("cantus.steps_per_beat", "1"))


def rate_played(controls, model):
    """The rate a host plays these controls at: theirs, or the model's own steps per beat when
    they set none or 0 ("as trained")."""
    rate = int(float(controls.get("rate", "0")))
    return rate if rate > 0 else model_steps(model)


class Player:
    """One row: a preset of the bundle, or a model file with the controls a host would set."""

    def __init__(self, label, genre, preset=None, model=None, controls=None, old=False):
        self.label, self.genre, self.preset, self.model = label, genre, preset, model
        self.controls = dict(controls or {})
        self.old = old  # one of today's presets, the yardstick
        self.rate_label = None
        if model:
            # the plugin is told the rate even where the TTL leaves it to the model
            self.controls["rate"] = str(rate_played(self.controls, model))
            self.rate_label = int(self.controls["rate"])

    def rate(self, build):
        """Steps a quarter it plays at: its controls', or its bundle preset's."""
        if not self.preset:
            return int(self.controls["rate"])
        presets = os.path.join(build, "lv2", "cantus.lv2", "presets")
        ttl = os.path.join(presets, self.preset + ".ttl")
        controls = ttl_controls(ttl) if os.path.exists(ttl) else {}
        return rate_played(controls, os.path.join(presets, self.preset + ".safetensors"))

    def render_args(self):
        if self.preset:
            return ["--preset", self.preset]
        args = ["--model", self.model]
        for symbol, value in self.controls.items():
            args += ["--set", f"{symbol}={value}"]
        return args


def render_rhythms(build, player, metres, seeds, bars, scratch):
    """The player's rhythm (own grid, FINE) over `seeds` renders of `bars` bars in every metre."""
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
    return played_rhythms(train, folder, player.rate(build))


def genre_models(folder):
    """(genre, model, controls, has_ttl) for each genre whose model the folder holds; the
    controls are its TTL's, or none where it has no TTL."""
    for genre in GENRES:
        model = os.path.join(folder, genre + ".safetensors")
        if not os.path.exists(model):
            continue
        ttl = os.path.join(folder, genre + ".ttl")
        has_ttl = os.path.exists(ttl)
        yield genre, model, ttl_controls(ttl) if has_ttl else {}, has_ttl


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
    for genre, model, controls, _ in genre_models(folder):
        rate = rate_played(controls, model)
        players.append(Player(f"{genre} ({tag}, rate {rate})", genre, model=model, controls=controls, old=True))
        if rate != 2:
            players.append(Player(f"{genre} ({tag}, rate 2)", genre, model=model, controls=dict(controls, rate="2"),
                                  old=True))
    return players


def model_players(folder):
    """The models of a folder, each with its TTL's controls, or the defaults at its own grid."""
    players = []
    for genre, model, controls, has_ttl in genre_models(folder):
        meta = model_metadata(model)
        how = "its TTL" if has_ttl else "defaults"
        grid = f"S {meta.get('cantus.steps_per_beat', '1')}, P {meta.get('cantus.bar_steps', '0')}"
        players.append(Player(f"{genre} ({os.path.basename(os.path.normpath(folder))}, {grid}, {how})",
                              genre, model=model, controls=controls))
    return players


# --- the tables ----------------------------------------------------------------------------

class Row:
    """A player and its rhythm at its own grid (`steps` a quarter), the same tokens on the
    common axis of FINE steps a quarter, and its renders read at FINE."""

    def __init__(self, player, steps, own, fine):
        self.player, self.steps, self.own, self.fine = player, steps, own, fine
        self.common = own.on_common_axis()


# The three ways a row meets the songs: (title, the row's rhythm, the songs it is compared
# with, from `songs`: steps a quarter -> genre -> the songs read at that grid).
def genre_grid_references(songs):
    """Each genre's songs as its training data sees them (read at its own grid, GENRE_STEPS),
    written on the common axis of FINE steps a quarter."""
    return {g: songs[GENRE_STEPS[g]][g].on_common_axis() for g in GENRES}


KINDS = {
    "genre grid": lambda row, songs: (row.common, genre_grid_references(songs)),
    "row grid": lambda row, songs: (row.own, songs[row.steps]),
    "fine": lambda row, songs: (row.fine, songs[FINE]),
}


def fmt(x):
    return "—" if x is None else f"{x:.4f}"  # a few positions a bar give JSDs of a few thousandths


def pct(x):
    return "—" if x is None or x != x else f"{100 * x:.1f} %"


def genre_header(kind, g):
    return f"{g} (S {GENRE_STEPS[g]})" if kind == "genre grid" else g


def jsd_table(out, title, note, rows, songs, kind, distribution):
    """A matrix of JSDs, rows: players, columns: genres; bold the nearest genre in each row.
    Each row against the songs as `kind` (a key of KINDS) pairs them."""
    out.append(f"#### {title}\n")
    out.append(note + "\n")
    out.append("| preset \\ songs | S | " + " | ".join(genre_header(kind, g) for g in GENRES) + " | nearest |")
    out.append("|---|---:|" + "---:|" * len(GENRES) + "---|")
    own = {}
    for row in rows:
        mine, references = KINDS[kind](row, songs)
        values, near = nearest(distribution(mine), {g: distribution(references[g]) for g in GENRES})
        cells = [f"**{fmt(values[g])}**" if g == near else fmt(values[g]) for g in GENRES]
        verdict = "—" if near is None else "own genre" if near == row.player.genre else near
        steps = FINE if kind == "fine" else row.steps
        out.append(f"| {row.player.label} | {steps} | " + " | ".join(cells) + f" | {verdict} |")
        own[row.player.label] = (values.get(row.player.genre), near)
    out.append("")
    return own


def summary(out, rows, owns):
    """Per row that is not one of today's presets: is its own genre the nearest in every table,
    and is it nearer its genre than today's preset of that genre played at rate 2?"""
    old = {r.player.genre: r.player.label for r in rows if r.player.old and r.player.rate_label == 2}
    candidates = [r.player for r in rows if not r.player.old]
    if not candidates:
        return
    out.append("#### Against the genre and against today's presets\n")
    out.append("Per table of the main comparison (every genre's songs at the genre's own grid, everything "
               f"on {FINE} steps a quarter): the row's JSD to its own genre's songs, then that of today's "
               "preset of that genre played at rate 2, against the same songs; ✓ when the row's own genre is "
               "the nearest and it is nearer than today's.\n")
    out.append("| preset | " + " | ".join(owns) + " |")
    out.append("|---|" + "---|" * len(owns))
    for p in candidates:
        cells = []
        for table in owns.values():
            mine, near = table[p.label]
            theirs = table.get(old.get(p.genre), (None, None))[0]
            if mine is None:
                cells.append("—")
                continue
            good = near == p.genre and (theirs is None or mine < theirs)
            cells.append(f"{fmt(mine)} / {fmt(theirs)} {'✓' if good else '✗'}")
        out.append(f"| {p.label} | " + " | ".join(cells) + " |")
    out.append("")


def metre_name(quarters):
    return {2: "2/4", 3: "3/4 and 6/8", 4: "4/4 and 2/2"}.get(quarters, f"{quarters} quarters")


def comparison(out, rows, songs, metres, kind):
    """The onset tables (one per metre) and the note-length table, the rows and songs paired as
    `kind` (a key of KINDS) says; returns each table's (JSD to own genre, nearest genre) by row
    label."""
    where, grid, positions = {
        "genre grid": ("each genre at its own grid, on a common axis", f"{FINE}", lambda m: f"{m * FINE}"),
        "row grid": ("the songs at the row's grid", "S", lambda m: f"{m} × S"),
        "fine": (f"everything read at {FINE} steps a quarter", f"{FINE}", lambda m: f"{m * FINE}"),
    }[kind]
    reading = {
        "genre grid": f"the row's tokens (read at its rate S) and each genre's songs read at the genre's own "
                      f"grid (column header), both written in steps of 1/{FINE} quarter",
        "row grid": "row and songs both read at the row's S steps a quarter",
        "fine": f"row and songs both read at {FINE} steps a quarter",
    }[kind]
    owns = {}
    for m in metres:
        owns[f"onset, {m}-beat bars"] = jsd_table(
            out, f"Onset position in the bar, {metre_name(m)}: {where} ({positions(m)} positions)",
            f"Renders at {m} beats a bar against the songs' bars of {m} quarter notes; {reading}; a genre "
            "with no such bars has no value.", rows, songs, kind, lambda r, m=m: r.onset_distribution(m))
    lengths = ("in steps of 1/S quarter, 1 .. 4 × S" if kind == "row grid" else
               f"in twelfths of a quarter, 1 .. {LENGTH_QUARTERS * FINE}")
    scaled = (f"; a render's lengths are read at its rate and scaled by {FINE} / S, so the gate does not count"
              if kind == "fine" else "")
    owns["note length"] = jsd_table(
        out, f"Note length: {where}", f"Pitch token and HOLDs, {lengths} (a whole note and more in the last "
        f"bin), every metre together; {reading}{scaled}.", rows, songs, kind, Rhythm.length_distribution)
    return owns


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
        rows = []
        for player in players:
            print(f"rhythm.py: playing {player.label}", file=sys.stderr)
            steps = player.rate(args.build)
            own, fine = render_rhythms(args.build, player, metres, args.seeds, args.bars, scratch)
            rows.append(Row(player, steps, own, fine))
    songs = {}  # steps a quarter -> genre -> the songs read at that grid
    for steps in sorted({FINE} | set(GENRE_STEPS.values()) | {row.steps for row in rows}):
        songs[steps] = {}
        for g in GENRES:
            print(f"rhythm.py: reading the {g} songs at {steps} steps a quarter", file=sys.stderr)
            songs[steps][g] = song_rhythm(train, corpus_root, g, steps)
    print("\n".join(report(rows, songs, metres, args.seeds, args.bars)))


def report(rows, songs, metres, seeds, bars):
    """The Markdown report: the main comparison, its summary and the repetition, then the two
    secondary comparisons."""
    grids = ", ".join(f"{g} {GENRE_STEPS[g]}" for g in GENRES)
    out = []
    out.append(f"Every row: {seeds} seeds x {bars} bars at T = 1 through the plugin "
               f"(`cantus-render`), in each metre; the songs: every file of the genre's folder, "
               f"both splits, the presets' melody options. Main comparison: each genre is its songs as its "
               f"preset's training data sees them, read at the genre's own grid ({grids} steps a quarter), "
               f"and a row played at S steps a quarter (column S) is its tokens read back at S; both are "
               f"written on one axis of {FINE} steps a quarter (step k of an S grid at {FINE}k/S, a length "
               f"of n steps {FINE}n/S twelfths), so every row, today's presets and new models alike, meets "
               f"the same references. Jensen-Shannon divergence in bits (0: the same distribution, "
               f"1: disjoint); bold: the nearest genre in the row.\n")
    out.append(f"#### The songs' bars (at {FINE} steps a quarter)\n")
    out.append("| genre | grid S | bars | " + " | ".join(metre_name(m) for m in metres) + " | other |")
    out.append("|---|---:|---:|" + "---:|" * (len(metres) + 1))
    for g in GENRES:
        total = sum(songs[FINE][g].bars.values()) or 1
        shares = [songs[FINE][g].bars.get(m * FINE, 0) / total for m in metres]
        out.append(f"| {g} | {GENRE_STEPS[g]} | {total:,} | " + " | ".join(f"{100 * s:.1f} %" for s in shares)
                   + f" | {100 * (1 - sum(shares)):.1f} % |")
    out.append("")
    out.append(f"### Main: each genre at its own grid, on {FINE} steps a quarter\n")
    owns = comparison(out, rows, songs, metres, "genre grid")
    summary(out, rows, owns)

    out.append("#### A bar repeats the onsets of one of the four before it\n")
    out.append("Share of bars (with an onset and four bars before them in the same sequence) whose "
               "onset positions equal one of the four bars before: the row's at its own grid S beside its "
               f"genre's songs at the genre's grid; secondary, at {FINE} steps a quarter, also with every "
               "onset rounded to the nearest sixteenth, beside the songs' same figures.\n")
    out.append(f"| songs | grid S | at S | at {FINE} | at {FINE}, to the sixteenth |")
    out.append("|---|---:|---:|---:|---:|")
    for g in GENRES:
        out.append(f"| {g} songs | {GENRE_STEPS[g]} | {pct(songs[GENRE_STEPS[g]][g].repeat_share())} "
                   f"| {pct(songs[FINE][g].repeat_share())} | {pct(songs[FINE][g].repeat_share(coarse=True))} |")
    out.append("")
    out.append(f"| preset | S | bars counted | repeats at S | its songs at their grid | repeats at {FINE} "
               f"| its songs at {FINE} | to the sixteenth | its songs to the sixteenth |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        g = row.player.genre
        fine = songs[FINE].get(g)
        at_grid = songs[GENRE_STEPS[g]].get(g) if g in GENRE_STEPS else None
        out.append(f"| {row.player.label} | {row.steps} | {row.own.eligible:,} | {pct(row.own.repeat_share())} "
                   f"| {pct(at_grid.repeat_share() if at_grid else None)} | {pct(row.fine.repeat_share())} "
                   f"| {pct(fine.repeat_share() if fine else None)} | {pct(row.fine.repeat_share(coarse=True))} "
                   f"| {pct(fine.repeat_share(coarse=True) if fine else None)} |")
    out.append("")

    out.append("### Secondary: the songs at the row's grid\n")
    out.append("Each row against every genre's songs read at the row's own S (not the genre's), in steps of "
               "that grid. At S = 2 the jazz and game songs are quantised to eighths and look like any "
               "eighth-note melody: a genre's songs here are not what its model learns unless S is its grid. "
               "Not used for the summary.\n")
    comparison(out, rows, songs, metres, "row grid")
    out.append(f"### Secondary: everything at {FINE} steps a quarter\n")
    out.append(f"The same rows and songs, all read at {FINE} steps a quarter. Songs played off any grid keep "
               "their spread onsets here (the jazz transcriptions are not aligned to the MIDI beat), which no "
               "model playing on a grid can match; not used for the summary.\n")
    comparison(out, rows, songs, metres, "fine")
    return out


if __name__ == "__main__":
    main()
