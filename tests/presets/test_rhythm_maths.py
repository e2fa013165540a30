#!/usr/bin/env python3
"""The maths of presets/rhythm.py and presets/grid.py that could be wrong: the Jensen-Shannon
divergence, onsets in the bar and note lengths read from a MIDI file this test writes (through
the built cantus-train, the road the tools take), the repetition count, and the time signatures
grid.py reads from the file itself.

usage: test_rhythm_maths.py CANTUS_TRAIN PRESETS_DIR
"""
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
        records = rhythm.fine_records(TRAIN, [cls.folder], ["--low", "0", "--high", "127"])
        cls.records = records
        cls.rhythm = rhythm.rhythm_of(records)

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
        dist = self.rhythm.onset_distribution(36)
        self.assertAlmostEqual(sum(dist), 1.0, places=12)
        self.assertIsNone(self.rhythm.onset_distribution(48))

    def test_lengths(self):
        expected = sorted(length for pattern in SONG for _, length in pattern)
        got = sorted(n for n, c in self.rhythm.lengths.items() for _ in range(c))
        self.assertEqual(got, expected)

    def test_lengths_at_a_coarser_rate_scale_back(self):
        # At 2 steps a quarter the triplets collide; bar C is straight: 6 and 18 twelfths come
        # back as 1 and 3 steps.
        records = rhythm.fine_records(TRAIN, [self.folder], ["--low", "0", "--high", "127"], steps=2)
        lengths = [n * rhythm.FINE // 2 for n in rhythm.note_lengths(records[0])]
        self.assertEqual(lengths[-3:], [6, 6, 18])  # bar C
        self.assertNotIn("positions", records[0])

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
            records = rhythm.fine_records(TRAIN, [folder], ["--low", "0", "--high", "127"])
            self.assertEqual(rhythm.bars_and_lengths(records[0])[0], [(48, (0,)), (48, (36,))])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=1)
