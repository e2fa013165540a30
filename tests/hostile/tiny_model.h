/* Small model files for the hostile tests, written with the core's own
 * atomic writer: a valid model (deterministic weights from a seed), or one
 * whose weights or biases are pushed to a chosen magnitude (the overflow
 * finding). */
#ifndef CANTUS_TESTS_HOSTILE_TINY_MODEL_H
#define CANTUS_TESTS_HOSTILE_TINY_MODEL_H

#include <stdint.h>

typedef struct {
    int note_low; /* MIDI pitch of token 0 */
    int pitches;  /* pitch tokens; REST and HOLD follow */
    int hidden;
    int layers;
    uint32_t seed; /* weights uniform in [-scale, scale) from this seed */
    float scale;   /* 0 means 0.5 */
    float bias;    /* 0: random biases; else every bias is this value */
} TinyModelSpec;

/* Writes the model to path; returns 0, or -1 with a message on stderr. */
int tiny_model_write(const char *path, const TinyModelSpec *spec);

/* The same with default shape (C4.., 12 pitches, H 8, 1 layer). */
int tiny_model_write_default(const char *path, uint32_t seed);

#endif
