#!/usr/bin/env python3
"""Writes the fuzz harnesses' seed corpora into fuzz/corpus/<harness>/.

Standard library only (CI has no torch, and these files must not depend on the
code they test): the safetensors files and MIDI files are assembled byte by
byte from their specifications, so a bug in Cantus's own writers cannot hide
in the seeds. Deterministic: the same script writes the same bytes.

    python3 fuzz/make_seeds.py            # rewrites the generated seeds

Seeds fall in two kinds: valid files that reach deep into the parsers (the
fuzzer mutates from there), and near misses that stop at one specific check.
"""
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


# ---------------------------------------------------------------- models


def safetensors(tensors, metadata, pad_header=True):
    """tensors: list of (name, shape, list of floats); F32 little-endian."""
    header = {}
    blob = b""
    for name, shape, values in tensors:
        data = struct.pack("<%df" % len(values), *values)
        header[name] = {
            "dtype": "F32",
            "shape": shape,
            "data_offsets": [len(blob), len(blob) + len(data)],
        }
        blob += data
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad_header:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def lstm_tensors(rng, vocab, hidden, layers, scale=0.5):
    def rand(n):
        return [round(rng.uniform(-scale, scale), 4) for _ in range(n)]

    out = []
    for k in range(layers):
        inputs = vocab if k == 0 else hidden
        out.append(("lstm.weight_ih_l%d" % k, [4 * hidden, inputs], rand(4 * hidden * inputs)))
        out.append(("lstm.weight_hh_l%d" % k, [4 * hidden, hidden], rand(4 * hidden * hidden)))
        out.append(("lstm.bias_ih_l%d" % k, [4 * hidden], rand(4 * hidden)))
        out.append(("lstm.bias_hh_l%d" % k, [4 * hidden], rand(4 * hidden)))
    out.append(("fc.weight", [vocab, hidden], rand(vocab * hidden)))
    out.append(("fc.bias", [vocab], rand(vocab)))
    return out


def cantus_meta(low, high, rest, hold, steps=1, extra=None):
    meta = {
        "cantus.format": "1",
        "cantus.note_low": str(low),
        "cantus.note_high": str(high),
        "cantus.rest_token": str(rest),
        "cantus.hold_token": str(hold),
        "cantus.steps_per_beat": str(steps),
    }
    meta.update(extra or {})
    return meta


def model_seeds():
    rng = random.Random(6)
    seeds = {}
    # The plugin's shape: pitches, then REST and HOLD.
    t = lstm_tensors(rng, 14, 4, 1)
    seeds["rest_hold_v14_h4"] = safetensors(t, cantus_meta(60, 71, 12, 13, extra={"cantus.genre": "fuzz"}))
    # The seed notebook's shape (no REST, no HOLD), two layers.
    t = lstm_tensors(rng, 12, 3, 2)
    seeds["no_rest_v12_h3_l2"] = safetensors(t, cantus_meta(48, 59, -1, -1))
    # REST only, two steps per beat, tensors in an unusual order.
    t = lstm_tensors(rng, 9, 2, 1)
    t.reverse()
    seeds["rest_only_v9_h2"] = safetensors(t, cantus_meta(64, 71, 8, -1, steps=2))
    # A range narrower than an octave; folding pitches must still work.
    t = lstm_tensors(rng, 5, 2, 1)
    seeds["narrow_v5_h2"] = safetensors(t, cantus_meta(60, 62, 3, 4))
    # Large weights: saturated gates, logits far from zero.
    t = lstm_tensors(rng, 6, 2, 1, scale=60.0)
    seeds["saturated_v6_h2"] = safetensors(t, cantus_meta(60, 63, 4, 5))

    # Near misses, each stopping at one check.
    good = lstm_tensors(random.Random(1), 6, 2, 1)
    meta = cantus_meta(60, 63, 4, 5)
    nan = [list(x) for x in good]
    nan[2][2] = nan[2][2][:]
    nan[2][2][0] = float("nan")
    seeds["bad_nan_weight"] = safetensors([tuple(x) for x in nan], meta)
    wrong = [list(x) for x in good]
    wrong[-2][1] = [5, 2]  # fc.weight rows no longer match the vocabulary
    wrong[-2][2] = wrong[-2][2][:10]
    seeds["bad_fc_shape"] = safetensors([tuple(x) for x in wrong], meta)
    seeds["bad_no_metadata"] = safetensors(good, None)
    seeds["bad_rest_out_of_range"] = safetensors(good, cantus_meta(60, 63, 9, 5))
    whole = safetensors(good, meta)
    seeds["bad_truncated"] = whole[: len(whole) - 7]
    seeds["bad_header_length"] = struct.pack("<Q", 1 << 40) + whole[8:]
    header = whole[8 : 8 + struct.unpack("<Q", whole[:8])[0]]
    f16 = header.replace(b'"F32"', b'"F16"', 1)
    seeds["bad_dtype_f16"] = struct.pack("<Q", len(f16)) + f16 + whole[8 + len(header) :]
    overlap = json.loads(header)
    overlap["fc.bias"]["data_offsets"] = overlap["fc.weight"]["data_offsets"][:]
    overlap["fc.bias"]["data_offsets"][1] = overlap["fc.bias"]["data_offsets"][0] + 4 * 6
    text = json.dumps(overlap).encode()
    seeds["bad_overlap"] = struct.pack("<Q", len(text)) + text + whole[8 + len(header) :]
    return {k + ".safetensors": v for k, v in seeds.items()}


# ---------------------------------------------------------------- MIDI


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def chunk(kind, body):
    return kind + struct.pack(">I", len(body)) + body


def track(events):
    """events: list of (delta, bytes); the end-of-track meta is appended."""
    body = b"".join(vlq(d) + e for d, e in events)
    return chunk(b"MTrk", body + b"\x00\xff\x2f\x00")


def header(fmt, ntracks, division):
    return chunk(b"MThd", struct.pack(">HHH", fmt, ntracks, division & 0xFFFF))


def melody(tpq, pitches, channel=0, running=False):
    ev = []
    for p in pitches:
        on = bytes([0x90 | channel, p, 90])
        off = bytes([0x90 | channel, p, 0]) if running else bytes([0x80 | channel, p, 64])
        if running and ev:
            on = on[1:]
            off = off[1:]
        elif running:
            off = off[1:]
        ev.append((0, on))
        ev.append((tpq, off))
    return ev


def midi_seeds():
    seeds = {}
    tempo = (0, b"\xff\x51\x03\x07\xa1\x20")  # 120 BPM
    meter = (0, b"\xff\x58\x04\x06\x03\x18\x08")  # 6/8
    seeds["fmt0_96tpq"] = header(0, 1, 96) + track([tempo] + melody(96, [60, 62, 64, 65, 67]))
    seeds["fmt0_running_status"] = header(0, 1, 480) + track(melody(480, [67, 69, 71, 72], running=True))
    seeds["fmt1_tempo_meter_drums"] = (
        header(1, 3, 960)
        + track([tempo, meter, (1920, b"\xff\x51\x03\x09\x27\xc0")])
        + track(melody(960, [72, 74, 76, 77, 79, 81]))
        + track(melody(960, [36, 38, 36, 38], channel=9))
    )
    seeds["fmt1_overlap_sysex"] = (
        header(1, 2, 27720)
        + track([tempo])
        + track(
            [
                (0, b"\xf0\x05\x7e\x7f\x09\x01\xf7"),
                (0, b"\x90\x3c\x50"),
                (100, b"\x90\x40\x50"),
                (27720, b"\x80\x3c\x00"),
                (10, b"\xff\x03\x04name"),
                (0, b"\xb0\x07\x64"),
                (0, b"\xc0\x05"),
                (0, b"\xe0\x00\x40"),
                (13860, b"\x80\x40\x00"),
            ]
        )
    )
    seeds["smpte_division"] = header(0, 1, 0xE728) + track(melody(40, [60, 64]))
    seeds["unknown_chunk"] = (
        header(0, 1, 96) + chunk(b"XFIH", b"\x00" * 6) + track(melody(96, [60, 61]))
    )
    whole = header(1, 2, 96) + track([tempo]) + track(melody(96, [60, 62, 64]))
    seeds["bad_truncated"] = whole[:-9]
    seeds["bad_track_length"] = whole[:22] + b"\x7f\xff\xff\xff" + whole[26:]
    seeds["bad_more_tracks_than_chunks"] = header(1, 9, 96) + track(melody(96, [60]))
    seeds["bad_vlq_overlong"] = header(0, 1, 96) + chunk(
        b"MTrk", b"\xff\xff\xff\xff\xff\x90\x3c\x40\x00\xff\x2f\x00"
    )
    seeds["bad_sysex_length"] = header(0, 1, 96) + chunk(b"MTrk", b"\x00\xf0\xff\xff\xff\x7f\x01")
    seeds["bad_data_without_status"] = header(0, 1, 96) + chunk(b"MTrk", b"\x00\x3c\x40\x00\xff\x2f\x00")
    return {k + ".mid": v for k, v in seeds.items()}


# ---------------------------------------------------------------- run() streams
#
# The byte language fuzz/fuzz_run.c decodes (its comment is the reference):
#   config byte; then ops until the bytes run out:
#   op 0 RUN   size:u16 nevents:u8 then per event: kind:u8 gap:u8 body
#   op 1 CTRL  port:u8 sel:u8 (top bit: value:f32 follows)
#   op 2 ACTIVE toggle
#   op 3 DELAY cycles:u8 (the worker answers this many cycles late)
#   op 4 PRESET index:u8
#   op 5 PANIC


def run_seeds():
    def run(size, events=b"", n=0):
        return b"\x00" + struct.pack("<H", size) + bytes([n]) + events

    def ctrl(port, value):
        # sel with its top bit set: the 4 raw bytes of a float follow
        return b"\x01" + bytes([port, 0x80]) + struct.pack("<f", value)

    def number(ty, v):
        # 0 Int, 1 Long, 2 Float (from a double), 3 Double: 8 value bytes
        if ty == 0:
            return struct.pack("<iI", int(v), 0)
        if ty == 1:
            return struct.pack("<q", int(v))
        return struct.pack("<d", v)

    def position(gap, fields, values):
        # kind 0: field mask, then per set field a type byte and 8 value bytes
        body = bytes([fields])
        for ty, v in values:
            body += bytes([ty]) + number(ty, v)
        return bytes([0, gap]) + body

    def midi(gap, msg):
        return bytes([1, gap, len(msg)]) + msg

    def patch_set(gap, which):
        return bytes([2, gap, which])

    def patch_get(gap, which):
        return bytes([3, gap, which])

    rolling = position(0, 0x3F, [(3, 1.0), (3, 120.0), (1, 0.0), (3, 0.0), (3, 4.0), (1, 0.0)])
    seeds = {}
    seeds["rolling_512"] = b"\x01" + run(512, rolling, 1) + run(512) * 40
    seeds["tempo_change_mid_cycle"] = (
        b"\x01"
        + run(1024, rolling, 1)
        + run(1024, position(200, 0x02, [(2, 93.5)]), 1) * 8
        + run(4096) * 6
    )
    seeds["stop_relocate"] = (
        b"\x01"
        + run(256, rolling, 1)
        + run(256) * 30
        + run(256, position(10, 0x01, [(3, 0.0)]), 1)
        + run(256, position(0, 0x25, [(3, 1.0), (3, 17.0), (1, 999999.0)]), 1)
        + run(256) * 30
    )
    seeds["model_swaps"] = (
        b"\x01"
        + run(64, rolling + patch_set(1, 0), 2)
        + run(64, patch_set(0, 1), 1)
        + run(64, patch_set(0, 2), 1)
        + b"\x03\x05"
        + run(64, patch_set(0, 0) + patch_get(3, 0), 2)
        + run(64) * 12
    )
    seeds["controls_nan_inf"] = (
        b"\x01"
        + ctrl(0, float("nan"))
        + ctrl(1, float("inf"))
        + ctrl(2, -1e30)
        + ctrl(5, 0.0)
        + run(8192, rolling, 1)
        + run(8192) * 4
    )
    seeds["midi_in_follow"] = (
        b"\x01"
        + run(512, rolling + midi(5, b"\x90\x3c\x64") + midi(100, b"\x80\x3c\x00"), 3)
        + run(512) * 8
    )
    seeds["rolling_long_rate4"] = (
        b"\x03" + ctrl(5, 4.0) + ctrl(10, 0.0) + run(8192, rolling, 1) + run(8192) * 36
    )
    # accent, humanize and swing (ports 16, 17, 18 of fuzz_run's table) in
    # 3/4 at rate 3, swing moved mid-roll and set to NaN and infinity.
    waltz = position(0, 0x3F, [(3, 1.0), (3, 137.0), (1, 5.0), (3, 1.5), (3, 3.0), (1, 0.0)])
    seeds["swing_accent_humanize"] = (
        b"\x03"
        + ctrl(5, 3.0)
        + ctrl(10, 0.0)
        + ctrl(16, 100.0)
        + ctrl(17, 60.0)
        + ctrl(18, 66.0)
        + run(333, waltz, 1)
        + run(333) * 20
        + ctrl(18, 75.0)
        + run(64) * 40
        + ctrl(18, float("nan"))
        + run(1000, position(90, 0x02, [(2, 61.0)]), 1) * 6
        + ctrl(18, float("inf"))
        + ctrl(16, -float("inf"))
        + run(4096) * 8
    )
    seeds["no_position_fallback"] = b"\x01" + run(2048) * 30
    seeds["zero_and_odd_cycles"] = b"\x01" + run(0) + run(1) + run(7) + run(8191) + b"\x02" + run(3) + b"\x02" + run(300)
    return {k + ".bin": v for k, v in seeds.items()}


def write(folder, files):
    path = os.path.join(CORPUS, folder)
    os.makedirs(path, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    print("%-6s %d seeds" % (folder, len(files)))


def main():
    write("model", model_seeds())
    write("midi", midi_seeds())
    write("run", run_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
