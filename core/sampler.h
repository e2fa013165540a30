/* Choosing the next token: a mask (note range, key and scale, rests) and a
 * softmax with temperature.
 *
 * Real-time class: every function here is real-time safe.
 */
#ifndef CANTUS_SAMPLER_H
#define CANTUS_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scale indices are public: they are the values of the plugin's `scale`
 * control port and of cantus-train's --scale. */
typedef enum {
    CANTUS_SCALE_CHROMATIC = 0,
    CANTUS_SCALE_MAJOR,
    CANTUS_SCALE_NATURAL_MINOR,
    CANTUS_SCALE_HARMONIC_MINOR,
    CANTUS_SCALE_DORIAN,
    CANTUS_SCALE_MIXOLYDIAN,
    CANTUS_SCALE_MAJOR_PENTATONIC,
    CANTUS_SCALE_MINOR_PENTATONIC,
    CANTUS_SCALE_BLUES,
    CANTUS_SCALE_COUNT
} CantusScale;

/* 12-bit set of pitch classes relative to the key (bit 0 = the tonic). */
uint16_t cantus_scale_pitch_classes(CantusScale scale);
/* "chromatic", "major", ... as used on the command line; NULL if out of range. */
const char *cantus_scale_name(CantusScale scale);
/* The inverse of cantus_scale_name; -1 when unknown. */
int cantus_scale_from_name(const char *name);

typedef struct {
    int note_low;  /* lowest MIDI pitch allowed */
    int note_high; /* highest MIDI pitch allowed */
    int key;       /* 0 = C ... 11 = B */
    CantusScale scale;
    bool rests; /* false: REST and HOLD are masked out */
} CantusMaskSpec;

/* Fills mask[0..V-1] with 1 for allowed tokens and returns how many are
 * allowed. It never returns 0 when the model has pitch tokens: if the range
 * and scale leave no pitch, the scale is dropped; if the range still leaves
 * none, every pitch token of the model is allowed. */
int cantus_mask_build(const CantusModelInfo *info, const CantusMaskSpec *spec, uint8_t *mask);

/* The mask for a sequence's first step: as cantus_mask_build with REST and
 * HOLD masked whatever spec->rests says, so a sequence opens with a note (a
 * HOLD with nothing sounding, or a REST, would leave its first beat silent;
 * the models never saw a sequence open with either: leading rests are
 * trimmed from the training data). */
int cantus_mask_build_opening(const CantusModelInfo *info, const CantusMaskSpec *spec,
                              uint8_t *mask);

/* Temperatures at or below this are argmax. */
#define CANTUS_TEMPERATURE_ARGMAX 1e-3f

/* Draws a token from softmax(logits / temperature) restricted to the mask
 * (mask may be NULL: all allowed). scratch must hold V doubles. Temperature
 * <= CANTUS_TEMPERATURE_ARGMAX, or not finite, picks the allowed token with
 * the largest logit (lowest index on ties) without consuming random numbers.
 * Non-finite logits are treated as -infinity (when every allowed logit is
 * non-finite, the allowed tokens are equally likely). Returns -1 only when no
 * token is allowed. One uniform draw per call (inverse CDF). */
int cantus_sample(const float *logits, const uint8_t *mask, int vocab, float temperature,
                  CantusRng *rng, double *scratch);

/* softmax(logits / temperature) over the mask into probs (0 where masked);
 * what cantus_sample draws from. Returns false when no token is allowed. */
bool cantus_softmax(const float *logits, const uint8_t *mask, int vocab, float temperature,
                    double *probs);

#ifdef __cplusplus
}
#endif

#endif
