/* A corpus: every MIDI file under some folders, each turned into one token
 * sequence (a melody, one token per step), split into training and
 * validation by a hash of the file's path relative to the folder given.
 *
 * Token vocabulary (core/token.h says what each token means):
 *   0 .. note_high-note_low   pitch tokens (MIDI pitch = note_low + token)
 *   rest_token = P            REST: nothing sounding at the step
 *   hold_token = P + 1        HOLD: the previous note still sounds
 * where P = note_high - note_low + 1; vocab = P + 2 (cantus_vocab_*).
 */
#ifndef CANTUS_CORPUS_H
#define CANTUS_CORPUS_H

#include <stdio.h>

#define CORPUS_AUTO (-1)

typedef struct {
    int steps_per_beat;  /* tokens per beat (default 1) */
    int note_low;        /* CORPUS_AUTO: from the corpus (see corpus.c) */
    int note_high;       /* CORPUS_AUTO: from the corpus */
    int track;           /* CORPUS_AUTO: melody track chosen by the heuristic */
                         /* (0-based index of the MTrk chunk, as --track) */
    int channel;         /* CORPUS_AUTO: any channel but drums (0-based 9) */
    int min_length;      /* sequences shorter than this are skipped */
    int transpose_lo;    /* semitones; augmentation of the TRAIN split only */
    int transpose_hi;    /* 0..0: no augmentation */
    double val_fraction; /* share of files in the validation split */
    int bar_steps;       /* P > 0: each step gets its position in the bar (0..P-1), from the
                            files' time signatures; a bar longer than P steps, or not a whole
                            number of steps, is cut out (the melody goes on after it as
                            another sequence) and counted. 0: no positions (default). */
} CorpusOptions;

void corpus_options_default(CorpusOptions *options);

enum { CORPUS_TRAIN = 0, CORPUS_VAL = 1 };

typedef struct {
    char *file; /* path relative to the folder it was found under */
    int *tokens;
    int *positions; /* length positions in the bar, 0..bar_steps-1; NULL when bar_steps is 0 */
    int length;
    int split;     /* CORPUS_TRAIN or CORPUS_VAL */
    int transpose; /* semitones applied (0 for the original) */
} CorpusSequence;

typedef struct {
    CorpusSequence *seqs;
    int n_seqs;
    int note_low, note_high, rest_token, hold_token, vocab, steps_per_beat;
    int bar_steps;     /* the option's P */
    long bars_skipped; /* bars cut out because P steps cannot express them */
    int files_read;    /* files that became a sequence */
    int files_skipped; /* unreadable, broken, empty or too short: each reported */
    long tokens[2];    /* tokens per split, augmentation included */
} Corpus;

/* Reads every .mid/.midi under the folders (recursively, sorted by path so
 * the result never depends on directory order). Each skipped file gets one
 * line on `report` (may be NULL) saying which and why; a summary line
 * follows. Returns 0, or -1 with a sentence on `report` when nothing usable
 * was found or memory ran out. */
int corpus_load(Corpus *corpus, const char *const *dirs, int n_dirs, const CorpusOptions *options,
                FILE *report);
void corpus_free(Corpus *corpus);

/* The split a relative path falls in: a stable hash (FNV-1a 64 of the
 * bytes), so eval can re-derive the split a model was trained on. */
int corpus_split_of(const char *relative_path, double val_fraction);

#endif
