/* corpus_load on a folder the test fills: which files are found and in what
 * order, the skip reasons and summary, the split, the note range rule,
 * transposition of the training split only, and folding into a given range. */
#define _GNU_SOURCE /* open_memstream is POSIX 2008, but keep glibc happy too */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "midi/corpus.h"
#include "midi_fixture.h"

typedef struct {
    char *dir;
} Fixture;

static void write_melody(const char *dir, const char *name, const int *pitches, int n, int format,
                         int channel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FixNote notes[64];
    for (int i = 0; i < n; i++)
        notes[i] = (FixNote){format == 1 ? 1 : 0, channel, pitches[i], i * 96, i * 96 + 90};
    fixture_write(path, format, 96, format == 1 ? 2 : 1, notes, n, NULL, 0);
}

static const int tune_a[20] = {60, 62, 64, 65, 67, 69, 71, 72, 71, 69,
                               67, 65, 64, 62, 60, 62, 64, 62, 60, 60};
static const int tune_b[24] = {67, 67, 69, 67, 72, 71, 67, 67, 69, 67, 74, 72,
                               67, 67, 79, 76, 72, 71, 69, 77, 77, 76, 72, 74};
static const int tune_c[20] = {55, 57, 59, 60, 62, 64, 66, 67, 66, 64,
                               62, 60, 59, 57, 55, 57, 59, 57, 55, 55};

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    f->dir = fixture_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/a", f->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/a/sub", f->dir);
    mkdir(path, 0755);
    write_melody(f->dir, "a/one.mid", tune_a, 20, 0, 0);
    write_melody(f->dir, "a/sub/two.MID", tune_b, 24, 1, 3);
    write_melody(f->dir, "b.midi", tune_c, 20, 0, 0);
    write_melody(f->dir, "short.mid", tune_a, 5, 0, 0);
    write_melody(f->dir, "drums.mid", tune_a, 20, 0, 9);
    write_melody(f->dir, ".hidden.mid", tune_a, 20, 0, 0);
    write_melody(f->dir, "notes.txt", tune_a, 20, 0, 0);
    snprintf(path, sizeof path, "%s/broken.mid", f->dir);
    FILE *file = fopen(path, "wb");
    fputs("MThd\0\0\0\6 this is not a MIDI file at all", file);
    fclose(file);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    fixture_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static int load(Fixture *f, const CorpusOptions *o, Corpus *c, char **report)
{
    size_t size;
    FILE *stream = open_memstream(report, &size);
    const char *dirs[] = {f->dir};
    int status = corpus_load(c, dirs, 1, o, stream);
    fclose(stream);
    return status;
}

static void test_files_and_reasons(void **state)
{
    Fixture *f = *state;
    CorpusOptions o;
    corpus_options_default(&o);
    o.min_length = 8;
    o.val_fraction = 0.0;
    Corpus c;
    char *report;
    assert_int_equal(load(f, &o, &c, &report), 0);
    assert_int_equal(c.files_read, 3);
    assert_int_equal(c.files_skipped, 3);
    assert_int_equal(c.n_seqs, 3);
    assert_string_equal(c.seqs[0].file, "a/one.mid");
    assert_string_equal(c.seqs[1].file, "a/sub/two.MID");
    assert_string_equal(c.seqs[2].file, "b.midi");
    assert_non_null(strstr(report, "broken.mid: "));
    assert_non_null(strstr(report, "drums.mid: no pitched notes"));
    assert_non_null(strstr(report, "short.mid: 5 steps, shorter than the minimum 8"));
    assert_non_null(strstr(report, "3 files read, 3 skipped (1 unreadable, 1 without notes, 1 "
                                   "too short)"));
    assert_null(strstr(report, "hidden"));
    /* Range: the training melodies' lowest and highest pitch. */
    assert_int_equal(c.note_low, 55);
    assert_int_equal(c.note_high, 79);
    assert_int_equal(c.rest_token, 25);
    assert_int_equal(c.hold_token, 26);
    assert_int_equal(c.vocab, 27);
    assert_int_equal(c.tokens[CORPUS_TRAIN], 64);
    assert_int_equal(c.tokens[CORPUS_VAL], 0);
    for (int k = 0; k < 20; k++)
        assert_int_equal(c.seqs[0].tokens[k], tune_a[k] - 55);
    for (int k = 0; k < 24; k++)
        assert_int_equal(c.seqs[1].tokens[k], tune_b[k] - 55);
    free(report);
    corpus_free(&c);
}

static void test_split(void **state)
{
    (void)state;
    /* FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c: 0.6851... of the way through. */
    assert_int_equal(corpus_split_of("a", 0.69), CORPUS_VAL);
    assert_int_equal(corpus_split_of("a", 0.68), CORPUS_TRAIN);
    /* of "": 0xcbf29ce484222325, 0.7967... */
    assert_int_equal(corpus_split_of("", 0.80), CORPUS_VAL);
    assert_int_equal(corpus_split_of("", 0.79), CORPUS_TRAIN);
    assert_int_equal(corpus_split_of("pop/song.mid", 0.0), CORPUS_TRAIN);
    assert_int_equal(corpus_split_of("pop/song.mid", 1.0), CORPUS_VAL);
    int val = 0;
    for (int i = 0; i < 10000; i++) {
        char name[64];
        snprintf(name, sizeof name, "genre/song_%d.mid", i);
        int split = corpus_split_of(name, 0.3);
        assert_int_equal(split, corpus_split_of(name, 0.3));
        val += split == CORPUS_VAL;
    }
    assert_in_range(val, 2800, 3200);
}

static void test_transpose_train_only(void **state)
{
    Fixture *f = *state;
    CorpusOptions o;
    corpus_options_default(&o);
    o.min_length = 8;
    o.transpose_lo = -2;
    o.transpose_hi = 1;
    o.val_fraction = 0.0;
    Corpus c;
    char *report;
    assert_int_equal(load(f, &o, &c, &report), 0);
    free(report);
    assert_int_equal(c.n_seqs, 12);
    assert_int_equal(c.note_low, 53);  /* 55 - 2 */
    assert_int_equal(c.note_high, 80); /* 79 + 1 */
    assert_int_equal(c.tokens[CORPUS_TRAIN], 4 * 64);
    const int expected_order[4] = {0, -2, -1, 1};
    for (int i = 0; i < 4; i++) {
        const CorpusSequence *s = &c.seqs[i];
        assert_string_equal(s->file, "a/one.mid");
        assert_int_equal(s->transpose, expected_order[i]);
        for (int k = 0; k < 20; k++)
            assert_int_equal(s->tokens[k], tune_a[k] + s->transpose - 53);
    }
    corpus_free(&c);

    /* Validation files are never transposed. */
    o.val_fraction = 1.0;
    assert_int_equal(load(f, &o, &c, &report), 0);
    free(report);
    assert_int_equal(c.n_seqs, 3);
    assert_int_equal(c.tokens[CORPUS_TRAIN], 0);
    assert_int_equal(c.tokens[CORPUS_VAL], 64);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(c.seqs[i].split, CORPUS_VAL);
        assert_int_equal(c.seqs[i].transpose, 0);
    }
    corpus_free(&c);
}

static void test_folding_and_selection(void **state)
{
    Fixture *f = *state;
    CorpusOptions o;
    corpus_options_default(&o);
    o.min_length = 8;
    o.val_fraction = 0.0;
    o.note_low = 60;
    o.note_high = 71;
    Corpus c;
    char *report;
    assert_int_equal(load(f, &o, &c, &report), 0);
    free(report);
    assert_int_equal(c.vocab, 14);
    for (int i = 0; i < c.n_seqs; i++)
        for (int k = 0; k < c.seqs[i].length; k++)
            assert_in_range(c.seqs[i].tokens[k], 0, 11);
    /* tune_b's 79 (G5) folds to G4, 55 of tune_c to G4 as well */
    assert_int_equal(c.seqs[1].tokens[14], 67 - 60);
    assert_int_equal(c.seqs[2].tokens[0], 67 - 60);
    assert_int_equal(c.seqs[0].tokens[7], 72 - 12 - 60);
    corpus_free(&c);

    /* Only channel 4 (index 3): only a/sub/two.MID has notes there. */
    corpus_options_default(&o);
    o.min_length = 8;
    o.channel = 3;
    assert_int_equal(load(f, &o, &c, &report), 0);
    assert_int_equal(c.files_read, 1);
    assert_string_equal(c.seqs[0].file, "a/sub/two.MID");
    assert_non_null(strstr(report, "no pitched notes in the chosen track/channel"));
    free(report);
    corpus_free(&c);

    /* A range narrower than an octave is widened upwards. */
    corpus_options_default(&o);
    o.min_length = 1;
    o.track = 0;
    o.note_low = 70;
    assert_int_equal(load(f, &o, &c, &report), 0);
    free(report);
    assert_true(c.note_high - c.note_low >= 11);
    corpus_free(&c);
}

static void test_nothing_usable(void **state)
{
    (void)state;
    char *dir = fixture_tempdir();
    CorpusOptions o;
    corpus_options_default(&o);
    Corpus c;
    char *report;
    size_t size;
    FILE *stream = open_memstream(&report, &size);
    const char *dirs[] = {dir};
    assert_int_equal(corpus_load(&c, dirs, 1, &o, stream), -1);
    fclose(stream);
    assert_non_null(strstr(report, "no .mid or .midi files found"));
    free(report);
    const char *missing[] = {"/nonexistent/cantus/corpus"};
    stream = open_memstream(&report, &size);
    assert_int_equal(corpus_load(&c, missing, 1, &o, stream), -1);
    fclose(stream);
    assert_non_null(strstr(report, "cannot read folder"));
    free(report);
    o.transpose_lo = 3;
    o.transpose_hi = 1;
    assert_int_equal(corpus_load(&c, dirs, 1, &o, NULL), -1);
    fixture_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_and_reasons, setup, teardown),
        cmocka_unit_test(test_split),
        cmocka_unit_test_setup_teardown(test_transpose_train_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folding_and_selection, setup, teardown),
        cmocka_unit_test(test_nothing_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
