/* The picture of the inline display, drawn into 32-bit pixels (ARGB32,
 * opaque, so premultiplied as it is): a band with the model's label on top,
 * a piano roll of the last bars played, and, when a stand-in plays for a
 * missing or broken model, a warning band with its reason at the bottom.
 *
 * No LV2 and no threads here: display.c feeds it what the audio thread
 * published. The layout functions are public so that tests can say where a
 * note must be drawn.
 */
#ifndef CANTUS_PLUGIN_ROLL_VIEW_H
#define CANTUS_PLUGIN_ROLL_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#define ROLL_BARS 4 /* the roll shows the last four bars */

#define ROLL_BACKGROUND   0xFF1C2024u
#define ROLL_BAR_LINE     0xFF343B42u
#define ROLL_NOTE         0xFF5FD0A0u
#define ROLL_LABEL_BAND   0xFF101316u
#define ROLL_LABEL_TEXT   0xFFD8DEE4u
#define ROLL_WARNING_BAND 0xFFC0392Bu
#define ROLL_WARNING_TEXT 0xFFFFFFFFu

typedef struct {
    int64_t start;
    int64_t end; /* INT64_MAX while it sounds */
    uint8_t pitch;
} RollNote;

typedef struct {
    int width, height;
    int scale;                 /* of the font: 1, 2 from 240 pixels wide */
    int roll_top, roll_bottom; /* the roll's rows: [top, bottom) */
    int warning_top;           /* the warning band's first row, or height */
    int64_t now;               /* the right edge, in the display's frames */
    int64_t window;            /* frames across the width */
    int pitch_low, pitch_high; /* the pitches of the bottom and top rows */
} RollLayout;

/* The layout for a picture of width x height showing `window` frames up to
 * `now`, for notes from `lowest` to `highest` (lowest > highest: none). The
 * pitch range is theirs with a row to spare each side, at least an octave. */
void roll_layout(RollLayout *layout, int width, int height, bool warning, int64_t now,
                 int64_t window, int lowest, int highest);

/* The pixels a note covers, [x0, x1) x [y0, y1), clipped to the roll; false
 * when none are visible. */
bool roll_note_box(const RollLayout *layout, int64_t start, int64_t end, int pitch, int *x0,
                   int *x1, int *y0, int *y1);

typedef struct {
    const RollNote *notes;
    int count;
    int64_t bar_frames;  /* frames a bar lasts, for the bar lines; 0: none */
    int64_t bar_start;   /* a frame where a bar began */
    const char *label;   /* the model playing */
    const char *warning; /* NULL, or the warning band's text */
} RollContent;

/* Draws everything into pixels (stride in pixels, at least layout->width). */
void roll_draw(uint32_t *pixels, int stride, const RollLayout *layout, const RollContent *content);

#endif
