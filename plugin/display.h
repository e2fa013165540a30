/* The inline display of one instance: what run() publishes for it and what
 * render() makes of it.
 *
 * Threads. run() (the audio thread) is the only writer of the ring and the
 * published values; render() (the host's GUI thread) the only reader, and
 * the only one to touch the notes it keeps and the pixels. They share
 * nothing else: no lock, no allocation after display_init, C11 atomics
 * only (note_ring.h; the model's name behind a seqlock whose writer never
 * waits).
 */
#ifndef CANTUS_PLUGIN_DISPLAY_H
#define CANTUS_PLUGIN_DISPLAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <lv2/core/lv2.h>

#include "engine.h"
#include "inline_display.h"
#include "note_ring.h"
#include "roll_view.h"

#define DISPLAY_MAX_WIDTH  512
#define DISPLAY_MAX_HEIGHT 256
#define DISPLAY_NOTES      512 /* the notes render() keeps: 4 bars at rate 4 is 64 */
#define DISPLAY_TEXT       48

/* What the display says about the model: published by run() at a swap. */
typedef struct {
    int status;                /* CantusModelStatus */
    char label[DISPLAY_TEXT];  /* of the model playing */
    char wanted[DISPLAY_TEXT]; /* the file name asked for */
} DisplayModel;

#define DISPLAY_MODEL_WORDS ((sizeof(DisplayModel) + 7) / 8)

typedef struct {
    /* Shared, written by run() only. */
    NoteRing ring;
    _Atomic int64_t now;             /* display frames run so far */
    _Atomic int64_t bar_frames;      /* a bar at the tempo playing */
    _Atomic int64_t bar_start;       /* a display frame where a bar began */
    _Atomic uint32_t model_sequence; /* odd while the words are written */
    _Atomic uint64_t model_words[DISPLAY_MODEL_WORDS];

    /* run()'s own. */
    const LV2_Inline_Display *queue_draw; /* the host's feature, or NULL */
    int64_t frames;                       /* display frames before this cycle */
    int64_t queued_at;                    /* when queue_draw was last called */
    int64_t queue_gap;                    /* at most one queue_draw in this many frames */
    bool changed;                         /* something to draw since then */
    double sample_rate;

    /* render()'s own. */
    RollNote notes[DISPLAY_NOTES];
    int note_count;
    uint32_t *pixels; /* DISPLAY_MAX_WIDTH x DISPLAY_MAX_HEIGHT */
    LV2_Inline_Display_Image_Surface surface;
} CantusDisplay;

/* Instantiate: the pixels are allocated here, once. False when out of
 * memory. queue_draw may be NULL (a host without the feature). */
bool display_init(CantusDisplay *display, double sample_rate, const LV2_Inline_Display *queue_draw);
void display_free(CantusDisplay *display);

/* run(), real-time safe. A note started or ended `offset` frames into the
 * cycle (or, outside run(), at the end of the last one). */
void display_note(CantusDisplay *display, int64_t offset, uint8_t pitch, bool on);
/* The model playing changed (or its status did). */
void display_model(CantusDisplay *display, const CantusEngine *engine);
/* The end of a cycle of `frames`: the time and tempo at its end, and a
 * queue_draw when something changed and the last one is long enough ago. */
void display_cycle_end(CantusDisplay *display, uint32_t frames, double beats_per_frame,
                       double beat_now, double beats_per_bar);

/* render(), in the host's GUI thread. */
LV2_Inline_Display_Image_Surface *display_render(CantusDisplay *display, uint32_t width,
                                                 uint32_t max_height);

#endif
