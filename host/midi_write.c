/* The rendering as a Standard MIDI File, through libsmf. A plugin frame
 * becomes a tick by way of the tempo map: tick = round(beat(frame) * PPQN).
 * A step falls on the first frame at or after its beat, less than a frame
 * late, and a tick (960 a beat) is over 20 frames at any tempo up to
 * 150 BPM at 48 kHz, so every step lands back on its exact tick. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <smf.h>

#include "render.h"

#define PPQN 960

static bool add_meta(smf_track_t *track, int pulses, const unsigned char *bytes, int len)
{
    unsigned char *copy = malloc((size_t)len);
    if (!copy) return false;
    for (int i = 0; i < len; ++i)
        copy[i] = bytes[i];
    smf_event_t *event = smf_event_new_from_pointer(copy, len);
    free(copy);
    if (!event) return false;
    smf_track_add_event_pulses(track, event, pulses);
    return true;
}

static int tick_of_beat(double beat)
{
    return (int)llround(beat * PPQN);
}

bool midi_write(const char *path, const RenderEvent *events, int count, const TempoMap *map,
                double end_beat, char *err, size_t err_size)
{
    smf_t *smf = smf_new();
    if (!smf || smf_set_ppqn(smf, PPQN)) {
        snprintf(err, err_size, "libsmf could not make a MIDI file");
        if (smf) smf_delete(smf);
        return false;
    }
    smf_track_t *track = smf_track_new();
    smf_add_track(smf, track);
    bool ok = true;
    /* Time signature: beats per bar over quarter notes. */
    int numerator = (int)lround(map->beats_per_bar);
    const unsigned char signature[] = {0xff, 0x58, 0x04, (unsigned char)numerator, 2, 24, 8};
    ok = ok && add_meta(track, 0, signature, sizeof(signature));
    for (int i = 0; ok && i < map->count; ++i) {
        long usec = lround(60000000.0 / map->bpm[i]);
        const unsigned char tempo[] = {0xff,
                                       0x51,
                                       0x03,
                                       (unsigned char)(usec >> 16),
                                       (unsigned char)(usec >> 8),
                                       (unsigned char)usec};
        ok = add_meta(track, tick_of_beat(map->start_beat[i]), tempo, sizeof(tempo));
    }
    int last = 0;
    for (int i = 0; ok && i < count; ++i) {
        int tick = tick_of_beat(tempo_map_beat_at(map, (double)events[i].frame));
        if (tick < last) tick = last; /* libsmf wants time order */
        last = tick;
        smf_event_t *event =
            smf_event_new_from_bytes(events[i].msg[0], events[i].msg[1], events[i].msg[2]);
        if (!event) {
            ok = false;
            break;
        }
        smf_track_add_event_pulses(track, event, tick);
    }
    int end = tick_of_beat(end_beat);
    if (ok && smf_track_add_eot_pulses(track, end > last ? end : last)) ok = false;
    if (!ok) snprintf(err, err_size, "libsmf could not add an event to %s", path);
    if (ok && smf_save(smf, path)) {
        snprintf(err, err_size, "libsmf could not write %s", path);
        ok = false;
    }
    smf_delete(smf);
    return ok;
}
