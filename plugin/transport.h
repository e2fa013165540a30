/* Reading the host's transport from time:Position objects, as defensively
 * as DPF's LV2 wrapper: every field is accepted as Double, Float, Int or
 * Long; an update may carry any subset of the fields and is merged into the
 * last known position.
 *
 * Real-time class: real-time safe.
 */
#ifndef CANTUS_PLUGIN_TRANSPORT_H
#define CANTUS_PLUGIN_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/util.h>

#include "uris.h"

/* The furthest song position (in beats from beat 0) the plugin accepts:
 * 2^40 beats, two million years at 1000 BPM, and far inside what a double
 * counts to the frame. A position beyond it, or not finite, is ignored (the
 * clock goes on extrapolating), so the grid never meets a step number a
 * double cannot hold (core/beat_grid.h). */
#define CANTUS_TRANSPORT_MAX_BEAT 1099511627776.0

/* The longest bar accepted: an update with a time:beatsPerBar outside
 * (0, 1024] keeps the last good value (4 at first) and its bar/barBeat
 * position is ignored (its tempo and speed still apply). */
#define CANTUS_TRANSPORT_MAX_BEATS_PER_BAR 1024.0

/* The note values a host's beat may be (time:beatUnit: 4 a quarter, 8 an
 * eighth as in 6/8); an update with any other keeps the last good one (4
 * at first). Only a model played "as trained" listens to it (player.h). */
#define CANTUS_TRANSPORT_MIN_BEAT_UNIT 1
#define CANTUS_TRANSPORT_MAX_BEAT_UNIT 64

/* The musical range of an effective tempo (bpm x speed): hosts offer
 * about 1 to 1000 BPM (REAPER 1-960, Ardour and Bitwig up to 999). Outside
 * it the host's tempo is unusable and the plugin plays at fallback_bpm; at
 * the top, rate 4 puts 66.7 steps in a second. */
#define CANTUS_TRANSPORT_MIN_BPM 1.0
#define CANTUS_TRANSPORT_MAX_BPM 1000.0

/* The fields of one time:Position object; has_* says which were present. */
typedef struct {
    bool has_speed, has_bar, has_bar_beat, has_beat, has_beats_per_bar, has_beat_unit, has_bpm,
        has_frame;
    double speed;
    double bar;
    double bar_beat;
    double beat;
    double beats_per_bar;
    double beat_unit;
    double bpm;
    double frame;
} CantusPositionFields;

/* What the plugin knows of the host's transport, merged over updates. */
typedef struct {
    bool host_seen; /* any time:Position received since activate */
    bool has_bbt;   /* the host has ever sent bar/barBeat or beat */
    double speed;
    double bpm;
    double beats_per_bar;
    int beat_unit; /* the note value of the host's beat: 4 a quarter, 8 an eighth */
    double bar;
} CantusTransport;

/* Reads a time:Position object; false when it is not one. */
bool transport_read_position(const CantusURIs *uris, const LV2_Atom_Object *object,
                             CantusPositionFields *fields);

void transport_init(CantusTransport *transport);

/* Merges an update and says where the host is now: its beat position
 * (`predicted` when the update moves nothing: a tempo or speed change
 * alone, or a position beyond CANTUS_TRANSPORT_MAX_BEAT), and whether it
 * carried a usable position at all. A host that sends only
 * time:frame (JACK without a timebase master) is placed by frame and tempo,
 * fallback_bpm standing in for a tempo it never sent. */
double transport_apply(CantusTransport *transport, const CantusPositionFields *fields,
                       double predicted, double sample_rate, double fallback_bpm, bool *moved);

/* The host's tempo when it sent a usable one (within the range below),
 * else fallback_bpm. */
double transport_bpm(const CantusTransport *transport, double fallback_bpm);

/* The effective tempo the grid moves at, bpm x speed in beats a minute:
 * fallback_bpm before the host sent anything, 0 when the host is stopped
 * (speed 0, or negative: a generator cannot play backwards), and
 * fallback_bpm when bpm x speed leaves the musical range: a host sending
 * 10^9 BPM or speed 66048 is talking nonsense, and once made the plugin
 * play several steps a frame and overflow its output (regression tests:
 * test_tempo_range in tests/plugin/test_transport.c, huge_bpm_stays_sane
 * and huge_speed_stays_sane in tests/hostile/test_hostile_transport.c). */
double transport_tempo(const CantusTransport *transport, double fallback_bpm);

#endif
