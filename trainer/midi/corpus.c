/* A corpus: files found, read, turned into melodies, given a split, a note
 * range and (for the training split) transposed copies.
 *
 * The automatic note range is the lowest..highest melody pitch of the
 * training split (every split when the training split is empty), widened by
 * the transposition interval (so augmented copies need no folding) and then
 * to at least an octave, so that any pitch can be folded into it by octaves.
 * Pitches outside the range (validation files, or a range given by hand) are
 * folded by octaves into it. */
#include "midi/corpus.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "midi/corpus_files.h"
#include "model.h"
#include "midi/melody.h"
#include "midi/midi_read.h"
#include "token.h"

#define MAX_STEPS_PER_BEAT 96
#define MAX_TRANSPOSE      24

void corpus_options_default(CorpusOptions *options)
{
    options->steps_per_beat = 1;
    options->note_low = CORPUS_AUTO;
    options->note_high = CORPUS_AUTO;
    options->track = CORPUS_AUTO;
    options->channel = CORPUS_AUTO;
    options->min_length = 16;
    options->transpose_lo = 0;
    options->transpose_hi = 0;
    options->val_fraction = 0.1;
    options->bar_steps = 0;
}

int corpus_split_of(const char *relative_path, double val_fraction)
{
    uint64_t hash = 0xcbf29ce484222325u; /* FNV-1a 64 offset basis */
    for (const unsigned char *p = (const unsigned char *)relative_path; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3u; /* FNV-1a 64 prime */
    }
    /* The top 53 bits as a uniform number in [0, 1). */
    double u = (double)(hash >> 11) * (1.0 / 9007199254740992.0);
    return u < val_fraction ? CORPUS_VAL : CORPUS_TRAIN;
}

void corpus_free(Corpus *corpus)
{
    if (!corpus) return;
    for (int i = 0; i < corpus->n_seqs; i++) {
        free(corpus->seqs[i].file);
        free(corpus->seqs[i].tokens);
        free(corpus->seqs[i].positions);
    }
    free(corpus->seqs);
    memset(corpus, 0, sizeof *corpus);
}

/* A melody read from a file, before the range is known. */
typedef struct {
    char *file;
    int *pitches;   /* MIDI pitch, MELODY_REST or MELODY_HOLD */
    int *positions; /* in the bar; NULL without bar_steps */
    int length;
    int split;
} RawMelody;

typedef struct {
    RawMelody *items;
    int n, cap;
} RawList;

enum { SKIP_UNREADABLE, SKIP_NO_NOTES, SKIP_SHORT, SKIP_KINDS };

static void raw_free(RawList *raw)
{
    for (int i = 0; i < raw->n; i++) {
        free(raw->items[i].file);
        free(raw->items[i].pitches);
        free(raw->items[i].positions);
    }
    free(raw->items);
}

static int fold(int pitch, int low, int high)
{
    while (pitch < low && pitch + 12 <= 127)
        pitch += 12;
    while (pitch > high && pitch - 12 >= 0)
        pitch -= 12;
    /* Only a range narrower than an octave (given by hand) can leave a
     * pitch outside; the nearest end is the closest we can come. */
    return pitch < low ? low : pitch > high ? high : pitch;
}

static int check_options(const CorpusOptions *o, FILE *report)
{
    const char *problem = NULL;
    if (o->steps_per_beat < 1 || o->steps_per_beat > MAX_STEPS_PER_BEAT)
        problem = "steps per beat must be 1..96";
    else if ((o->note_low != CORPUS_AUTO && (o->note_low < 0 || o->note_low > 127)) ||
             (o->note_high != CORPUS_AUTO && (o->note_high < 0 || o->note_high > 127)))
        problem = "note range must lie within MIDI pitches 0..127";
    else if (o->note_low != CORPUS_AUTO && o->note_high != CORPUS_AUTO &&
             o->note_low > o->note_high)
        problem = "the lowest note is above the highest";
    else if (o->track != CORPUS_AUTO && (o->track < 0 || o->track > 65535))
        problem = "track must be 0..65535 (0-based)";
    else if (o->channel != CORPUS_AUTO && (o->channel < 0 || o->channel > 15))
        problem = "channel must be 0..15 (0-based)";
    else if (o->transpose_lo > o->transpose_hi || o->transpose_lo < -MAX_TRANSPOSE ||
             o->transpose_hi > MAX_TRANSPOSE)
        problem = "transposition must be a..b with -24 <= a <= b <= 24";
    else if (!(o->val_fraction >= 0.0 && o->val_fraction <= 1.0))
        problem = "validation fraction must be 0..1";
    else if (o->bar_steps < 0 || o->bar_steps > CANTUS_MAX_BAR_STEPS)
        problem = "bar steps must be 0..256";
    if (problem && report) fprintf(report, "corpus: %s\n", problem);
    return problem ? -1 : 0;
}

/* Reads one file into raw (or counts why not). Returns -1 only when memory
 * ran out. */
/* Appends a melody (taking pitches and positions) to raw; -1 when memory ran
 * out (then both are freed). */
static int raw_add(RawList *raw, const char *relative, const CorpusOptions *o, int *pitches,
                   int *positions, int length)
{
    if (raw->n == raw->cap) {
        int cap = raw->cap ? raw->cap * 2 : 64;
        RawMelody *grown = realloc(raw->items, (size_t)cap * sizeof *grown);
        if (!grown) {
            free(pitches), free(positions);
            return -1;
        }
        raw->items = grown;
        raw->cap = cap;
    }
    RawMelody *m = &raw->items[raw->n];
    m->file = strdup(relative);
    if (!m->file) {
        free(pitches), free(positions);
        return -1;
    }
    m->pitches = pitches;
    m->positions = positions;
    m->length = length;
    m->split = corpus_split_of(relative, o->val_fraction);
    raw->n++;
    return 0;
}

static int fits_bar(const MelodyBarStep *step, int bar_steps)
{
    return step->bar_steps > 0 && step->bar_steps <= bar_steps;
}

/* With bar positions: the melody's steps in the bars the model can express
 * (whole bars of at most P steps), each run of them a melody of its own
 * (when at least min_length long); the other bars are counted. Takes
 * pitches. -1 when memory ran out. */
static int add_in_bars(RawList *raw, const char *relative, const CorpusOptions *o,
                       const MidiSong *song, int *pitches, int length, int64_t first_step,
                       long *bars_skipped)
{
    MelodyBarStep *bars = malloc((size_t)length * sizeof *bars);
    if (!bars) {
        free(pitches);
        return -1;
    }
    melody_bar_steps(song, o->steps_per_beat, first_step, length, bars);
    int status = 0;
    for (int k = 0; k < length && status == 0;) {
        int fits = fits_bar(&bars[k], o->bar_steps);
        int end = k + 1;
        while (end < length && fits_bar(&bars[end], o->bar_steps) == fits)
            end++;
        if (!fits) {
            for (int i = k; i < end; i++)
                *bars_skipped += bars[i].new_bar || i == k;
        } else if (end - k >= o->min_length) {
            int *piece = malloc((size_t)(end - k) * sizeof *piece);
            int *positions = malloc((size_t)(end - k) * sizeof *positions);
            if (!piece || !positions) {
                free(piece), free(positions);
                status = -1;
                break;
            }
            memcpy(piece, pitches + k, (size_t)(end - k) * sizeof *piece);
            for (int i = k; i < end; i++)
                positions[i - k] = bars[i].position;
            status = raw_add(raw, relative, o, piece, positions, end - k);
        }
        k = end;
    }
    free(bars);
    free(pitches);
    return status;
}

static int read_one(const char *dir, const char *relative, const CorpusOptions *o, RawList *raw,
                    int skipped[SKIP_KINDS], long *bars_skipped, FILE *report)
{
    char *path = corpus_files_join(dir, relative);
    if (!path) return -1;
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    int kind = -1;
    int *pitches = NULL, length = 0;
    int64_t first_step = 0;
    int read = midi_read_file(path, &song, reason, sizeof reason) == 0;
    if (!read) {
        kind = SKIP_UNREADABLE;
    } else {
        int track = o->track == CORPUS_AUTO ? MELODY_ANY : o->track;
        int channel = o->channel == CORPUS_AUTO ? MELODY_ANY : o->channel;
        if (o->track == CORPUS_AUTO && o->channel == CORPUS_AUTO &&
            melody_pick(&song, &track, &channel) != 0) {
            kind = SKIP_NO_NOTES;
            snprintf(reason, sizeof reason, "no pitched notes (%d drum notes)", song.drum_notes);
        } else if (melody_tokens_from(&song, track, channel, o->steps_per_beat, &pitches, &length,
                                      &first_step, reason, sizeof reason) != 0) {
            kind = SKIP_UNREADABLE;
        } else if (length == 0) {
            kind = SKIP_NO_NOTES;
            snprintf(reason, sizeof reason, "no pitched notes in the chosen track/channel");
        } else if (length < o->min_length) {
            kind = SKIP_SHORT;
            snprintf(reason, sizeof reason, "%d steps, shorter than the minimum %d", length,
                     o->min_length);
        }
    }
    if (kind >= 0) {
        skipped[kind]++;
        if (report) fprintf(report, "skip %s: %s\n", path, reason);
        free(pitches);
        free(path);
        if (read) midi_song_free(&song);
        return 0;
    }
    int before = raw->n;
    int status = o->bar_steps > 0 ? add_in_bars(raw, relative, o, &song, pitches, length,
                                                first_step, bars_skipped)
                                  : raw_add(raw, relative, o, pitches, NULL, length);
    midi_song_free(&song);
    if (status == 0 && raw->n == before) {
        skipped[SKIP_SHORT]++;
        if (report)
            fprintf(report, "skip %s: no run of bars of at most %d steps is %d steps long\n", path,
                    o->bar_steps, o->min_length);
    }
    free(path);
    return status;
}

/* The range rule of the comment at the top. */
static void choose_range(const RawList *raw, const CorpusOptions *o, int *low_out, int *high_out)
{
    int low = 128, high = -1;
    for (int pass = 0; pass < 2 && high < 0; pass++) /* pass 1: every split */
        for (int i = 0; i < raw->n; i++) {
            if (pass == 0 && raw->items[i].split != CORPUS_TRAIN) continue;
            for (int k = 0; k < raw->items[i].length; k++) {
                int p = raw->items[i].pitches[k];
                if (p < 0) continue;
                low = p < low ? p : low;
                high = p > high ? p : high;
            }
        }
    low += o->transpose_lo;
    high += o->transpose_hi;
    low = low < 0 ? 0 : low;
    high = high > 127 ? 127 : high;
    if (o->note_low != CORPUS_AUTO) low = o->note_low;
    if (o->note_high != CORPUS_AUTO) high = o->note_high;
    /* Widen to an octave: upwards first, as melodies sit high. */
    while (high - low + 1 < 12 && (o->note_low == CORPUS_AUTO || o->note_high == CORPUS_AUTO)) {
        if (o->note_high == CORPUS_AUTO && high < 127)
            high++;
        else if (o->note_low == CORPUS_AUTO && low > 0)
            low--;
        else
            break;
    }
    *low_out = low;
    *high_out = high;
}

static int add_sequence(Corpus *c, int *cap, const RawMelody *m, int transpose)
{
    if (c->n_seqs == *cap) {
        int grown_cap = *cap ? *cap * 2 : 64;
        CorpusSequence *grown = realloc(c->seqs, (size_t)grown_cap * sizeof *grown);
        if (!grown) return -1;
        c->seqs = grown;
        *cap = grown_cap;
    }
    CorpusSequence *s = &c->seqs[c->n_seqs];
    s->file = strdup(m->file);
    s->tokens = malloc((size_t)m->length * sizeof *s->tokens);
    s->positions = m->positions ? malloc((size_t)m->length * sizeof *s->positions) : NULL;
    if (!s->file || !s->tokens || (m->positions && !s->positions)) {
        free(s->file);
        free(s->tokens);
        free(s->positions);
        return -1;
    }
    if (m->positions) memcpy(s->positions, m->positions, (size_t)m->length * sizeof *s->positions);
    for (int k = 0; k < m->length; k++) {
        int p = m->pitches[k];
        s->tokens[k] = p == MELODY_REST ? c->rest_token
                       : p == MELODY_HOLD
                           ? c->hold_token
                           : fold(p + transpose, c->note_low, c->note_high) - c->note_low;
    }
    s->length = m->length;
    s->split = m->split;
    s->transpose = transpose;
    c->tokens[m->split] += m->length;
    c->n_seqs++;
    return 0;
}

int corpus_load(Corpus *corpus, const char *const *dirs, int n_dirs, const CorpusOptions *options,
                FILE *report)
{
    memset(corpus, 0, sizeof *corpus);
    if (check_options(options, report) != 0) return -1;

    RawList raw = {0};
    int skipped[SKIP_KINDS] = {0};
    int found = 0;
    long bars_skipped = 0;
    for (int d = 0; d < n_dirs; d++) {
        CorpusFileList files;
        if (corpus_files_find(dirs[d], &files) != 0) {
            if (report)
                fprintf(report, "corpus: cannot read folder %s: %s\n", dirs[d], strerror(errno));
            raw_free(&raw);
            return -1;
        }
        found += files.n;
        for (int i = 0; i < files.n; i++)
            if (read_one(dirs[d], files.paths[i], options, &raw, skipped, &bars_skipped, report) !=
                0) {
                corpus_files_free(&files);
                raw_free(&raw);
                if (report) fprintf(report, "corpus: out of memory\n");
                return -1;
            }
        corpus_files_free(&files);
    }
    if (found == 0 || raw.n == 0) {
        if (report)
            fprintf(report,
                    found ? "corpus: none of the %d MIDI files gave a usable melody\n"
                          : "corpus: no .mid or .midi files found\n",
                    found);
        raw_free(&raw);
        return -1;
    }

    choose_range(&raw, options, &corpus->note_low, &corpus->note_high);
    int pitches = corpus->note_high - corpus->note_low + 1;
    corpus->rest_token = cantus_vocab_rest_token(pitches);
    corpus->hold_token = cantus_vocab_hold_token(pitches);
    corpus->vocab = cantus_vocab_size(pitches);
    corpus->steps_per_beat = options->steps_per_beat;
    corpus->bar_steps = options->bar_steps;
    corpus->bars_skipped = bars_skipped;
    for (int i = 0; i < raw.n; i++) /* a file cut at skipped bars gives several melodies */
        corpus->files_read += i == 0 || strcmp(raw.items[i].file, raw.items[i - 1].file) != 0;
    corpus->files_skipped = skipped[SKIP_UNREADABLE] + skipped[SKIP_NO_NOTES] + skipped[SKIP_SHORT];

    int cap = 0, files_in[2] = {0, 0};
    for (int i = 0; i < raw.n; i++) {
        const RawMelody *m = &raw.items[i];
        files_in[m->split] += i == 0 || strcmp(m->file, raw.items[i - 1].file) != 0;
        int failed = add_sequence(corpus, &cap, m, 0);
        if (m->split == CORPUS_TRAIN)
            for (int t = options->transpose_lo; t <= options->transpose_hi && !failed; t++)
                if (t != 0) failed = add_sequence(corpus, &cap, m, t);
        if (failed) {
            raw_free(&raw);
            corpus_free(corpus);
            if (report) fprintf(report, "corpus: out of memory\n");
            return -1;
        }
    }
    raw_free(&raw);

    if (report)
        fprintf(report,
                "corpus: %d files read, %d skipped (%d unreadable, %d without notes, %d too "
                "short); train %d files, %ld tokens; validation %d files, %ld tokens; notes "
                "%d..%d, vocabulary %d\n",
                corpus->files_read, corpus->files_skipped, skipped[SKIP_UNREADABLE],
                skipped[SKIP_NO_NOTES], skipped[SKIP_SHORT], files_in[CORPUS_TRAIN],
                corpus->tokens[CORPUS_TRAIN], files_in[CORPUS_VAL], corpus->tokens[CORPUS_VAL],
                corpus->note_low, corpus->note_high, corpus->vocab);
    if (report && options->bar_steps > 0)
        fprintf(report,
                "corpus: positions in bars of up to %d steps; %ld bars skipped (longer, or not "
                "a whole number of steps)\n",
                options->bar_steps, bars_skipped);
    return 0;
}
