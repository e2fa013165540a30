/* Playing a model through the player, recorded; see play_model.h. */
#include "play/play_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "note_table.h"

/* The sink: every message the player writes, kept. Outside real time, so
 * it grows as it goes; a sink that cannot grow refuses (the player then
 * remembers no note it could not end) and the playback fails. */
static bool record(void *handle, int64_t frame, const uint8_t message[3])
{
    PlayedMidi *played = handle;
    if (played->count == played->capacity) {
        int capacity = played->capacity ? played->capacity * 2 : 1024;
        PlayedEvent *grown = realloc(played->events, (size_t)capacity * sizeof *grown);
        if (!grown) {
            played->out_of_memory = true;
            return false;
        }
        played->events = grown;
        played->capacity = capacity;
    }
    PlayedEvent *event = &played->events[played->count++];
    event->frame = frame;
    memcpy(event->bytes, message, 3);
    return true;
}

double play_beat_of_frame(int64_t frame, double bpm)
{
    return (double)frame * bpm / (60.0 * PLAY_SAMPLE_RATE);
}

int64_t play_frame_of_beat(double beat, double bpm)
{
    return (int64_t)ceil(beat * 60.0 * PLAY_SAMPLE_RATE / bpm);
}

int play_model(CantusEngine *engine, const CantusControls *controls, const PlayTransport *transport,
               double end_quarter, PlayedMidi *out)
{
    *out = (PlayedMidi){0};
    /* The player is large (tables, the generator's state): not on the stack. */
    CantusPlayer *player = malloc(sizeof *player);
    if (!player) {
        engine_free(engine);
        return -1;
    }
    /* As a host brings the plugin up: instantiate, the controls, the model. */
    player_init(player, PLAY_SAMPLE_RATE, (CantusMidiSink){record, out});
    player_set_controls(player, controls);
    engine_free(player_replace_engine(player, engine));
    /* The host's transport rolls from bar 0 (cantus-render's first cycle). */
    const double per_quarter = transport->beat_unit / 4.0;
    const CantusPositionFields start = {
        .has_speed = true,
        .speed = 1.0,
        .has_bpm = true,
        .bpm = transport->quarter_bpm * per_quarter,
        .has_bar = true,
        .bar = 0.0,
        .has_bar_beat = true,
        .bar_beat = 0.0,
        .has_beats_per_bar = true,
        .beats_per_bar = transport->beats_per_bar,
        .has_beat_unit = true,
        .beat_unit = transport->beat_unit,
        .has_frame = true,
        .frame = 0.0,
    };
    player_position(player, &start);

    const int64_t end = play_frame_of_beat(end_quarter, transport->quarter_bpm);
    while (player->now < end) {
        const int64_t left = end - player->now;
        const uint32_t frames = left < PLAY_CYCLE_FRAMES ? (uint32_t)left : PLAY_CYCLE_FRAMES;
        player_work_ahead(player, frames);
        player_render(player, frames);
    }
    /* The transport stops at the end: what still sounds ends there. */
    player_release_all(player);

    CantusEngine *retired;
    while ((retired = player_take_retired(player)))
        engine_free(retired);
    engine_free(player->pending);
    engine_free(player->engine);
    free(player);
    if (out->out_of_memory) {
        played_midi_free(out);
        return -1;
    }
    return 0;
}

void played_midi_free(PlayedMidi *played)
{
    free(played->events);
    *played = (PlayedMidi){0};
}
