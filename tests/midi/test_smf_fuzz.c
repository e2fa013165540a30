/* libsmf 1.3 reads past its buffer on truncated or corrupt files; the
 * checker in front of it must stop every such file. This feeds the reader a
 * copy of test files cut at every byte offset, thousands of randomly
 * corrupted copies (fixed seed) and random garbage, each in a buffer of its
 * exact size (so ASan sees any read past the end): each must be read or
 * rejected with a reason, and never rejected by libsmf itself (which would
 * mean the checker let through something libsmf trips on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <smf.h>

#include "midi_fixture.h"
#include "midi/midi_read.h"
#include "midi/smf_check.h"

#define CORRUPT_COPIES 20000
#define GARBAGE_COPIES 10000

typedef struct {
    long read, rejected;
} Counts;

/* xorshift64*: the test's own fixed-seed stream. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint32_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static void feed(const uint8_t *bytes, size_t size, Counts *counts, const char *what, size_t at)
{
    uint8_t *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    if (size) memcpy(copy, bytes, size);
    MidiSong song;
    char reason[MIDI_REASON_SIZE] = "";
    if (midi_read_memory(copy, size, &song, reason, sizeof reason) == 0) {
        for (int i = 0; i < song.n_notes; i++) {
            const MidiNote *n = &song.notes[i];
            assert_true(n->pitch >= 0 && n->pitch <= 127);
            assert_true(n->channel >= 0 && n->channel <= 15 && n->channel != 9);
            assert_true(n->end >= n->start && n->start >= 0);
            assert_true(n->track >= 0 && n->track < song.n_tracks);
        }
        assert_true(song.ppqn > 0);
        midi_song_free(&song);
        counts->read++;
        /* The canonical copy is a fixed point: checked again, it comes back
         * byte for byte, so "canonical" means one thing. */
        uint8_t *clean, *again;
        size_t clean_size, again_size;
        assert_int_equal(smf_check(copy, size, &clean, &clean_size, reason, sizeof reason), 0);
        assert_int_equal(smf_check(clean, clean_size, &again, &again_size, reason, sizeof reason),
                         0);
        assert_int_equal(again_size, clean_size);
        assert_memory_equal(again, clean, clean_size);
        free(clean);
        free(again);
    } else {
        if (reason[0] == '\0') fail_msg("%s %zu: rejected without a reason", what, at);
        if (!strncmp(reason, "libsmf", 6))
            fail_msg("%s %zu: the checker passed bytes libsmf refused: %s", what, at, reason);
        counts->rejected++;
    }
    free(copy);
}

/* A file exercising what libsmf does not write itself: running status
 * (also after a meta event), sysex (F0 and F7), a text longer than 127 bytes
 * (two-byte length), an unknown meta, an alien chunk, a header longer than 6
 * bytes and a track without end-of-track. */
static uint8_t *hand_made(size_t *size)
{
    static uint8_t b[1024];
    size_t n = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        const uint8_t bytes_[] = {__VA_ARGS__};                                                    \
        memcpy(b + n, bytes_, sizeof bytes_);                                                      \
        n += sizeof bytes_;                                                                        \
    } while (0)
    PUT('M', 'T', 'h', 'd', 0, 0, 0, 8, 0, 1, 0, 2, 0x01, 0xe0, 0xab, 0xcd);
    PUT('X', 'y', 'z', 'w', 0, 0, 0, 3, 1, 2, 3); /* alien chunk */
    size_t track1 = n;
    PUT('M', 'T', 'r', 'k', 0, 0, 0, 0);
    PUT(0x00, 0xff, 0x03, 0x81, 0x08); /* a track name of 136 bytes */
    for (int i = 0; i < 136; i++)
        b[n++] = (uint8_t)('a' + i % 26);
    PUT(0x00, 0xf0, 0x05, 0x7e, 0x7f, 0x09, 0x01, 0xf7);     /* GM on */
    PUT(0x00, 0x90, 60, 100, 0x60, 62, 100, 0x60, 60, 0);    /* running status */
    PUT(0x00, 0xff, 0x7f, 0x02, 0x00, 0x01);                 /* sequencer-specific meta */
    PUT(0x00, 64, 100, 0x60, 62, 0, 0x00, 0xf7, 0x02, 1, 2); /* running status after meta; F7 */
    PUT(0x81, 0x40, 0xb0, 7, 100, 0x00, 0xc0, 5, 0x00, 0xe0, 0, 64);
    PUT(0x60, 0x80, 64, 0, 0x00, 0xff, 0x2f, 0x00);
    uint32_t length = (uint32_t)(n - track1 - 8);
    b[track1 + 6] = (uint8_t)(length >> 8);
    b[track1 + 7] = (uint8_t)length;
    size_t track2 = n;
    PUT('M', 'T', 'r', 'k', 0, 0, 0, 0);
    PUT(0x00, 0x91, 72, 90, 0x83, 0x60, 0x81, 72, 0); /* no end-of-track */
    b[track2 + 7] = (uint8_t)(n - track2 - 8);
#undef PUT
    *size = n;
    return b;
}

static void run_all(const uint8_t *bytes, size_t size, const char *name)
{
    Counts truncated = {0}, corrupted = {0};
    Counts whole = {0};
    feed(bytes, size, &whole, name, size);
    assert_int_equal(whole.read, 1); /* the intact file reads */

    for (size_t cut = 0; cut < size; cut++)
        feed(bytes, cut, &truncated, "truncated at", cut);

    uint8_t *copy = malloc(size);
    assert_non_null(copy);
    for (int c = 0; c < CORRUPT_COPIES; c++) {
        memcpy(copy, bytes, size);
        int changes = 1 + (int)(next_random() % 4);
        for (int k = 0; k < changes; k++) {
            size_t at = next_random() % size;
            switch (next_random() % 4) {
            case 0:
                copy[at] = (uint8_t)next_random();
                break;
            case 1:
                copy[at] ^= (uint8_t)(1u << (next_random() % 8));
                break;
            case 2:
                copy[at] = 0xff;
                break;
            default:
                copy[at] = 0x80 | (uint8_t)next_random();
                break;
            }
        }
        /* a third of them also lose their tail */
        size_t length = (c % 3 == 0) ? next_random() % size : size;
        feed(copy, length, &corrupted, "corrupted copy", (size_t)c);
    }
    free(copy);
    print_message("%s (%zu bytes): truncated %ld read / %ld rejected; corrupted %ld read / %ld "
                  "rejected\n",
                  name, size, truncated.read, truncated.rejected, corrupted.read,
                  corrupted.rejected);
    /* Cut before the last end-of-track, a file cannot be whole. */
    assert_true(truncated.rejected >= (long)size - 8);
    assert_int_equal(truncated.read + truncated.rejected, (long)size);
    assert_int_equal(corrupted.read + corrupted.rejected, CORRUPT_COPIES);
}

static void fuzz_written(void **state, int format, int ppqn)
{
    (void)state;
    char *dir = fixture_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/f.mid", dir);
    FixNote notes[40];
    int n = 0, tracks = format == 0 ? 1 : 3;
    for (int i = 0; i < 16; i++) {
        notes[n++] = (FixNote){format ? 1 : 0, 0, 60 + i % 12, i * ppqn, i * ppqn + ppqn / 2};
        if (i % 2 == 0)
            notes[n++] =
                (FixNote){format ? 2 : 0, format ? 1 : 9, 40 + i, i * ppqn, (i + 2) * ppqn};
    }
    const FixMeta metas[] = {fixture_tempo(0, 0, 100), fixture_meter(0, 0, 6, 8),
                             fixture_name(0, "Lead"), fixture_tempo(0, 5 * ppqn, 140),
                             fixture_meter(0, 7 * ppqn, 3, 4)};
    fixture_write(path, format, ppqn, tracks, notes, n, metas, 5);
    size_t size;
    uint8_t *bytes = fixture_slurp(path, &size);
    run_all(bytes, size, format ? "format 1 file" : "format 0 file");
    free(bytes);
    fixture_rmtree(dir);
    free(dir);
}

static void test_fuzz_format0(void **state)
{
    fuzz_written(state, 0, 96);
}

static void test_fuzz_format1(void **state)
{
    fuzz_written(state, 1, 960);
}

static void test_fuzz_hand_made(void **state)
{
    (void)state;
    size_t size;
    const uint8_t *bytes = hand_made(&size);
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_memory(bytes, size, &song, reason, sizeof reason), 0);
    assert_int_equal(song.n_tracks, 2);
    assert_int_equal(song.n_notes, 4); /* 60, 62, 64 on channel 1 and 72 on channel 2 */
    assert_int_equal(song.notes[0].pitch, 60);
    assert_int_equal(song.notes[0].end, 192);
    assert_int_equal(strlen(song.track_names[0]), 100); /* cut to fit libsmf */
    midi_song_free(&song);
    run_all(bytes, size, "hand-made file");
}

static void test_garbage(void **state)
{
    (void)state;
    Counts counts = {0};
    uint8_t buf[600];
    for (int c = 0; c < GARBAGE_COPIES; c++) {
        size_t size = next_random() % sizeof buf;
        for (size_t i = 0; i < size; i++)
            buf[i] = (uint8_t)next_random();
        if (c % 2 && size >= 22) { /* half of them start like a MIDI file */
            memcpy(buf, "MThd\0\0\0\6\0\1\0\1\0\x60MTrk", 18);
        }
        feed(buf, size, &counts, "garbage", (size_t)c);
    }
    print_message("garbage: %ld read / %ld rejected\n", counts.read, counts.rejected);
    assert_int_equal(counts.read + counts.rejected, GARBAGE_COPIES);
}

static void expect_reason(const uint8_t *bytes, size_t size, const char *words)
{
    MidiSong song;
    char reason[MIDI_REASON_SIZE] = "";
    assert_int_equal(midi_read_memory(bytes, size, &song, reason, sizeof reason), -1);
    if (!strstr(reason, words)) fail_msg("reason '%s' does not say '%s'", reason, words);
}

static void test_reasons(void **state)
{
    (void)state;
    const uint8_t track[] = {'M', 'T', 'r', 'k', 0, 0, 0, 4, 0, 0xff, 0x2f, 0};
    uint8_t file[14 + sizeof track];
    memcpy(file, "MThd\0\0\0\6\0\0\0\1\0\x60", 14);
    memcpy(file + 14, track, sizeof track);
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_memory(file, sizeof file, &song, reason, sizeof reason), 0);
    midi_song_free(&song);

    expect_reason((const uint8_t *)"RIFF....", 8, "not a MIDI file");
    expect_reason(file, 10, "MThd");
    expect_reason(file, sizeof file - 2, "truncated");
    expect_reason(file, 14, "truncated");
    uint8_t bad[sizeof file];
    memcpy(bad, file, sizeof file);
    bad[9] = 2;
    expect_reason(bad, sizeof bad, "format 2");
    memcpy(bad, file, sizeof file);
    bad[12] = 0xe7; /* -25 fps */
    bad[13] = 40;
    expect_reason(bad, sizeof bad, "SMPTE");
    memcpy(bad, file, sizeof file);
    bad[11] = 0;
    expect_reason(bad, sizeof bad, "no tracks");
    memcpy(bad, file, sizeof file);
    bad[13] = 0;
    expect_reason(bad, sizeof bad, "0 ticks");
    memcpy(bad, file, sizeof file);
    bad[23] = 0x50; /* a data byte where the event's status belongs */
    expect_reason(bad, sizeof bad, "status byte");
    memcpy(bad, file, sizeof file);
    bad[25] = 0x05; /* meta length past the end */
    expect_reason(bad, sizeof bad, "past the end");
    memcpy(bad, file, sizeof file);
    bad[22] = 0xff; /* a delta time of 5 bytes: ff ff 2f? no: ff ff 2f ends; use 0x80s */
    bad[22] = 0x80, bad[23] = 0x80, bad[24] = 0x80, bad[25] = 0x80;
    expect_reason(bad, sizeof bad, "4 bytes");
}

/* libsmf's glib warnings are caught, not printed: a user sees one reason per
 * file, never libsmf's own lines. */
static void test_libsmf_messages_captured(void **state)
{
    (void)state;
    midi_quiet_libsmf();
    smf_t *smf = smf_new();
    assert_non_null(smf);
    smf_track_t *a = smf_track_new(), *b = smf_track_new();
    smf_add_track(smf, a);
    smf_add_track(smf, b);
    assert_int_not_equal(smf_set_format(smf, 0), 0); /* two tracks cannot be format 0 */
    assert_true(strlen(midi_libsmf_last_message()) > 0);
    smf_delete(smf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons),      cmocka_unit_test(test_fuzz_format0),
        cmocka_unit_test(test_fuzz_format1), cmocka_unit_test(test_fuzz_hand_made),
        cmocka_unit_test(test_garbage),      cmocka_unit_test(test_libsmf_messages_captured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
