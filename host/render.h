/* What cantus-render keeps of a rendering, and the pieces that turn it into
 * files: the tempo map (frames <-> beats, exactly as the host played it),
 * the Standard MIDI File and the piano-roll picture. */
#ifndef CANTUS_HOST_RENDER_H
#define CANTUS_HOST_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cantus_host.h"

#define RENDER_MAX_TEMPOS 64

/* Tempo segments start on bar lines; segment 0 starts at bar 0. Beats and
 * tempos count quarter notes, as a MIDI file does; beat_unit is the note
 * value of the host's beat (4 a quarter, 8 an eighth in 6/8), for the
 * time:Position the plugin hears and the file's time signature. */
typedef struct {
    double sample_rate;
    double beats_per_bar; /* quarter notes a bar */
    int beat_unit;
    int count;
    double start_beat[RENDER_MAX_TEMPOS];
    double bpm[RENDER_MAX_TEMPOS];
    double start_frame[RENDER_MAX_TEMPOS]; /* exact (real) frame of start_beat */
} TempoMap;

void tempo_map_init(TempoMap *map, double sample_rate, double beats_per_bar, double bpm);
/* Adds a tempo from a bar on; bars must come in increasing order. */
bool tempo_map_add(TempoMap *map, int bar, double bpm);
/* The (real) frame where a beat falls, and the beat at a frame. */
double tempo_map_frame_of(const TempoMap *map, double beat);
double tempo_map_beat_at(const TempoMap *map, double frame);
double tempo_map_bpm_at(const TempoMap *map, double beat);

typedef struct {
    int64_t frame;
    uint8_t msg[3];
} RenderEvent;

typedef struct {
    double start_beat;
    double end_beat;
    int pitch;
    int velocity;
    int channel;
} RenderNote;

/* A MIDI file's notes (channel 10 left out, as the trainer's reader does)
 * as note-ons and note-offs at the frames the map gives their beats (the
 * file's ticks / ticks per quarter; its own tempo is not used), sorted by
 * frame, note-offs first. *out is allocated; returns the count, or -1 with
 * a sentence in err. */
int midi_in_load(const char *path, const TempoMap *map, RenderEvent **out, char *err,
                 size_t err_size);

/* Pairs note-ons with their note-offs; *out is allocated. */
int render_notes(const RenderEvent *events, int count, const TempoMap *map, RenderNote **out);

/* Writes a format-0 file with the tempo map and time signature, every event
 * at round(beat(frame) * ppqn), through the trainer's writer (synced,
 * renamed into place, mode 0644). Returns false with a sentence in err. */
bool midi_write(const char *path, const RenderEvent *events, int count, const TempoMap *map,
                double end_beat, char *err, size_t err_size);

/* A piano roll of the notes over `bars` bars, titled. */
bool piano_roll_write(const char *path, const RenderNote *notes, int count, int bars,
                      double beats_per_bar, const char *title, char *err, size_t err_size);

/* The plugin's inline display as a PNG (built with cairo only). */
bool display_png_write(const char *path, const CantusDisplayImage *image, char *err,
                       size_t err_size);

#endif
