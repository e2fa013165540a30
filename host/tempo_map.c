/* The render's tempo map. Frames of tempo changes are kept as real numbers
 * (the exact time the bar line falls), so converting a plugin's frame back
 * to beats and MIDI ticks loses nothing to accumulated rounding. */
#include "render.h"

void tempo_map_init(TempoMap *map, double sample_rate, double beats_per_bar, double bpm)
{
    map->sample_rate = sample_rate;
    map->beats_per_bar = beats_per_bar;
    map->beat_unit = 4;
    map->count = 1;
    map->start_beat[0] = 0.0;
    map->bpm[0] = bpm;
    map->start_frame[0] = 0.0;
}

bool tempo_map_add(TempoMap *map, int bar, double bpm)
{
    double beat = bar * map->beats_per_bar;
    if (map->count == RENDER_MAX_TEMPOS || bpm <= 0 || beat <= map->start_beat[map->count - 1])
        return false;
    map->start_frame[map->count] = tempo_map_frame_of(map, beat);
    map->start_beat[map->count] = beat;
    map->bpm[map->count] = bpm;
    ++map->count;
    return true;
}

static int segment_of_beat(const TempoMap *map, double beat)
{
    int i = map->count - 1;
    while (i > 0 && beat < map->start_beat[i])
        --i;
    return i;
}

double tempo_map_frame_of(const TempoMap *map, double beat)
{
    int i = segment_of_beat(map, beat);
    return map->start_frame[i] +
           (beat - map->start_beat[i]) * 60.0 * map->sample_rate / map->bpm[i];
}

double tempo_map_beat_at(const TempoMap *map, double frame)
{
    int i = map->count - 1;
    while (i > 0 && frame < map->start_frame[i])
        --i;
    return map->start_beat[i] +
           (frame - map->start_frame[i]) * map->bpm[i] / (60.0 * map->sample_rate);
}

double tempo_map_bpm_at(const TempoMap *map, double beat)
{
    return map->bpm[segment_of_beat(map, beat)];
}
