/* cantus-render --midi-in: a MIDI file's notes as events for the plugin's
 * input, at the frames the render's tempo map puts their beats on.
 *
 * The file is read by the trainer's checked reader (trainer/midi/
 * midi_read.c): Debian's libsmf trusts the lengths it reads (99 of 101
 * truncated copies of a real file made it read past its buffer,
 * docs/midi.md), so nothing reaches libsmf before smf_check() has walked
 * every byte and written a canonical copy. Reusing it is the safe way for
 * the host to read MIDI at all; a second reader here would have to repeat
 * every check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "midi/midi_read.h"
#include "render.h"

/* Note-offs before note-ons at one frame, so a chord that follows another
 * on a shared pitch keeps it held. */
static int by_frame(const void *a, const void *b)
{
    const RenderEvent *x = a, *y = b;
    if (x->frame != y->frame) return x->frame < y->frame ? -1 : 1;
    const int x_on = (x->msg[0] & 0xF0) == 0x90, y_on = (y->msg[0] & 0xF0) == 0x90;
    if (x_on != y_on) return x_on - y_on;
    return (int)x->msg[1] - (int)y->msg[1];
}

/* The frame of a beat as the plugin puts a step there: the first whole
 * frame at or after it, a thousandth of a frame forgiven (docs/plugin.md,
 * the beat grid), so a chord on a beat arrives on the step's own frame and
 * is applied before that step is played. */
static int64_t frame_of_beat(const TempoMap *map, double beat)
{
    return (int64_t)ceil(tempo_map_frame_of(map, beat) - 1e-3);
}

int midi_in_load(const char *path, const TempoMap *map, RenderEvent **out, char *err,
                 size_t err_size)
{
    *out = NULL;
    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    if (midi_read_file(path, &song, reason, sizeof reason) != 0) {
        snprintf(err, err_size, "--midi-in %s: %s", path, reason);
        return -1;
    }
    RenderEvent *events = malloc(((size_t)song.n_notes * 2 + 1) * sizeof *events);
    if (!events) {
        snprintf(err, err_size, "--midi-in %s: out of memory", path);
        midi_song_free(&song);
        return -1;
    }
    int n = 0;
    for (int i = 0; i < song.n_notes; i++) {
        const MidiNote *note = &song.notes[i];
        const double ppqn = song.ppqn;
        const uint8_t channel = (uint8_t)(note->channel & 0x0F);
        events[n++] = (RenderEvent){
            frame_of_beat(map, (double)note->start / ppqn),
            {(uint8_t)(0x90 | channel), (uint8_t)note->pitch, (uint8_t)note->velocity}};
        events[n++] = (RenderEvent){frame_of_beat(map, (double)note->end / ppqn),
                                    {(uint8_t)(0x80 | channel), (uint8_t)note->pitch, 0}};
    }
    midi_song_free(&song);
    qsort(events, (size_t)n, sizeof *events, by_frame);
    *out = events;
    return n;
}
