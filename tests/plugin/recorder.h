/* A MIDI sink for tests: records what the player writes, into a buffer
 * allocated up front (so recording never allocates inside a measured
 * stretch), and checks the rules every output must keep. */
#ifndef CANTUS_TESTS_PLUGIN_RECORDER_H
#define CANTUS_TESTS_PLUGIN_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "note_table.h"

typedef struct {
    int64_t frame;
    uint8_t message[3];
} RecordedEvent;

typedef struct {
    RecordedEvent *events;
    size_t count;
    size_t capacity;
    bool refuse_note_ons; /* act as a full output buffer */
} Recorder;

void recorder_init(Recorder *recorder, size_t capacity);
void recorder_free(Recorder *recorder);
CantusMidiSink recorder_sink(Recorder *recorder);

bool recorded_is_on(const RecordedEvent *event);
bool recorded_is_off(const RecordedEvent *event);

/* Frames never go back; every message is valid MIDI, no note-on while the
 * same note sounds and no note-off of a note not sounding (the ledger of
 * tests/common/midi_ledger.h); at any frame, note-offs come before note-ons.
 * Returns the number of notes still sounding at the end (fails the test on
 * any broken rule). */
int recorder_check(const Recorder *recorder);

/* The note-ons only: their frames and pitches, in order; returns how many
 * (at most max). */
size_t recorder_note_ons(const Recorder *recorder, int64_t *frames, uint8_t *pitches, size_t max);

#endif
