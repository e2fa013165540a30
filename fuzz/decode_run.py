#!/usr/bin/env python3
"""Prints a fuzz_run input (fuzz/fuzz_run.c's byte language) as readable ops,
for reading a crash: python3 fuzz/decode_run.py crash-...  """
import struct
import sys

CONTROLS = ["temperature", "seed", "gate", "velocity", "channel", "rate", "note_low", "note_high",
            "key", "scale", "rests", "phrase_bars", "fallback_bpm", "follow", "enable", "panic",
            "transpose", "accent", "humanize", "swing", "harmony"]
KEYS = ["speed", "bpm", "bar", "barBeat", "beatsPerBar", "frame", "beatUnit", "beat"]
TYPES = ["Int", "Long", "Float", "Double", "Bool", "String", "random-type"]
RATES = [44100, 48000, 96000, 22050]


class Reader:
    def __init__(self, data):
        self.d, self.i = data, 0

    def left(self):
        return len(self.d) - self.i

    def take(self, n):
        b = self.d[self.i:self.i + n]
        self.i += len(b)
        return b.ljust(n, b"\0")

    def u8(self):
        return self.take(1)[0] if self.left() else 0


def value(ty, raw):
    if ty == 0:
        return struct.unpack("<i", raw[:4])[0]
    if ty == 1:
        return struct.unpack("<q", raw)[0]
    if ty in (2, 3):
        return struct.unpack("<d", raw)[0]
    if ty == 4:
        return struct.unpack("<i", raw[:4])[0] != 0
    return raw.hex()


def main(path):
    r = Reader(open(path, "rb").read())
    config = r.u8()
    print("config: activate=%d rate=%d" % (config & 1, RATES[(config >> 1) & 3]))
    ops = 0
    while r.left() and ops < 400:
        ops += 1
        op = r.u8() % 6
        if op == 0:
            size = struct.unpack("<H", r.take(2))[0] % 8193
            n = r.u8() % 9
            print("RUN %d frames, %d events" % (size, n))
            off = 0
            for _ in range(n):
                kind, gap = r.u8() % 5, r.u8()
                off += gap * size // 256
                off = min(off, size - 1) if size else 0
                if kind == 0:
                    mask = r.u8()
                    fields = []
                    for b in range(8):
                        if mask & (1 << b):
                            ty = r.u8() % 7
                            fields.append("%s=%s:%r" % (KEYS[b], TYPES[ty], value(ty, r.take(8))))
                    print("   +%d Position %s" % (off, " ".join(fields)))
                elif kind == 1:
                    n_bytes = r.u8() % 9
                    print("   +%d MIDI %s" % (off, r.take(n_bytes).hex(" ")))
                elif kind == 2:
                    print("   +%d patch:Set how=0x%02x" % (off, r.u8()))
                elif kind == 3:
                    print("   +%d patch:Get how=%d" % (off, r.u8() % 3))
                else:
                    ty, ln = r.u8(), r.u8()
                    print("   +%d atom type#%d %d bytes" % (off, ty % 8, len(r.take(ln))))
        elif op == 1:
            port, sel = r.u8() % len(CONTROLS), r.u8()
            v = struct.unpack("<f", r.take(4))[0] if sel & 0x80 else "table[%d]" % sel
            print("CONTROL %s = %s" % (CONTROLS[port], v))
        elif op == 2:
            print("ACTIVATE/DEACTIVATE toggle")
        elif op == 3:
            print("WORKER DELAY %d" % (r.u8() % 6))
        elif op == 4:
            print("PRESET %d" % r.u8())
        else:
            print("PANIC")


if __name__ == "__main__":
    main(sys.argv[1])
