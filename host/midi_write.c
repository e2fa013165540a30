/* The rendering as a Standard MIDI File, through the trainer's writer
 * (trainer/midi/midi_write.c, compiled in: one writer for both programs).
 * A plugin frame becomes a tick by way of the tempo map:
 * tick = round(beat(frame) x PPQN). A step falls on the first frame at or
 * after its beat, less than a frame late, and a tick (960 a beat) is over
 * 20 frames at any tempo up to 150 BPM at 48 kHz, so every step lands back
 * on its exact tick. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "midi/midi_write.h"
#include "render.h"

bool midi_write(const char *path, const RenderEvent *events, int count, const TempoMap *map,
                double end_beat, char *err, size_t err_size)
{
    MidiWriteTempo tempos[RENDER_MAX_TEMPOS];
    for (int i = 0; i < map->count; ++i)
        tempos[i] = (MidiWriteTempo){midi_write_tick(map->start_beat[i]), map->bpm[i]};
    MidiWriteEvent *written = malloc(((size_t)count + 1) * sizeof *written);
    if (!written) {
        snprintf(err, err_size, "cannot write %s: out of memory", path);
        return false;
    }
    for (int i = 0; i < count; ++i) {
        written[i].tick = midi_write_tick(tempo_map_beat_at(map, (double)events[i].frame));
        for (int b = 0; b < 3; ++b)
            written[i].bytes[b] = events[i].msg[b];
    }
    const MidiWriteSong song = {
        .beats_per_bar = (int)lround(map->beats_per_bar * map->beat_unit / 4.0),
        .beat_unit = map->beat_unit,
        .tempos = tempos,
        .n_tempos = map->count,
        .events = written,
        .n_events = count,
        .end_tick = midi_write_tick(end_beat),
    };
    const bool ok = midi_write_file(path, &song, err, err_size) == 0;
    free(written);
    return ok;
}
