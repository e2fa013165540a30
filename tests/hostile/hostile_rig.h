/* One plugin instance on the built bundle, through the project's lilv host,
 * with every cycle's output checked as it comes: events in time order and
 * inside the cycle, only MIDI and patch:Set, every MIDI message valid and
 * every note balanced (tests/common/midi_ledger.h). The hostile tests drive it
 * with whatever a bad host sends and fail on the first broken promise. */
#ifndef CANTUS_TESTS_HOSTILE_RIG_H
#define CANTUS_TESTS_HOSTILE_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "cantus_host.h"
#include "midi_ledger.h"

typedef struct {
    CantusHost *host;
    MidiLedger ledger;
    long cycles;
    long note_ons_total;
    long patch_sets; /* patch:Set announcements seen */
    double slowest_run_ms;
    int64_t last_note_on; /* absolute frame, -1 before the first */
    int64_t shortest_gap; /* between successive note-ons */
} HostileRig;

/* A host on the bundle at CANTUS_BUNDLE_DIR with a deferred worker; the
 * plugin instantiated but not activated. Rests off so that every step
 * sounds, gate 50 %. Fails the test when the plugin does not load. */
void rig_open(HostileRig *rig, double sample_rate, uint32_t block_length);
void rig_close(HostileRig *rig);

/* Runs one cycle and checks its output; fails the test on a violation.
 * Returns the number of output events (cantus_host_event reads them). */
uint32_t rig_cycle(HostileRig *rig, uint32_t nframes);
/* The path of the last patch:Set the last cycle announced, or NULL. */
const char *rig_announced(HostileRig *rig, uint32_t n_events);
/* Runs `frames` in cycles of `block`. */
void rig_run_for(HostileRig *rig, int64_t frames, uint32_t block);

/* A time:Position with every field (Double) at offset 0 of the next cycle. */
void rig_position(HostileRig *rig, double speed, double bpm, double bar, double bar_beat,
                  double beats_per_bar, double frame);

/* Disables the plugin for one cycle and asserts that nothing still sounds. */
void rig_assert_silent_after_disable(HostileRig *rig);

#endif
