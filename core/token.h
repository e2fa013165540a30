/* The token vocabulary, in one place: what each token of a melody means and
 * how long the note it starts sounds. The trainer's melodies (MIDI file to
 * tokens), the plugin's player (tokens to notes) and `cantus-train
 * generate` (which plays the player) all go by it.
 *
 *   pitch tokens 0 .. P-1   a note starts, at MIDI pitch note_low + token
 *                           (cantus_token_pitch in model.h)
 *   REST                    nothing sounds at this step
 *   HOLD                    the note sounding goes on through this step (a
 *                           tie); with nothing sounding it is silence
 *
 * A corpus puts REST at P and HOLD at P + 1 (cantus_vocab_*); a model file
 * names its own (cantus.rest_token, cantus.hold_token), -1 for none.
 *
 * A note's length: a pitch token at step s followed by h HOLDs sounds from
 * the start of step s to `gate` of the way through step s + h:
 *
 *     end = start(s+h) + round(gate x (start(s+h+1) - start(s+h)))
 *
 * at least one unit after start(s+h); a gate of 100 % ends exactly at
 * start(s+h+1). So at gate 80 % a pitch and two HOLDs last 2.8 steps, and
 * swing (steps of unequal length) shapes only the last step's share.
 *
 * The same rule read backwards (a MIDI file to tokens): a note is HOLD at
 * every step after its own that starts before the note ends
 * (cantus_note_steps_end), so a note played by the rule above, at any gate,
 * reads back as the pitch and HOLDs it was played from.
 *
 * Real-time class: everything here is real-time safe.
 */
#ifndef CANTUS_TOKEN_H
#define CANTUS_TOKEN_H

#include <stdint.h>

#include "model.h"

typedef enum {
    CANTUS_TOKEN_NONE = 0, /* not a token of this model (no draw, out of range) */
    CANTUS_TOKEN_PITCH,
    CANTUS_TOKEN_REST,
    CANTUS_TOKEN_HOLD,
} CantusTokenKind;

CantusTokenKind cantus_token_kind(const CantusModelInfo *info, int token);

/* The vocabulary a corpus of `pitch_tokens` pitches gets: REST and HOLD
 * follow the pitch tokens. */
int cantus_vocab_rest_token(int pitch_tokens);
int cantus_vocab_hold_token(int pitch_tokens);
int cantus_vocab_size(int pitch_tokens);

/* Where a note ends whose last step (its own, or its last HOLD) starts at
 * `last_step` and is followed by a step at `next_step` (frames or ticks),
 * with the gate in percent (0 < gate <= 100). */
int64_t cantus_note_end(int64_t last_step, int64_t next_step, double gate_percent);

/* The first step at or after a note's end, in a grid whose step k starts
 * at k x step_length (end >= 0, step_length > 0, one unit for both): the
 * steps after the note's own and before this one are its HOLDs. */
int64_t cantus_note_steps_end(int64_t end, int64_t step_length);

#endif
