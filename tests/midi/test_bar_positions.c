/* Bar positions from MIDI time signatures: the reader keeps them, the
 * melody gives each step its position in its bar (3/4, 6/8, 2/4, 5/4,
 * changes mid-song, a signature between steps), and the corpus cuts out
 * and counts the bars that P steps cannot express. The expected positions
 * are written out by hand from the bar lengths, not computed the way
 * melody.c computes them. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "midi/corpus.h"
#include "midi/melody.h"
#include "midi/midi_read.h"
#include "midi_fixture.h"

#define PPQN 96

static void expect_positions(const MidiSong *song, int spb, int64_t first, const int *want,
                             const int *want_bar, int n)
{
    MelodyBarStep got[64];
    assert_true(n <= 64);
    melody_bar_steps(song, spb, first, n, got);
    for (int i = 0; i < n; i++) {
        if (got[i].position != want[i] || got[i].bar_steps != want_bar[i])
            fail_msg("step %lld: position %d of a %d-step bar, expected %d of %d",
                     (long long)(first + i), got[i].position, got[i].bar_steps, want[i],
                     want_bar[i]);
        int starts = i == 0 || want[i] == 0 || (want[i] < 0 && want[i - 1] >= 0);
        if (want[i] >= 0 || i == 0) assert_int_equal(got[i].new_bar, starts);
    }
}

static void no_signature_is_four_four(void **unused)
{
    (void)unused;
    MidiSong song = {.ppqn = PPQN};
    const int want[10] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1};
    const int bar[10] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    expect_positions(&song, 1, 0, want, bar, 10);
    /* Two steps per beat, starting at step 5 (leading rests cut). */
    const int want2[6] = {5, 6, 7, 0, 1, 2};
    const int bar2[6] = {8, 8, 8, 8, 8, 8};
    expect_positions(&song, 2, 5, want2, bar2, 6);
}

/* 3/4 for two bars, 6/8 for one (three quarters), 2/4 for one, then 5/4:
 * at two steps per beat the bars are 6, 6, 6, 4 and 10 steps. */
static void changes_mid_song(void **unused)
{
    (void)unused;
    MidiMeter meters[4] = {{0, 3, 4}, {6 * PPQN, 6, 8}, {9 * PPQN, 2, 4}, {11 * PPQN, 5, 4}};
    MidiSong song = {.ppqn = PPQN, .meters = meters, .n_meters = 4};
    const int want[34] = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4,
                          5, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1};
    int bar[34];
    for (int i = 0; i < 34; i++)
        bar[i] = i < 18 ? 6 : i < 22 ? 4 : 10;
    expect_positions(&song, 2, 0, want, bar, 34);
}

/* 3/8 at one step per beat is a bar of one and a half steps: not whole, so
 * no position. At two steps per beat it is 3 steps. A signature that falls
 * between steps leaves its bars without positions too. */
static void bars_that_are_not_whole_steps(void **unused)
{
    (void)unused;
    MidiMeter three_eight[1] = {{0, 3, 8}};
    MidiSong song = {.ppqn = PPQN, .meters = three_eight, .n_meters = 1};
    const int none[4] = {-1, -1, -1, -1}, zero[4] = {0, 0, 0, 0};
    expect_positions(&song, 1, 0, none, zero, 4);
    const int want[6] = {0, 1, 2, 0, 1, 2}, bar[6] = {3, 3, 3, 3, 3, 3};
    expect_positions(&song, 2, 0, want, bar, 6);

    MidiMeter off_step[2] = {{0, 2, 4}, {4 * PPQN + PPQN / 2, 2, 4}};
    MidiSong late = {.ppqn = PPQN, .meters = off_step, .n_meters = 2};
    const int want2[7] = {0, 1, 0, 1, 0, -1, -1}, bar2[7] = {2, 2, 2, 2, 2, 0, 0};
    expect_positions(&late, 1, 0, want2, bar2, 7);
}

/* The reader keeps the signatures of every track, sorted by tick. */
static void reader_keeps_signatures(void **unused)
{
    (void)unused;
    char *dir = fixture_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/meters.mid", dir);
    FixNote notes[2] = {{1, 0, 60, 0, 90}, {1, 0, 62, 96, 180}};
    FixMeta metas[3] = {fixture_meter(0, 6 * PPQN, 6, 8), fixture_meter(0, 0, 3, 4),
                        fixture_meter(1, 9 * PPQN, 5, 4)};
    fixture_write(path, 1, PPQN, 2, notes, 2, metas, 3);
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &song, reason, sizeof reason), 0);
    assert_int_equal(song.n_meters, 3);
    assert_int_equal(song.meters[0].tick, 0);
    assert_int_equal(song.meters[0].numerator, 3);
    assert_int_equal(song.meters[0].denominator, 4);
    assert_int_equal(song.meters[1].tick, 6 * PPQN);
    assert_int_equal(song.meters[1].numerator, 6);
    assert_int_equal(song.meters[1].denominator, 8);
    assert_int_equal(song.meters[2].tick, 9 * PPQN);
    assert_int_equal(song.meters[2].numerator, 5);
    midi_song_free(&song);
    fixture_rmtree(dir);
    free(dir);
}

/* A file of 3/4 (4 bars), 5/4 (2 bars), 3/4 (4 bars), a note a beat: with
 * P = 4 the 5/4 bars are cut out and counted, and the melody goes on as a
 * second sequence; with P = 5 it stays one sequence. */
static void corpus_cuts_bars_it_cannot_express(void **unused)
{
    (void)unused;
    char *dir = fixture_tempdir();
    char path[512], *report = NULL;
    snprintf(path, sizeof path, "%s/waltz.mid", dir);
    FixNote notes[32];
    for (int i = 0; i < 32; i++)
        notes[i] = (FixNote){0, 0, 60 + i % 12, i * PPQN, i * PPQN + 90};
    FixMeta metas[3] = {fixture_meter(0, 0, 3, 4), fixture_meter(0, 12 * PPQN, 5, 4),
                        fixture_meter(0, 22 * PPQN, 3, 4)};
    fixture_write(path, 0, PPQN, 1, notes, 32, metas, 3);

    CorpusOptions o;
    corpus_options_default(&o);
    o.min_length = 4;
    o.val_fraction = 0;
    o.bar_steps = 4;
    const char *dirs[1] = {dir};
    size_t size;
    FILE *stream = open_memstream(&report, &size);
    Corpus c;
    assert_int_equal(corpus_load(&c, dirs, 1, &o, stream), 0);
    fclose(stream);
    assert_non_null(strstr(report, "2 bars skipped"));
    assert_non_null(strstr(report, "1 files read"));
    assert_int_equal(c.n_seqs, 2);
    assert_int_equal(c.bars_skipped, 2);
    assert_int_equal(c.seqs[0].length, 12);
    assert_int_equal(c.seqs[1].length, 10);
    for (int k = 0; k < 12; k++)
        assert_int_equal(c.seqs[0].positions[k], k % 3);
    for (int k = 0; k < 10; k++) {
        assert_int_equal(c.seqs[1].positions[k], k % 3);
        assert_int_equal(c.seqs[1].tokens[k], c.seqs[0].tokens[(22 + k) % 12]);
    }
    corpus_free(&c);
    free(report);

    o.bar_steps = 5;
    assert_int_equal(corpus_load(&c, dirs, 1, &o, NULL), 0);
    assert_int_equal(c.n_seqs, 1);
    assert_int_equal(c.bars_skipped, 0);
    assert_int_equal(c.seqs[0].length, 32);
    const int five[10] = {0, 1, 2, 3, 4, 0, 1, 2, 3, 4};
    for (int k = 0; k < 10; k++)
        assert_int_equal(c.seqs[0].positions[12 + k], five[k]);
    assert_int_equal(c.seqs[0].positions[22], 0);
    corpus_free(&c);

    o.bar_steps = 0; /* no metre: no positions, the sequence as before */
    assert_int_equal(corpus_load(&c, dirs, 1, &o, NULL), 0);
    assert_int_equal(c.n_seqs, 1);
    assert_null(c.seqs[0].positions);
    corpus_free(&c);
    fixture_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_signature_is_four_four),
        cmocka_unit_test(changes_mid_song),
        cmocka_unit_test(bars_that_are_not_whole_steps),
        cmocka_unit_test(reader_keeps_signatures),
        cmocka_unit_test(corpus_cuts_bars_it_cannot_express),
    };
    return cmocka_run_group_tests_name("bar positions", tests, NULL, NULL);
}
