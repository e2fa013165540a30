/* From notes to a melody: which part carries the tune, and the one token per
 * step it becomes.
 *
 * A part is the notes of one (track, channel) pair; drums never appear (the
 * reader drops them). The tokens here are raw: a MIDI pitch 0..127, or
 * MELODY_REST / MELODY_HOLD; the corpus folds pitches into the model's range.
 */
#ifndef CANTUS_MELODY_H
#define CANTUS_MELODY_H

#include <stddef.h>

#include "midi/midi_read.h"

#define MELODY_REST (-1)
#define MELODY_HOLD (-2)
#define MELODY_ANY  (-1) /* as a track or channel: no restriction */

/* Longest melody accepted, in steps (a bound on memory for absurd files). */
#define MELODY_MAX_STEPS (1 << 21)

typedef struct {
    int track, channel;
    int notes;
    double mean_pitch;
    double overlap;  /* share of notes starting while another note of the part sounds */
    double coverage; /* share of the song's length during which the part sounds */
    double density;  /* onsets per beat from its first onset to its last note's end */
    int name_vote;   /* +1 melody-like name, -1 accompaniment-like, 0 neither */
    double score;
} MelodyPart;

/* The parts of a song with their features and scores, best first. *parts is
 * malloc'd (free it); returns the count (0 when the song has no pitched
 * note) or -1 when memory ran out. use_names = 0 scores without the track
 * names (to measure what the rest of the heuristic is worth). */
int melody_parts(const MidiSong *song, int use_names, MelodyPart **parts);

/* The heuristic's choice: the best part's track and channel. Returns -1 when
 * the song has no pitched note. */
int melody_pick(const MidiSong *song, int *track, int *channel);

/* One token per step for the notes of the given track and channel (either
 * may be MELODY_ANY). Step k sits at tick k * ppqn / steps_per_beat; its
 * token is the pitch whose note starts nearest it, within half a step either
 * side (the highest on a tie), else HOLD if a note that started earlier
 * still sounds at the step, else REST. Leading and trailing rests are cut.
 * Returns 0 with a malloc'd array (length may be 0, tokens then NULL), or
 * -1 with a reason. */
int melody_tokens(const MidiSong *song, int track, int channel, int steps_per_beat, int **tokens,
                  int *length, char *reason, size_t reason_size);
/* The same, and the step (counted from tick 0) of the first token kept. */
int melody_tokens_from(const MidiSong *song, int track, int channel, int steps_per_beat,
                       int **tokens, int *length, int64_t *first_step, char *reason,
                       size_t reason_size);

/* Where a step sits in its bar, from the song's time signatures. */
typedef struct {
    int position;  /* steps since the bar began; -1 when bar_steps is 0 */
    int bar_steps; /* the bar's length in steps; 0 when it is not a whole number of steps
                      (3/8 at one step per beat) or its time signature falls between steps */
    int new_bar;   /* 1 when this step is in another bar than the step before */
} MelodyBarStep;

/* The bar steps of steps first_step .. first_step + length - 1 (step k at
 * tick k * ppqn / steps_per_beat). Each time signature starts a bar at its
 * tick; before the first, 4/4 from tick 0. A bar lasts numerator * 4 /
 * denominator quarters: 3/4 is 3 beats, 6/8 is 3 (six eighths), 2/2 is 4. */
void melody_bar_steps(const MidiSong *song, int steps_per_beat, int64_t first_step, int length,
                      MelodyBarStep *out);

#endif
