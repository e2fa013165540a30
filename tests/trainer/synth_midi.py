"""Small MIDI files for the PyTorch road's test and benchmark, written with
struct alone (the Python side has no MIDI library to lean on)."""
import os
import struct


def vlq(n):
    out = [n & 0x7F]
    while n > 127:
        n >>= 7
        out.insert(0, (n & 0x7F) | 0x80)
    return bytes(out)


def write_midi(path, notes, ppqn=96, meter=None):
    """notes: (pitch, start beat, beats) on one track, format 0; meter
    (numerator, denominator), e.g. (6, 8): a time signature at tick 0
    (none: MIDI's 4/4)."""
    events = []
    if meter:
        num, den = meter
        events.append((0, -1, bytes([0xFF, 0x58, 4, num, den.bit_length() - 1, 24, 8])))
    for pitch, start, length in notes:
        events.append((int(start * ppqn), 1, bytes([0x90, pitch, 90])))
        events.append((int((start + length) * ppqn) - 6, 0, bytes([0x80, pitch, 0])))
    events.sort()
    track, now = b"", 0
    for tick, _, data in events:
        track += vlq(tick - now) + data
        now = tick
    track += b"\x00\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, ppqn))
        f.write(b"MTrk" + struct.pack(">I", len(track)) + track)


def write_corpus(folder, files=24, beats=48, meters=None):
    """Scale and arpeggio patterns from each file's own phase, some notes held
    two beats and some rests, so every kind of token occurs. meters: time
    signatures given to the files in turn (None in the list: no signature)."""
    shapes = [[0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2], [0, 4, 7, 12, 7, 4]]
    os.makedirs(folder)
    for f in range(files):
        shape, base = shapes[f % 2], 57 + (f * 5) % 12
        notes, beat, k = [], 0, f
        while beat < beats:
            length = 2 if k % 7 == 3 else 1
            if k % 11 != 5:  # a rest otherwise
                notes.append((base + shape[k % len(shape)], beat, length))
            beat += length
            k += 1
        meter = meters[f % len(meters)] if meters else None
        write_midi(os.path.join(folder, f"song{f:02d}.mid"), notes, meter=meter)
