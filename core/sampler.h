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
    int note_low;  /* lowest MIDI pitch allowed (the two ends may come in either order) */
    int note_high; /* highest MIDI pitch allowed */
    int key;       /* 0 = C ... 11 = B */
    CantusScale scale;
    bool rests;     /* false: REST and HOLD are masked out */
    int transpose;  /* semitones added to every model pitch, before the range */
    uint16_t chord; /* pitch classes (bit 0 = C) that replace key/scale; 0: none */
} CantusMaskSpec;

/* The register: the pitch each token sounds at (core/pitch_map.c).
 *
 * A pitch token's model pitch plus `transpose` is carried by whole octaves
 * to the nearest octave inside [note_low, note_high] (pitch class kept), so
 * a melody keeps its shape in any register. A range narrower than an octave
 * keeps the tokens whose pitch class fits; the others map to
 * CANTUS_NO_PITCH. Only when no token fits at all (a model of fewer than 12
 * pitch classes in such a range) does every pitch token sound at the range's
 * pitch nearest its own. REST, HOLD and non-tokens map to CANTUS_NO_PITCH.
 * Both range ends are clamped to 0..127; reversed ends are swapped.
 *
 * Several tokens may map to one pitch. Drawing a token from the masked
 * softmax and sounding pitch_of[token] is the same as drawing a pitch from
 * the merged distribution P(q) = sum of p(t) over the tokens t mapped to q:
 * the events "token t" for those t are disjoint and their union is "pitch
 * q". So the mass is merged without a merged array, and the LSTM is still
 * fed the token the model itself chose (tests/core/test_pitch_map.c checks
 * the two distributions agree). */
#define CANTUS_NO_PITCH (-1)

/* Fills pitch_of[0..V-1]; returns how many pitch tokens sound. */
int cantus_pitch_map_build(const CantusModelInfo *info, const CantusMaskSpec *spec,
                           int16_t *pitch_of);

/* Fills mask[0..V-1] with 1 for allowed tokens and returns how many are
 * allowed. A pitch token is allowed iff it sounds (pitch_of, as
 * cantus_pitch_map_build gives it) and its sounding pitch passes the first
 * of these that leaves any pitch token allowed: the chord (when spec->chord
 * has pitch classes), then key/scale; when neither leaves one (a range
 * narrower than the gaps between them), the sounding pitches nearest (in
 * semitones) to the key/scale are allowed. So the range is always obeyed,
 * and the mask never allows nothing when the model has pitch tokens. */
int cantus_mask_build_mapped(const CantusModelInfo *info, const CantusMaskSpec *spec,
                             const int16_t *pitch_of, uint8_t *mask);

/* cantus_mask_build_mapped with the map built on the stack. */
int cantus_mask_build(const CantusModelInfo *info, const CantusMaskSpec *spec, uint8_t *mask);

/* The mask for a sequence's first step: as cantus_mask_build with REST and
 * HOLD masked whatever spec->rests says, so a sequence opens with a note (a
 * HOLD with nothing sounding, or a REST, would leave its first beat silent;
 * the models never saw a sequence open with either: leading rests are
 * trimmed from the training data). */
int cantus_mask_build_opening(const CantusModelInfo *info, const CantusMaskSpec *spec,
                              uint8_t *mask);
int cantus_mask_build_opening_mapped(const CantusModelInfo *info, const CantusMaskSpec *spec,
                                     const int16_t *pitch_of, uint8_t *mask);

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
