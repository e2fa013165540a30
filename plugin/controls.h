/* The control ports: their indices, and one table of their ranges and
 * defaults, which the plugin clamps every value to. The table must say what
 * ttl/cantus.ttl says; tests/host/test_controls_ttl.c reads the TTL through
 * lilv and compares the two, so they cannot drift apart.
 *
 * No LV2 here: the player's tests use the same reading.
 */
#ifndef CANTUS_PLUGIN_CONTROLS_H
#define CANTUS_PLUGIN_CONTROLS_H

#include <stdbool.h>
#include <stdint.h>

/* Port indices are public (the TTL's lv2:index). New ports go at the end. */
typedef enum {
    CANTUS_CONTROL = 0, /* atom input: time:Position, MIDI, patch messages */
    CANTUS_NOTIFY,      /* atom output: MIDI and patch:Set */
    CANTUS_TEMPERATURE,
    CANTUS_SEED,
    CANTUS_GATE,
    CANTUS_VELOCITY,
    CANTUS_CHANNEL,
    CANTUS_RATE,
    CANTUS_NOTE_LOW,
    CANTUS_NOTE_HIGH,
    CANTUS_KEY,
    CANTUS_SCALE,
    CANTUS_RESTS,
    CANTUS_PHRASE_BARS,
    CANTUS_FALLBACK_BPM,
    CANTUS_FOLLOW,
    CANTUS_ENABLE,
    CANTUS_PANIC,
    CANTUS_TRANSPOSE,
    CANTUS_ACCENT,
    CANTUS_HUMANIZE,
    CANTUS_SWING,
    CANTUS_HARMONY,
    CANTUS_MODEL_STATUS, /* output: which model plays (CantusModelStatus) */
    CANTUS_PORT_COUNT
} CantusPortIndex;

/* The `harmony` control: where the notes held on the MIDI input decide the
 * pitch classes allowed. */
typedef enum {
    CANTUS_HARMONY_OFF = 0,
    CANTUS_HARMONY_BEATS,      /* chord tones on the beats, key/scale between */
    CANTUS_HARMONY_EVERYWHERE, /* chord tones on every step */
    CANTUS_HARMONY_COUNT
} CantusHarmony;

/* The `model_status` output port. */
typedef enum {
    CANTUS_MODEL_OK = 0,      /* the model asked for plays */
    CANTUS_MODEL_MISSING = 1, /* its file is missing: the default plays */
    CANTUS_MODEL_BROKEN = 2,  /* its file is broken: the default plays */
} CantusModelStatus;

typedef struct {
    const char *symbol;
    float minimum;
    float maximum;
    float fallback; /* lv2:default */
    bool integer;   /* lv2:integer or lv2:toggled: rounded to the nearest */
    bool output;
} CantusControlSpec;

/* Indexed by CantusPortIndex; the two atom ports have a NULL symbol. */
extern const CantusControlSpec cantus_control_specs[CANTUS_PORT_COUNT];

/* A port's value clamped to its range: the default for NaN (and for a
 * port the host left unconnected), the nearest end for ±∞ and anything
 * outside, rounded for integer ports. */
float cantus_control_value(CantusPortIndex port, const float *value);

#endif
