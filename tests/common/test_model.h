/* The one writer of the small model files tests make for themselves. It
 * writes through the core's own atomic writer (cantus_safetensors_write),
 * so every test depends on the format as the core writes and reads it.
 * A model may carry one flaw on purpose, for the tests of what a loader or
 * a host does with a file it must refuse. Malformed bytes the writer cannot
 * produce (a broken JSON header, overlapping offsets ...) come from
 * tests/core/model_builder.h, the one place that writes them by hand. */
#ifndef CANTUS_TESTS_COMMON_TEST_MODEL_H
#define CANTUS_TESTS_COMMON_TEST_MODEL_H

#include <stdint.h>

#include "model.h"

typedef enum {
    FLAW_NONE,      /* a valid model */
    FLAW_TRUNCATED, /* the file cut to two thirds of its length */
    FLAW_SHAPE,     /* fc.weight one column wider than the hidden size */
    FLAW_NAN,       /* one NaN among the recurrent weights of layer 0 */
} ModelFlaw;

typedef struct {
    int note_low; /* MIDI pitch of token 0 */
    int pitches;  /* pitch tokens; REST and HOLD follow */
    int hidden;
    int layers;         /* 0 means 1 */
    uint32_t seed;      /* weights uniform in [-scale, scale) from this seed */
    float scale;        /* 0 means 0.5 */
    float bias;         /* 0: random biases; else every bias is this value */
    int steps_per_beat; /* cantus.steps_per_beat, steps a quarter note; 0 means 1 */
    int bar_steps;      /* cantus.bar_steps, the metre input's positions (0: none) */
    ModelFlaw flaw;
} TestModelSpec;

/* Writes the model to path; returns 0, or -1 with a sentence on stderr. */
int test_model_write(const char *path, const TestModelSpec *spec);

/* A valid model of the default shape (C4 up, 12 pitches, H 8, one layer). */
int test_model_write_default(const char *path, uint32_t seed);

/* What a loaded model of `pitches` pitch tokens from note_low says of itself
 * (REST and HOLD follow the pitches, H 8, one layer, a token a beat): for
 * the tests of sampling and pitch mapping, which need no weights. */
CantusModelInfo test_model_info(int note_low, int pitches);

#endif
