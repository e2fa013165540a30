/* Picking the melody part and turning it into tokens.
 *
 * The seed took the highest sounding note over all tracks (a "skyline"); in
 * its own pop files that is a melody note only about half the time, since
 * chord tones ring above the tune. Here each (track, channel) part is scored
 * instead, and the skyline is taken within the winning part only. The score
 * and the numbers measured with it are in docs/midi.md. */
#include "midi/melody.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

/* Weights of the part score (docs/midi.md says how they were chosen). */
#define WEIGHT_NAME     3.0 /* a name saying melody, or accompaniment */
#define WEIGHT_MONO     2.0 /* share of notes that start alone */
#define WEIGHT_COVERAGE 1.0 /* share of the song the part sounds in */
#define WEIGHT_PITCH    1.0 /* per octave below the highest part's mean */
#define WEIGHT_DENSITY  0.5 /* onsets per beat of the part's span: tunes move, pads do not */
#define DENSITY_FULL    2.0 /* ... counted up to this many */
#define BASS_MEAN       48.0
#define WEIGHT_BASS     1.5 /* a part whose mean is below C3 is a bass line */
/* Parts with fewer onsets (distinct note start times) than this share of
 * the busiest part's are ignored: a few fills or a count-in are not the
 * tune. Onsets, not notes, so that block chords do not count three times. */
#define MIN_NOTE_SHARE 0.1

static const char *const melody_words[] = {"melod", "lead",  "vocal", "voice", "vox",  "sopran",
                                           "solo",  "right", "tune",  "sing",  "theme"};
static const char *const accompaniment_words[] = {"bass",  "drum",   "perc",    "chord", "accomp",
                                                  "pad",   "harmon", "rhythm",  "left",  "alto",
                                                  "tenor", "comp",   "backing", "arp"};

static int contains_word(const char *text, const char *const *words, size_t n)
{
    char lower[256];
    size_t i;
    for (i = 0; text[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)tolower((unsigned char)text[i]);
    lower[i] = '\0';
    for (size_t w = 0; w < n; w++)
        if (strstr(lower, words[w])) return 1;
    return 0;
}

static int name_vote(const char *name)
{
    if (!name || !name[0]) return 0;
    int melody = contains_word(name, melody_words, sizeof melody_words / sizeof *melody_words);
    int accompaniment = contains_word(name, accompaniment_words,
                                      sizeof accompaniment_words / sizeof *accompaniment_words);
    return melody - accompaniment;
}

static int compare_parts(const void *a, const void *b)
{
    const MelodyPart *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->track != y->track) return x->track - y->track;
    return x->channel - y->channel;
}

int melody_parts(const MidiSong *song, int use_names, MelodyPart **parts_out)
{
    *parts_out = NULL;
    if (song->n_notes == 0) return 0;
    int n_slots = song->n_tracks * 16;
    MelodyPart *parts = calloc((size_t)n_slots, sizeof *parts);
    int64_t *max_end = calloc((size_t)n_slots, sizeof *max_end);     /* overlap sweep */
    int64_t *union_end = calloc((size_t)n_slots, sizeof *union_end); /* coverage sweep */
    int64_t *last_start = calloc((size_t)n_slots, sizeof *last_start);
    int64_t *first_start = calloc((size_t)n_slots, sizeof *first_start);
    int *onsets = calloc((size_t)n_slots, sizeof *onsets);
    double *sum_pitch = calloc((size_t)n_slots, sizeof *sum_pitch);
    double *overlapped = calloc((size_t)n_slots, sizeof *overlapped);
    double *covered = calloc((size_t)n_slots, sizeof *covered);
    int status = 0;
    if (!parts || !max_end || !union_end || !last_start || !first_start || !onsets || !sum_pitch ||
        !overlapped || !covered) {
        free(parts);
        parts = NULL;
        status = -1;
        goto done;
    }
    for (int i = 0; i < n_slots; i++)
        max_end[i] = union_end[i] = last_start[i] = -1;

    /* Legato playing overlaps a little; only an overlap longer than a 32nd
     * note counts as two notes sounding together. */
    int64_t tolerance = song->ppqn / 8;
    for (int i = 0; i < song->n_notes; i++) { /* notes are sorted by start */
        const MidiNote *note = &song->notes[i];
        int slot = note->track * 16 + note->channel;
        if (parts[slot].notes++ == 0) first_start[slot] = note->start;
        if (note->start != last_start[slot]) onsets[slot]++;
        last_start[slot] = note->start;
        sum_pitch[slot] += note->pitch;
        if (max_end[slot] > note->start + tolerance) overlapped[slot] += 1;
        if (note->end > max_end[slot]) max_end[slot] = note->end;
        int64_t from = note->start > union_end[slot] ? note->start : union_end[slot];
        if (note->end > from) covered[slot] += (double)(note->end - from);
        if (note->end > union_end[slot]) union_end[slot] = note->end;
    }

    int most = 0;
    for (int s = 0; s < n_slots; s++)
        if (onsets[s] > most) most = onsets[s];
    int n = 0;
    double highest_mean = -1;
    double length = song->end_tick > 0 ? (double)song->end_tick : 1.0;
    for (int s = 0; s < n_slots; s++) {
        if (parts[s].notes == 0 || onsets[s] < MIN_NOTE_SHARE * most) continue;
        MelodyPart part = {0};
        part.track = s / 16;
        part.channel = s % 16;
        part.notes = parts[s].notes;
        part.mean_pitch = sum_pitch[s] / parts[s].notes;
        part.overlap = overlapped[s] / parts[s].notes;
        part.coverage = covered[s] / length;
        int64_t span = max_end[s] - first_start[s];
        part.density = span > 0 ? onsets[s] * (double)song->ppqn / (double)span : 0.0;
        part.name_vote = use_names ? name_vote(song->track_names[part.track]) : 0;
        if (part.mean_pitch > highest_mean) highest_mean = part.mean_pitch;
        parts[n++] = part;
    }
    for (int i = 0; i < n; i++) {
        MelodyPart *p = &parts[i];
        p->score = WEIGHT_NAME * p->name_vote + WEIGHT_MONO * (1.0 - p->overlap) +
                   WEIGHT_COVERAGE * p->coverage +
                   WEIGHT_DENSITY * (p->density < DENSITY_FULL ? p->density / DENSITY_FULL : 1.0) -
                   WEIGHT_PITCH * (highest_mean - p->mean_pitch) / 12.0 -
                   (p->mean_pitch < BASS_MEAN ? WEIGHT_BASS : 0.0);
    }
    qsort(parts, (size_t)n, sizeof *parts, compare_parts);
    status = n;
done:
    free(max_end), free(union_end), free(last_start), free(first_start), free(onsets),
        free(sum_pitch), free(overlapped), free(covered);
    *parts_out = parts;
    return status;
}

int melody_pick(const MidiSong *song, int *track, int *channel)
{
    MelodyPart *parts;
    int n = melody_parts(song, 1, &parts);
    if (n <= 0) {
        free(parts);
        return -1;
    }
    *track = parts[0].track;
    *channel = parts[0].channel;
    free(parts);
    return 0;
}

static int selected(const MidiNote *note, int track, int channel)
{
    return (track == MELODY_ANY || note->track == track) &&
           (channel == MELODY_ANY || note->channel == channel);
}

int melody_tokens(const MidiSong *song, int track, int channel, int steps_per_beat,
                  int **tokens_out, int *length_out, char *reason, size_t reason_size)
{
    int64_t first_step;
    return melody_tokens_from(song, track, channel, steps_per_beat, tokens_out, length_out,
                              &first_step, reason, reason_size);
}

int melody_tokens_from(const MidiSong *song, int track, int channel, int steps_per_beat,
                       int **tokens_out, int *length_out, int64_t *first_step, char *reason,
                       size_t reason_size)
{
    *tokens_out = NULL;
    *length_out = 0;
    *first_step = 0;
    if (steps_per_beat < 1 || song->ppqn < 1) {
        snprintf(reason, reason_size, "bad steps per beat (%d) or ticks per quarter (%d)",
                 steps_per_beat, song->ppqn);
        return -1;
    }
    /* Times are scaled by steps_per_beat so that step k sits at k * ppqn:
     * all the arithmetic stays in exact integers. */
    const int64_t spb = steps_per_beat, ppqn = song->ppqn;
    int64_t steps = 0;
    for (int i = 0; i < song->n_notes; i++) {
        const MidiNote *note = &song->notes[i];
        if (!selected(note, track, channel)) continue;
        int64_t onset_step = (2 * note->start * spb + ppqn) / (2 * ppqn);
        int64_t end_steps = cantus_note_steps_end(note->end * spb, ppqn);
        if (onset_step + 1 > steps) steps = onset_step + 1;
        if (end_steps > steps) steps = end_steps;
    }
    if (steps == 0) return 0;
    if (steps > MELODY_MAX_STEPS) {
        snprintf(reason, reason_size, "melody is longer than %d steps", MELODY_MAX_STEPS);
        return -1;
    }

    int *tokens = malloc((size_t)steps * sizeof *tokens);
    int64_t *best = malloc((size_t)steps * sizeof *best);        /* distance of the chosen onset */
    int *sounding = calloc((size_t)steps + 1, sizeof *sounding); /* difference array */
    if (!tokens || !best || !sounding) {
        free(tokens), free(best), free(sounding);
        snprintf(reason, reason_size, "out of memory");
        return -1;
    }
    for (int64_t k = 0; k < steps; k++) {
        tokens[k] = MELODY_REST;
        best[k] = INT64_MAX;
    }
    for (int i = 0; i < song->n_notes; i++) {
        const MidiNote *note = &song->notes[i];
        if (!selected(note, track, channel)) continue;
        int64_t k = (2 * note->start * spb + ppqn) / (2 * ppqn);
        int64_t distance = note->start * spb - k * ppqn;
        if (distance < 0) distance = -distance;
        if (distance < best[k] || (distance == best[k] && note->pitch > tokens[k])) {
            best[k] = distance;
            tokens[k] = note->pitch;
        }
        /* It sounds (as HOLD) at the steps after its own that start before
         * its end: the vocabulary's rule (core/token.h). */
        int64_t end_steps = cantus_note_steps_end(note->end * spb, ppqn);
        if (end_steps > k + 1) {
            sounding[k + 1]++;
            sounding[end_steps]--;
        }
    }
    int running = 0;
    for (int64_t k = 0; k < steps; k++) {
        running += sounding[k];
        if (best[k] == INT64_MAX && running > 0) tokens[k] = MELODY_HOLD;
    }
    free(best);
    free(sounding);

    int64_t first = 0, last = steps;
    while (first < last && tokens[first] == MELODY_REST)
        first++;
    while (last > first && tokens[last - 1] == MELODY_REST)
        last--;
    if (first > 0) memmove(tokens, tokens + first, (size_t)(last - first) * sizeof *tokens);
    *length_out = (int)(last - first);
    *first_step = first;
    if (*length_out == 0) {
        free(tokens);
        tokens = NULL;
    }
    *tokens_out = tokens;
    return 0;
}

void melody_bar_steps(const MidiSong *song, int steps_per_beat, int64_t first_step, int length,
                      MelodyBarStep *out)
{
    /* In ticks scaled by steps_per_beat, step k sits at k * ppqn, and a bar
     * of n/d lasts n * 4 * ppqn * spb / d, compared after multiplying by d
     * so that everything stays in exact integers. */
    const int64_t spb = steps_per_beat, ppqn = song->ppqn;
    const MidiMeter four_four = {0, 4, 4};
    int meter = -1; /* index into song->meters; -1: the 4/4 before the first */
    int64_t last_bar = -1;
    int last_meter = -2;
    for (int i = 0; i < length; i++) {
        const int64_t k = first_step + i, at = k * ppqn;
        while (meter + 1 < song->n_meters && song->meters[meter + 1].tick * spb <= at)
            meter++;
        const MidiMeter *m = meter >= 0 ? &song->meters[meter] : &four_four;
        const int64_t n = m->numerator, d = m->denominator, begin = m->tick * spb;
        const int64_t bar_length = n * 4 * ppqn * spb; /* times d */
        const int64_t bar = (at - begin) * d / bar_length;
        const int whole = (n * 4 * spb) % d == 0 && begin % ppqn == 0;
        const int64_t steps = n * 4 * spb / d;
        out[i].bar_steps = whole && steps <= INT32_MAX ? (int)steps : 0;
        out[i].position = out[i].bar_steps ? (int)((k - begin / ppqn) % steps) : -1;
        out[i].new_bar = meter != last_meter || bar != last_bar;
        last_meter = meter;
        last_bar = bar;
    }
}
