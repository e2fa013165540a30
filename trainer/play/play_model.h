/* A model played by the plugin's own player (plugin/player.h) with no host:
 * the transport rolls free at the controls' fallback tempo from frame 0, in
 * cycles of a host's size, and the MIDI the player writes is recorded. It
 * is the route cantus-render takes through the LV2 plugin, minus the host,
 * so the same model and controls give the same notes (cantus-train generate
 * plays through here; tests/midi/test_generate_render.c compares the two).
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

/* Plays `engine` (taken over and freed) with `controls` from beat 0 to
 * `end_beat`, where every sounding note is released, as a host releases
 * them when its transport stops there. Returns 0, or -1 when memory ran
 * out (then *out holds nothing). */
int play_model(CantusEngine *engine, const CantusControls *controls, double end_beat,
               PlayedMidi *out);

void played_midi_free(PlayedMidi *played);

/* The beat a frame of the playback falls on, and the first frame at or
 * after a beat: cantus-render's tempo map of one tempo, the same sums. */
double play_beat_of_frame(int64_t frame, double bpm);
int64_t play_frame_of_beat(double beat, double bpm);

#endif
