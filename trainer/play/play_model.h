/* A model played by the plugin's own player (plugin/player.h) with no host
 * library: the transport rolls from bar 0 at frame 0 as a host's does (one
 * time:Position, its tempo and metre), in cycles of a host's size, and the
 * MIDI the player writes is recorded. It is the route cantus-render takes
 * through the LV2 plugin, minus the host, so the same model, controls,
 * tempo and metre give the same notes (cantus-train generate plays through
 * here; tests/midi/test_generate_render.c compares the two).
 */
#ifndef CANTUS_TRAINER_PLAY_MODEL_H
#define CANTUS_TRAINER_PLAY_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "player.h"

/* cantus-render's defaults: 48 kHz, 256-frame cycles. */
#define PLAY_SAMPLE_RATE  48000.0
#define PLAY_CYCLE_FRAMES 256

typedef struct {
    int64_t frame; /* from the start of playback */
    uint8_t bytes[3];
} PlayedEvent;

typedef struct {
    PlayedEvent *events; /* in the order the player wrote them: by frame, note-offs first */
    int count;
    int capacity;
    bool out_of_memory;
} PlayedMidi;

/* The transport a host would run: a tempo in quarter notes a minute (a
 * MIDI file's) and a metre of beats_per_bar beats of 1/beat_unit notes
 * (6 and 8 for 6/8). The player hears it as a host sends it: a
 * time:Position at frame 0, bar 0, with beatsPerBar, beatUnit and
 * beatsPerMinute in the host's beats (quarter_bpm x beat_unit / 4), so a
 * metre model is fed the positions and plays the steps (rate as trained)
 * that cantus-render's --meter gives. */
typedef struct {
    double quarter_bpm;
    int beats_per_bar;
    int beat_unit;
} PlayTransport;

/* Plays `engine` (taken over and freed) with `controls` from quarter note
 * 0 to `end_quarter`, where every sounding note is released, as a host
 * releases them when its transport stops there. Returns 0, or -1 when
 * memory ran out (then *out holds nothing). */
int play_model(CantusEngine *engine, const CantusControls *controls, const PlayTransport *transport,
               double end_quarter, PlayedMidi *out);

void played_midi_free(PlayedMidi *played);

/* The quarter note a frame of the playback falls on, and the first frame
 * at or after a quarter note: cantus-render's tempo map of one tempo (in
 * quarter notes), the same sums. */
double play_beat_of_frame(int64_t frame, double bpm);
int64_t play_frame_of_beat(double beat, double bpm);

#endif
