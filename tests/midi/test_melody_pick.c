/* The melody-part heuristic on synthetic multi-track files: block chords
 * ringing above the tune, a bass, drums, with and without track names, and
 * format 0 files whose parts are channels. */
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

#define BEATS 32

static char *dir;
static char path[512];

static int setup(void **state)
{
    (void)state;
    dir = fixture_tempdir();
    snprintf(path, sizeof path, "%s/band.mid", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_rmtree(dir);
    free(dir);
    return 0;
}

/* A pop-like arrangement: chords (3 notes, the top above the tune) on
 * chord_part, a tune of mostly quarter notes on tune_part, a bass, drums.
 * Parts are tracks (format 1) or channels of one track (format 0). */
static int arrange(FixNote *notes, int format, int chord_part, int tune_part, int bass_part)
{
    int n = 0;
    const int q = 120;
    for (int bar = 0; bar < BEATS / 4; bar++) {
        const int root = bar % 2 ? 65 : 60;
        const int chord[3] = {root, root + 4, root + 19};
        for (int v = 0; v < 3; v++)
            notes[n++] = format
                             ? (FixNote){chord_part, 0, chord[v], bar * 4 * q, (bar + 1) * 4 * q}
                             : (FixNote){0, chord_part, chord[v], bar * 4 * q, (bar + 1) * 4 * q};
        notes[n++] = format ? (FixNote){bass_part, 2, root - 24, bar * 4 * q, (bar + 1) * 4 * q}
                            : (FixNote){0, bass_part, root - 24, bar * 4 * q, (bar + 1) * 4 * q};
        for (int b = 0; b < 4; b++) {
            if (bar % 4 == 3 && b == 3) continue; /* a breath at the end of a phrase */
            int pitch = 67 + (bar * 4 + b) * 5 % 9;
            int start = (bar * 4 + b) * q, end = start + q - 10;
            notes[n++] = format ? (FixNote){tune_part, 1, pitch, start, end}
                                : (FixNote){0, tune_part, pitch, start, end};
        }
        notes[n++] = (FixNote){format ? bass_part : 0, 9, 36, bar * 4 * q, bar * 4 * q + 30};
    }
    return n;
}

static void pick(int use_names, int *track, int *channel)
{
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &song, reason, sizeof reason), 0);
    MelodyPart *parts;
    int n = melody_parts(&song, use_names, &parts);
    assert_true(n >= 1);
    *track = parts[0].track;
    *channel = parts[0].channel;
    free(parts);
    midi_song_free(&song);
}

static void test_tracks_without_names(void **state)
{
    (void)state;
    FixNote notes[256];
    int n = arrange(notes, 1, 1, 3, 2); /* the tune on the last track */
    fixture_write(path, 1, 120, 4, notes, n, NULL, 0);
    int track, channel;
    pick(0, &track, &channel);
    assert_int_equal(track, 3);
    assert_int_equal(channel, 1);

    /* The seed's skyline over all parts takes the chord tops at every
     * downbeat instead of the tune. */
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &song, reason, sizeof reason), 0);
    int *all, *tune, n_all, n_tune;
    assert_int_equal(
        melody_tokens(&song, MELODY_ANY, MELODY_ANY, 1, &all, &n_all, reason, sizeof reason), 0);
    assert_int_equal(melody_tokens(&song, 3, MELODY_ANY, 1, &tune, &n_tune, reason, sizeof reason),
                     0);
    int differ = 0;
    for (int k = 0; k < n_all && k < n_tune; k++)
        differ += all[k] != tune[k];
    assert_true(differ >= BEATS / 4);
    free(all);
    free(tune);
    midi_song_free(&song);
}

static void test_names_decide_between_equals(void **state)
{
    (void)state;
    /* Two identical monophonic lines an octave apart: without names the
     * higher one wins; a name saying "Lead Vocal" on the lower one wins. */
    FixNote notes[128];
    int n = 0;
    for (int b = 0; b < BEATS; b++) {
        int pitch = 60 + b % 7;
        notes[n++] = (FixNote){0, 0, pitch + 12, b * 96, b * 96 + 90};
        notes[n++] = (FixNote){1, 1, pitch, b * 96, b * 96 + 90};
    }
    const FixMeta names[] = {fixture_name(0, "Strings"), fixture_name(1, "Lead Vocal")};
    fixture_write(path, 1, 96, 2, notes, n, names, 2);
    int track, channel;
    pick(0, &track, &channel);
    assert_int_equal(track, 0);
    pick(1, &track, &channel);
    assert_int_equal(track, 1);
}

static void test_format0_channels(void **state)
{
    (void)state;
    FixNote notes[256];
    int n = arrange(notes, 0, 0, 5, 2); /* chords ch 1, tune ch 6, bass ch 3 */
    fixture_write(path, 0, 120, 1, notes, n, NULL, 0);
    int track, channel;
    pick(1, &track, &channel);
    assert_int_equal(track, 0);
    assert_int_equal(channel, 5);
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &song, reason, sizeof reason), 0);
    assert_int_equal(melody_pick(&song, &track, &channel), 0);
    assert_int_equal(channel, 5);
    midi_song_free(&song);
}

static void test_drums_only(void **state)
{
    (void)state;
    FixNote notes[8];
    for (int i = 0; i < 8; i++)
        notes[i] = (FixNote){0, 9, 36 + i, i * 96, i * 96 + 10};
    fixture_write(path, 0, 96, 1, notes, 8, NULL, 0);
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &song, reason, sizeof reason), 0);
    int track, channel;
    assert_int_equal(melody_pick(&song, &track, &channel), -1);
    assert_int_equal(song.drum_notes, 8);
    midi_song_free(&song);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tracks_without_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_decide_between_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format0_channels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drums_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
