/* The control table; see controls.h. */
#include "controls.h"

#include <math.h>
#include <stddef.h>

#define CONTROL(sym, lo, hi, def, is_int)                                                          \
    {                                                                                              \
        sym, lo, hi, def, is_int, false                                                            \
    }

const CantusControlSpec cantus_control_specs[CANTUS_PORT_COUNT] = {
    [CANTUS_CONTROL] = {NULL, 0, 0, 0, false, false},
    [CANTUS_NOTIFY] = {NULL, 0, 0, 0, false, true},
    [CANTUS_TEMPERATURE] = CONTROL("temperature", 0.05f, 4.0f, 1.0f, false),
    [CANTUS_SEED] = CONTROL("seed", 0.0f, 65535.0f, 0.0f, true),
    [CANTUS_GATE] = CONTROL("gate", 5.0f, 100.0f, 80.0f, false),
    [CANTUS_VELOCITY] = CONTROL("velocity", 1.0f, 127.0f, 100.0f, true),
    [CANTUS_CHANNEL] = CONTROL("channel", 1.0f, 16.0f, 1.0f, true),
    [CANTUS_RATE] = CONTROL("rate", 0.0f, 4.0f, 0.0f, true),
    [CANTUS_NOTE_LOW] = CONTROL("note_low", 0.0f, 127.0f, 0.0f, true),
    [CANTUS_NOTE_HIGH] = CONTROL("note_high", 0.0f, 127.0f, 127.0f, true),
    [CANTUS_KEY] = CONTROL("key", 0.0f, 11.0f, 0.0f, true),
    [CANTUS_SCALE] = CONTROL("scale", 0.0f, 8.0f, 0.0f, true),
    [CANTUS_RESTS] = CONTROL("rests", 0.0f, 1.0f, 1.0f, true),
    [CANTUS_PHRASE_BARS] = CONTROL("phrase_bars", 0.0f, 64.0f, 0.0f, true),
    [CANTUS_FALLBACK_BPM] = CONTROL("fallback_bpm", 20.0f, 400.0f, 120.0f, false),
    [CANTUS_FOLLOW] = CONTROL("follow", 0.0f, 1.0f, 0.0f, true),
    [CANTUS_ENABLE] = CONTROL("enable", 0.0f, 1.0f, 1.0f, true),
    [CANTUS_PANIC] = CONTROL("panic", 0.0f, 1.0f, 0.0f, true),
    [CANTUS_TRANSPOSE] = CONTROL("transpose", -24.0f, 24.0f, 0.0f, true),
    [CANTUS_ACCENT] = CONTROL("accent", 0.0f, 100.0f, 0.0f, false),
    [CANTUS_HUMANIZE] = CONTROL("humanize", 0.0f, 100.0f, 0.0f, false),
    [CANTUS_SWING] = CONTROL("swing", 50.0f, 75.0f, 50.0f, false),
    [CANTUS_HARMONY] = CONTROL("harmony", 0.0f, 2.0f, 0.0f, true),
    [CANTUS_MODEL_STATUS] = {"model_status", 0.0f, 2.0f, 0.0f, true, true},
};

float cantus_control_value(CantusPortIndex port, const float *value)
{
    const CantusControlSpec *spec = &cantus_control_specs[port];
    if (!value || isnan(*value)) return spec->fallback;
    float v = *value;
    if (spec->integer) v = nearbyintf(v < spec->minimum ? spec->minimum : v);
    return v < spec->minimum ? spec->minimum : v > spec->maximum ? spec->maximum : v;
}
