#!/usr/bin/env python3
"""The maths of presets/rhythm.py and presets/grid.py that could be wrong: the Jensen-Shannon
divergence, onsets in the bar and note lengths read from a MIDI file this test writes (through
the built cantus-train, the road the tools take) at 12 steps a quarter and at a model's own
grid, the repetition count, a row compared with songs at its own grid where the 12-a-quarter
comparison says otherwise, a row compared with each genre's songs at the genre's grid on the
common 12-a-quarter axis where both others say otherwise, and the time signatures grid.py reads
from the file itself.

usage: test_rhythm_maths.py CANTUS_TRAIN PRESETS_DIR
"""
import json
import os
import struct
import sys
import tempfile
import unittest

TRAIN, PRESETS = sys.argv[1], sys.argv[2]
sys.path.insert(0, PRESETS)
import grid  # noqa: E402
import rhythm  # noqa: E402

DIVISION = 96  # ticks a quarter: 8 a twelfth of a quarter


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.insert(0, 0x80 | (n & 0x7F))
        n >>= 7
    return bytes(out)


def smf(notes, numerator=None, denominator_power=None):
    """A format 0 file: one time signature at tick 0 (or none), then (start twelfth, length
    twelfths, pitch)."""
    events = []
    if numerator:
        events.append((0, b"\xff\x58\x04" + bytes([numerator, denominator_power, 24, 8])))
    for start, length, pitch in notes:
        events.append((start * 8, bytes([0x90, pitch, 100])))
        events.append(((start + length) * 8, bytes([0x80, pitch, 0])))
    events.sort(key=lambda e: (e[0], e[1][0] == 0x90))  # note-offs before note-ons at a tick
    track = b""
    now = 0
    for tick, data in events:
        track += vlq(tick - now) + data
        now = tick
    track += b"\x00\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, DIVISION)
            + b"MTrk" + struct.pack(">I", len(track)) + track)


# Bars of 3/4 (36 twelfths): pattern A is a quarter, two eighths and a triplet of eighths;
# B holds a rest (18..24), a rest ends C (30..36), so the song's last bar is cut short.
A = [(0, 12), (12, 6), (18, 6), (24, 4), (28, 4), (32, 4)]
B = [(0, 18), (24, 12)]
C = [(0, 6), (6, 6), (12, 18)]
SONG = [A, A, B, A, A, C]


def song_folders(parent, songs):
    """name -> folder under parent holding one 4/4 song name.mid of those notes, for each of
    songs (name -> notes)."""
    folders = {}
    for name, notes in songs:
        folder = os.path.join(parent, name)
        os.mkdir(folder)
        with open(os.path.join(folder, name + ".mid"), "wb") as f:
            f.write(smf(notes, 4, 2))
        folders[name] = folder
    return folders


def song_notes():
    notes = []
    for bar, pattern in enumerate(SONG):
        for k, (start, length) in enumerate(pattern):
            notes.append((bar * 36 + start, length, 60 + k))
    return notes


class Jsd(unittest.TestCase):
    def test_equal_is_zero(self):
        self.assertAlmostEqual(rhythm.jsd([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 0.0, places=12)

    def test_disjoint_is_one_bit(self):
        self.assertAlmostEqual(rhythm.jsd([0.5, 0.5, 0, 0], [0, 0, 0.25, 0.75]), 1.0, places=12)

    def test_symmetric_and_between(self):
        p, q = [0.7, 0.2, 0.1], [0.1, 0.3, 0.6]
        self.assertAlmostEqual(rhythm.jsd(p, q), rhythm.jsd(q, p), places=12)
        self.assertTrue(0.0 < rhythm.jsd(p, q) < 1.0)
        # By hand: m = (0.4, 0.25, 0.35)
        kl = lambda a, m: sum(x * __import__("math").log2(x / y) for x, y in zip(a, m))  # noqa: E731
        m = [0.4, 0.25, 0.35]
        self.assertAlmostEqual(rhythm.jsd(p, q), (kl(p, m) + kl(q, m)) / 2, places=12)


class Repetition(unittest.TestCase):
    def test_window_of_four(self):
        a, b, c, d, e, f = ((36, (0,)), (36, (0, 12)), (36, (0, 24)), (36, (6,)), (36, (30,)), (36, (18,)))
        empty = (36, ())
        bars = [a, b, c, d, e,  # e: new, counts, does not repeat
                a,  # a again, but five bars back: no
                c,  # c four bars back: repeats
                empty,  # no onset: does not count
                f, f,  # f new; then f right before: repeats
                (24, (0,))]  # same onsets as a, another bar length: no
        self.assertEqual(rhythm.repetition(bars), (6, 2))

    def test_fewer_than_four_before_do_not_count(self):
        self.assertEqual(rhythm.repetition([(36, (0,))] * 4), (0, 0))
        self.assertEqual(rhythm.repetition([(36, (0,))] * 5), (1, 1))

    def test_coarser_rounds_to_the_sixteenth(self):
        # 12ths to sixteenths (3 twelfths): 1 -> 0, 2 -> 1, 5 -> 2, 47 -> 16 stays 15 (the bar's last)
        self.assertEqual(rhythm.coarser([(48, (0, 1, 2, 5, 47))], 3), [(48, (0, 1, 2, 15))])


class FromMidi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cantus-rhythm-test-")
        cls.folder = cls.tmp.name
        with open(os.path.join(cls.folder, "song.mid"), "wb") as f:
            f.write(smf(song_notes(), 6, 3))  # 6/8: three quarters a bar, as 3/4
        records = rhythm.records(TRAIN, [cls.folder], rhythm.EVERY_NOTE, rhythm.FINE)
        cls.records = records
        cls.rhythm = rhythm.rhythm_of(records, rhythm.FINE)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_bars_and_onsets(self):
        self.assertEqual(len(self.records), 1)
        bars, _ = rhythm.bars_and_lengths(self.records[0])
        expected = [(36, tuple(start for start, _ in pattern)) for pattern in SONG]
        self.assertEqual(bars, expected)
        self.assertEqual(dict(self.rhythm.bars), {36: 6})
        # Position 0 in every bar, 24 in A (4 times) and B, 12 in A, B ... as counted by hand
        counts = self.rhythm.onsets[36]
        self.assertEqual(counts[0], 6)
        self.assertEqual(counts[24], 5)
        self.assertEqual(counts[12], 5)
        self.assertEqual(counts[6], 1)
        self.assertEqual(sum(counts.values()), sum(len(p) for p in SONG))
        dist = self.rhythm.onset_distribution(3)  # three quarters: 36 twelfths
        self.assertAlmostEqual(sum(dist), 1.0, places=12)
        self.assertIsNone(self.rhythm.onset_distribution(4))

    def test_lengths(self):
        expected = sorted(length for pattern in SONG for _, length in pattern)
        got = sorted(n for n, c in self.rhythm.lengths.items() for _ in range(c))
        self.assertEqual(got, expected)

    def test_at_a_models_own_grid(self):
        # At 4 steps a quarter (3 twelfths a step) a 6/8 bar is 12 steps. A's triplet (24, 28,
        # 32 twelfths = 8, 9.33, 10.67 steps) lands on steps 8, 9 and 11; B's half-bar rest keeps
        # its notes at 0 and 8; C is straight.
        at4 = rhythm.folder_rhythm(TRAIN, [self.folder], rhythm.EVERY_NOTE, 4)
        bars, lengths = rhythm.bars_and_lengths(rhythm.records(TRAIN, [self.folder], rhythm.EVERY_NOTE, 4)[0])
        a, b, c = (0, 4, 6, 8, 9, 11), (0, 8), (0, 2, 4)
        self.assertEqual(bars, [(12, a), (12, a), (12, b), (12, a), (12, a), (12, c)])
        self.assertEqual(lengths, [4, 2, 2, 1, 2, 1] * 2 + [6, 4] + [4, 2, 2, 1, 2, 1] * 2 + [2, 2, 6])
        self.assertEqual(dict(at4.bars), {12: 6})
        dist = at4.onset_distribution(3)  # three quarters: 12 positions
        self.assertEqual(len(dist), 12)
        self.assertAlmostEqual(dist[8], 5 / 29, places=12)
        self.assertEqual(at4.length_clip(), 16)
        self.assertEqual((at4.eligible, at4.repeated), (2, 1))
        self.assertEqual(at4.repeat_share(coarse=True), at4.repeat_share())  # a step is a sixteenth
        self.assertIsNone(rhythm.Rhythm(2).repeat_share(coarse=True))  # no sixteenths at 2

    def test_lengths_at_a_coarser_rate_scale_back(self):
        # At 2 steps a quarter the triplets collide; bar C is straight: 6 and 18 twelfths come
        # back as 1 and 3 steps, and as 6 and 18 on the 12-a-quarter reading of a played file.
        own, fine = rhythm.played_rhythms(TRAIN, self.folder, 2)
        records = rhythm.records(TRAIN, [self.folder], rhythm.EVERY_NOTE, 2)
        self.assertEqual(rhythm.note_lengths(records[0])[-3:], [1, 1, 3])  # bar C
        self.assertEqual(own.steps, 2)
        self.assertEqual(sum(own.lengths.values()), sum(fine.lengths.values()))
        for n, count in own.lengths.items():
            self.assertEqual(fine.lengths[n * 6], count)
        self.assertEqual(dict(fine.bars), {36: 6})  # fine onsets read at 12 a quarter
        self.assertEqual(dict(own.bars), {6: 6})

    def test_repetition_from_the_file(self):
        # A A B A A C: bar 4 (A) repeats, bar 5 (C) does not.
        self.assertEqual((self.rhythm.eligible, self.rhythm.repeated), (2, 1))

    def test_time_signatures(self):
        division, signatures, end = grid.time_signatures(os.path.join(self.folder, "song.mid"))
        self.assertEqual(division, DIVISION)
        self.assertEqual(signatures, [(0, 6, 8)])
        self.assertEqual(end, (5 * 36 + 30) * 8)
        bars, off_step = grid.signature_bars(self.folder, 4)
        self.assertEqual(dict(bars), {"6/8": 6})
        self.assertEqual(off_step, 0)

    def test_no_time_signature_is_four_four(self):
        with tempfile.TemporaryDirectory(prefix="cantus-rhythm-test-") as folder:
            path = os.path.join(folder, "plain.mid")
            with open(path, "wb") as f:
                f.write(smf([(0, 12, 60), (12 * 7, 12, 62)]))  # two quarters, 8 quarters long
            self.assertEqual(grid.time_signatures(path)[1], [(0, 4, 4)])
            self.assertEqual(dict(grid.signature_bars(folder, 4)[0]), {"4/4": 2})
            records = rhythm.records(TRAIN, [folder], rhythm.EVERY_NOTE, rhythm.FINE)
            self.assertEqual(rhythm.bars_and_lengths(records[0])[0], [(48, (0,)), (48, (36,))])


class OwnGrid(unittest.TestCase):
    """A row played at 2 steps a quarter in quarter notes; genre "late" plays the same quarters a
    twelfth of a quarter late (off the MIDI beat, as the jazz transcriptions), genre "halves"
    plays half notes on the beat. At 12 steps a quarter the late onsets miss the row's entirely
    and the half notes are nearer; at the row's own grid the late quarters are quantised onto
    its steps and are the same rhythm."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cantus-rhythm-test-")
        bars = 8
        cls.folders = song_folders(cls.tmp.name, [
            ("played", [(12 * k, 12, 60) for k in range(4 * bars)]),
            ("late", [(12 * k + 1, 11, 60) for k in range(4 * bars)]),
            ("halves", [(24 * k, 24, 60) for k in range(2 * bars)])])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def songs_at(self, steps):
        read = {g: rhythm.folder_rhythm(TRAIN, [self.folders[name]], rhythm.EVERY_NOTE, steps)
                for g, name in (("folk", "late"), ("jazz", "halves"))}
        empty = {g: rhythm.Rhythm(steps) for g in rhythm.GENRES if g not in read}
        return dict(read, **empty)

    def test_own_grid_and_twelve_disagree(self):
        own, fine = rhythm.played_rhythms(TRAIN, self.folders["played"], 2)
        self.assertEqual(dict(own.onsets[8]), {0: 8, 2: 8, 4: 8, 6: 8})
        row = rhythm.Row(rhythm.Player("quarters", "folk"), 2, own, fine)
        songs = {2: self.songs_at(2), rhythm.FINE: self.songs_at(rhythm.FINE)}
        self.assertEqual(dict(songs[2]["folk"].onsets[8]), {0: 8, 2: 8, 4: 8, 6: 8})
        self.assertEqual(dict(songs[rhythm.FINE]["folk"].onsets[48]), {1: 8, 13: 8, 25: 8, 37: 8})
        out = []
        at_own = rhythm.comparison(out, [row], songs, [4], "row grid")["onset, 4-beat bars"]["quarters"]
        at_twelve = rhythm.comparison(out, [row], songs, [4], "fine")["onset, 4-beat bars"]["quarters"]
        self.assertEqual(at_own[1], "folk")
        self.assertAlmostEqual(at_own[0], 0.0, places=12)
        self.assertEqual(at_twelve[1], "jazz")
        self.assertAlmostEqual(at_twelve[0], 1.0, places=12)  # disjoint onsets
        # Against the half notes: 1/4 of the mass on each of 4 positions against 1/2 on 2 of them
        halves = rhythm.jsd([0.25] * 4, [0.5, 0, 0.5, 0])
        self.assertAlmostEqual(rhythm.nearest(own.onset_distribution(4),
                                              {"h": songs[2]["jazz"].onset_distribution(4)})[0]["h"], halves,
                               places=12)
        self.assertTrue(any("| quarters | 2 |" in line for line in out))
        self.assertTrue(any(f"| quarters | {rhythm.FINE} |" in line for line in out))


class GenreGrid(unittest.TestCase):
    """The main comparison: each genre's songs read at the genre's own grid (folk at 2 steps a
    quarter, jazz at 4), written on 12 steps a quarter beside the row's tokens. A row plays
    straight eighths at rate 4; "folk" songs are straight sixteenths, which folk's grid of
    eighths reads as straight eighths (two onsets in one step keep one); "jazz" songs are
    eighths with a sixteenth more in each bar. Read at the row's grid or at 12 the sixteenths
    are far from the eighths and jazz is nearer; as each genre's model learns them, folk's
    songs are the row's rhythm exactly."""

    BARS = 8

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cantus-rhythm-test-")
        bar = 48
        eighths = [(bar * b + 6 * k, 6, 60) for b in range(cls.BARS) for k in range(8)]
        # The last sixteenth of a bar rounds onto the next downbeat at 2 a quarter, where the next
        # bar's first note already is; the song's last bar stops a sixteenth early to end there.
        sixteenths = [(bar * b + 3 * k, 3, 60) for b in range(cls.BARS) for k in range(16)][:-1]
        one_more = [(bar * b + start, length, 60) for b in range(cls.BARS)
                    for start, length in [(0, 3), (3, 3)] + [(6 * k, 6) for k in range(1, 8)]]
        cls.folders = song_folders(cls.tmp.name, [("played", eighths), ("sixteenths", sixteenths),
                                                  ("one_more", one_more)])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def songs(self):
        """steps a quarter -> genre -> songs, for every grid the three comparisons read."""
        out = {}
        for steps in (2, 4, rhythm.FINE):
            read = {g: rhythm.folder_rhythm(TRAIN, [self.folders[name]], rhythm.EVERY_NOTE, steps)
                    for g, name in (("folk", "sixteenths"), ("jazz", "one_more"))}
            out[steps] = dict(read, **{g: rhythm.Rhythm(steps) for g in rhythm.GENRES if g not in read})
        return out

    def test_the_genres_grids(self):
        self.assertEqual(rhythm.GENRE_STEPS, {"folk": 2, "baroque": 2, "jazz": 4, "game": 4})
        self.assertIs(grid.GENRE_STEPS, rhythm.GENRE_STEPS)

    def test_on_the_common_axis(self):
        songs = self.songs()
        folk = songs[2]["folk"]
        self.assertEqual(dict(folk.onsets[8]), {k: self.BARS for k in range(8)})  # sixteenths kept as eighths
        common = folk.on_common_axis()
        self.assertEqual(common.steps, rhythm.FINE)
        self.assertEqual(dict(common.onsets[48]), {6 * k: self.BARS for k in range(8)})
        self.assertEqual(dict(common.bars), {48: self.BARS})
        self.assertEqual(set(common.lengths), {6 * n for n in folk.lengths})
        self.assertEqual(sum(common.lengths.values()), sum(folk.lengths.values()))
        self.assertEqual((common.eligible, common.repeated), (folk.eligible, folk.repeated))
        # A whole note and more stay in the last bin: 5 steps at 1 a quarter are 60 twelfths
        whole = rhythm.Rhythm(1)
        whole.add_lengths([5, 1])
        self.assertEqual(dict(whole.on_common_axis().lengths), {48: 1, 12: 1})
        with self.assertRaises(ValueError):
            rhythm.Rhythm(5).on_common_axis()

    def test_genre_grid_differs_from_row_grid_and_twelve(self):
        own, fine = rhythm.played_rhythms(TRAIN, self.folders["played"], 4)
        self.assertEqual(dict(own.onsets[16]), {2 * k: self.BARS for k in range(8)})
        row = rhythm.Row(rhythm.Player("eighths", "folk"), 4, own, fine)
        songs = self.songs()
        out = []
        tables = {kind: rhythm.comparison(out, [row], songs, [4], kind) for kind in rhythm.KINDS}
        onset = {kind: t["onset, 4-beat bars"]["eighths"] for kind, t in tables.items()}
        length = {kind: t["note length"]["eighths"] for kind, t in tables.items()}
        self.assertEqual(onset["genre grid"][1], "folk")
        self.assertAlmostEqual(onset["genre grid"][0], 0.0, places=12)
        self.assertEqual(length["genre grid"], (0.0, "folk"))
        for kind in ("row grid", "fine"):
            self.assertEqual(onset[kind][1], "jazz", kind)
            self.assertEqual(length[kind][1], "jazz", kind)
        # At the row's grid: eighths (8 of 16 positions) against sixteenths (all 16, the last
        # bar's last missing), by hand
        sixteenths = [8 / 127] * 15 + [7 / 127]
        self.assertAlmostEqual(onset["row grid"][0], rhythm.jsd([1 / 8, 0] * 8, sixteenths), places=12)
        self.assertTrue(0.3 < onset["row grid"][0] < 0.32)
        self.assertAlmostEqual(onset["fine"][0], onset["row grid"][0], places=12)
        self.assertTrue(any("| folk (S 2) | baroque (S 2) | jazz (S 4) | game (S 4) |" in line for line in out))
        self.assertTrue(any(line.startswith("| eighths | 4 | **0.0000** |") for line in out))


class RatePlayed(unittest.TestCase):
    """A model is played and read at the TTL's rate, or at its own steps a beat when the TTL
    sets none or 0 ("as trained"), and the plugin is told that rate."""

    def test_rate(self):
        with tempfile.TemporaryDirectory(prefix="cantus-rhythm-test-") as folder:
            model = os.path.join(folder, "m.safetensors")
            header = json.dumps({"__metadata__": {"cantus.steps_per_beat": "3"}}).encode()
            with open(model, "wb") as f:
                f.write(struct.pack("<Q", len(header)) + header)
            self.assertEqual(rhythm.rate_played({}, model), 3)
            self.assertEqual(rhythm.rate_played({"rate": "0"}, model), 3)
            self.assertEqual(rhythm.rate_played({"rate": "2"}, model), 2)
            player = rhythm.Player("m", "folk", model=model, controls={"rate": "0", "gate": "80"})
            self.assertEqual(player.rate("unused"), 3)
            self.assertIn("rate=3", player.render_args())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=1)
