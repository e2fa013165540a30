/* The reader and tokeniser on files written with libsmf: format 0 and 1,
 * several tracks, drums, overlapping notes, tempo and meter changes, 96 and
 * 960 ticks per quarter -> exactly the expected tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "midi/melody.h"
#include "midi_fixture.h"
#include "midi/midi_read.h"

#define R MELODY_REST
#define H MELODY_HOLD

static char path[512];

static int setup(void **state)
{
    char *dir = fixture_tempdir();
    *state = dir;
    snprintf(path, sizeof path, "%s/song.mid", dir);
    return 0;
}

static int teardown(void **state)
{
    fixture_rmtree(*state);
    free(*state);
    return 0;
}

static void read_song(MidiSong *song)
{
    char reason[MIDI_REASON_SIZE] = "";
    int status = midi_read_file(path, song, reason, sizeof reason);
    if (status != 0) fail_msg("reading %s failed: %s", path, reason);
}

static void expect_tokens(const MidiSong *song, int track, int channel, int spb,
                          const int *expected, int n_expected)
{
    int *tokens, length;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(
        melody_tokens(song, track, channel, spb, &tokens, &length, reason, sizeof reason), 0);
    if (length != n_expected) {
        for (int k = 0; k < length; k++)
            print_message("%d ", tokens[k]);
        print_message("\n");
    }
    assert_int_equal(length, n_expected);
    for (int k = 0; k < length; k++)
        if (tokens[k] != expected[k])
            fail_msg("step %d: token %d, expected %d", k, tokens[k], expected[k]);
    free(tokens);
}

/* Format 0, 96 ticks per quarter: a held note, a rest, a late onset caught
 * by the nearest step, an onset past the half step going to the next one,
 * and drums on channel 10 that must not count. */
static void test_format0_96(void **state)
{
    (void)state;
    const FixNote notes[] = {
        {0, 0, 60, 0, 96}, {0, 0, 64, 96, 288},  {0, 0, 67, 394, 480}, {0, 0, 69, 540, 700},
        {0, 9, 36, 0, 48}, {0, 9, 38, 288, 300}, {0, 9, 42, 480, 490}, {0, 9, 36, 768, 800},
    };
    fixture_write(path, 0, 96, 1, notes, 8, NULL, 0);
    MidiSong song;
    read_song(&song);
    assert_int_equal(song.format, 0);
    assert_int_equal(song.ppqn, 96);
    assert_int_equal(song.n_notes, 4);
    assert_int_equal(song.drum_notes, 4);
    const int expected[] = {60, 64, H, R, 67, R, 69, H};
    expect_tokens(&song, MELODY_ANY, MELODY_ANY, 1, expected, 8);
    /* two steps per beat: onsets at 0, 96, 394->step 8 (t=384), 540->step 11 (t=528) */
    const int expected2[] = {60, H, 64, H, H, H, R, R, 67, H, R, 69, H, H, H};
    expect_tokens(&song, MELODY_ANY, MELODY_ANY, 2, expected2, 15);
    midi_song_free(&song);
}

/* Format 1, 960 ticks per quarter, a conductor track with tempo and meter
 * changes (4/4, 3/4, 7/8, 120 -> 90 -> 150 bpm), a melody with a legato
 * overlap, block chords above it, a bass, and drums. Beats come from ticks,
 * so the changes leave the tokens alone and reading goes on past them. */
static void test_format1_960_meter_changes(void **state)
{
    (void)state;
    const int q = 960;
    const FixMeta metas[] = {
        fixture_tempo(0, 0, 120),      fixture_meter(0, 0, 4, 4),
        fixture_tempo(0, 2 * q, 90),   fixture_meter(0, 4 * q, 3, 4),
        fixture_meter(0, 7 * q, 7, 8), fixture_tempo(0, 7 * q + q / 2, 150),
        fixture_name(1, "Chords"),     fixture_name(2, "Tune"),
    };
    const FixNote notes[] = {
        /* melody, track 2: 72 overlaps 74 by 20 ticks (legato) */
        {2, 0, 72, 0, q + 20},
        {2, 0, 74, q, 3 * q},
        {2, 0, 76, 3 * q, 4 * q - 100},
        {2, 0, 77, 5 * q, 6 * q},
        {2, 0, 79, 6 * q - 30, 9 * q},
        {2, 0, 81, 9 * q, 10 * q},
        {2, 0, 79, 10 * q, 11 * q},
        {2, 0, 77, 11 * q + 3, 12 * q},
        /* chords, track 1, channel 1: above the melody */
        {1, 1, 65, 0, 4 * q},
        {1, 1, 69, 0, 4 * q},
        {1, 1, 84, 0, 4 * q},
        {1, 1, 67, 4 * q, 8 * q},
        {1, 1, 71, 4 * q, 8 * q},
        {1, 1, 86, 4 * q, 8 * q},
        {1, 1, 65, 8 * q, 12 * q},
        {1, 1, 69, 8 * q, 12 * q},
        {1, 1, 84, 8 * q, 12 * q},
        /* bass, track 3 */
        {3, 2, 41, 0, 4 * q},
        {3, 2, 43, 4 * q, 8 * q},
        {3, 2, 41, 8 * q, 12 * q},
        /* drums, track 3, channel 10 */
        {3, 9, 36, 0, 100},
        {3, 9, 36, 4 * q, 4 * q + 100},
    };
    fixture_write(path, 1, q, 4, notes, sizeof notes / sizeof *notes, metas,
                  sizeof metas / sizeof *metas);
    MidiSong song;
    read_song(&song);
    assert_int_equal(song.format, 1);
    assert_int_equal(song.ppqn, 960);
    assert_int_equal(song.n_tracks, 4);
    assert_int_equal(song.drum_notes, 2);
    assert_string_equal(song.track_names[2], "Tune");

    const int melody[] = {72, 74, H, 76, R, 77, 79, H, H, 81, 79, 77};
    expect_tokens(&song, 2, MELODY_ANY, 1, melody, 12);
    expect_tokens(&song, MELODY_ANY, 0, 1, melody, 12); /* by channel */
    int track, channel;
    assert_int_equal(melody_pick(&song, &track, &channel), 0);
    assert_int_equal(track, 2);
    assert_int_equal(channel, 0);

    /* The chords as one part: the highest onset, then HOLD while they ring. */
    const int chords[] = {84, H, H, H, 86, H, H, H, 84, H, H, H};
    expect_tokens(&song, 1, MELODY_ANY, 1, chords, 12);
    /* The seed's skyline over everything takes the chord tops instead. */
    int *all, n;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(
        melody_tokens(&song, MELODY_ANY, MELODY_ANY, 1, &all, &n, reason, sizeof reason), 0);
    assert_int_equal(all[0], 84);
    free(all);
    midi_song_free(&song);
}

/* The same melody without any tempo or meter event gives the same tokens:
 * time in beats is ticks / ticks-per-quarter and nothing else. */
static void test_tempo_does_not_move_beats(void **state)
{
    (void)state;
    const FixNote notes[] = {{0, 0, 60, 0, 480}, {0, 0, 62, 480, 1440}, {0, 0, 64, 1920, 2400}};
    const int expected[] = {60, 62, H, R, 64};
    MidiSong song;

    fixture_write(path, 0, 480, 1, notes, 3, NULL, 0);
    read_song(&song);
    expect_tokens(&song, MELODY_ANY, MELODY_ANY, 1, expected, 5);
    midi_song_free(&song);

    const FixMeta metas[] = {fixture_tempo(0, 0, 60), fixture_tempo(0, 480, 200),
                             fixture_meter(0, 960, 5, 8), fixture_meter(0, 1440, 9, 8)};
    fixture_write(path, 0, 480, 1, notes, 3, metas, 4);
    read_song(&song);
    expect_tokens(&song, MELODY_ANY, MELODY_ANY, 1, expected, 5);
    midi_song_free(&song);
}

/* Overlaps inside one part: two onsets in one step's window go to the
 * nearest; a tie goes to the higher; a re-attack of a sounding pitch ends the
 * first note; leading rests are cut. */
static void test_overlaps_and_ties(void **state)
{
    (void)state;
    const FixNote notes[] = {
        {0, 0, 50, 200, 300}, /* step 2 (t=192): 8 ticks away; sounds at 288 */
        {0, 0, 55, 180, 250}, /* step 2: 12 ticks away -> loses to 50 */
        {0, 0, 60, 384, 480}, /* step 4: a tie at the same tick ... */
        {0, 0, 64, 384, 400}, /* ... goes to the higher pitch */
        {0, 0, 67, 576, 800}, /* step 6 */
        {0, 0, 67, 672, 768}, /* re-attack at step 7 */
    };
    fixture_write(path, 0, 96, 1, notes, 6, NULL, 0);
    MidiSong song;
    read_song(&song);
    const int expected[] = {50, H, 64, R, 67, 67};
    expect_tokens(&song, MELODY_ANY, MELODY_ANY, 1, expected, 6);
    midi_song_free(&song);
}

/* A note still sounding at its track's end (no note-off) ends there. */
static void test_unterminated_note(void **state)
{
    (void)state;
    /* Format 0 bytes by hand: note on at 0, another at 96, end of track at
     * 384 without note-offs. */
    static const uint8_t bytes[] = {'M',  'T',  'h',  'd',  0,    0,   0,    6,   0,   0,
                                    0,    1,    0,    96,   'M',  'T', 'r',  'k', 0,   0,
                                    0,    15,   0x00, 0x90, 60,   100, 0x60, 62,  100, /* running
                                                                                          status */
                                    0x82, 0x00, 0xff, 0x2f, 0x00, /* 256 ticks later */
                                    0,    0,    0,    0};
    /* fix the MTrk length: 4 + 3 + 5 = 12 bytes of events */
    uint8_t file[sizeof bytes];
    memcpy(file, bytes, sizeof bytes);
    file[21] = 12;
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_memory(file, 14 + 8 + 12, &song, reason, sizeof reason), 0);
    assert_int_equal(song.n_notes, 2);
    assert_int_equal(song.notes[0].end, 352);
    assert_int_equal(song.notes[1].end, 352);
    const int expected[] = {60, 62, H, H};
    expect_tokens(&song, MELODY_ANY, MELODY_ANY, 1, expected, 4);
    midi_song_free(&song);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_format0_96, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format1_960_meter_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tempo_does_not_move_beats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlaps_and_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unterminated_note, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
