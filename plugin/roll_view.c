/* Drawing the inline display's picture; see roll_view.h. */
#include "roll_view.h"

#include "font5x7.h"

static int band_height(int scale)
{
    return (FONT_HEIGHT + 3) * scale;
}

void roll_layout(RollLayout *layout, int width, int height, bool warning, int64_t now,
                 int64_t window, int lowest, int highest)
{
    const int scale = width >= 240 ? 2 : 1;
    const int band = band_height(scale);
    int low = 60, high = 71;
    if (lowest <= highest) {
        low = lowest - 1;
        high = highest + 1;
        const int extra = 11 - (high - low);
        if (extra > 0) {
            low -= extra / 2;
            high += extra - extra / 2;
        }
    }
    *layout = (RollLayout){
        .width = width,
        .height = height,
        .scale = scale,
        .roll_top = band,
        .roll_bottom = warning ? height - band : height,
        .warning_top = warning ? height - band : height,
        .now = now,
        .window = window > 0 ? window : 1,
        .pitch_low = low,
        .pitch_high = high,
    };
    if (layout->roll_bottom < layout->roll_top) layout->roll_bottom = layout->roll_top;
}

static int column_of(const RollLayout *layout, int64_t frame)
{
    const int64_t left = layout->now - layout->window;
    if (frame <= left) return 0;
    if (frame >= layout->now) return layout->width;
    return (int)((frame - left) * layout->width / layout->window);
}

bool roll_note_box(const RollLayout *layout, int64_t start, int64_t end, int pitch, int *x0,
                   int *x1, int *y0, int *y1)
{
    if (pitch < layout->pitch_low || pitch > layout->pitch_high) return false;
    if (end <= layout->now - layout->window || start >= layout->now) return false;
    *x0 = column_of(layout, start);
    *x1 = column_of(layout, end);
    if (*x1 <= *x0) *x1 = *x0 + 1;
    if (*x1 > layout->width) return false;
    const int rows = layout->roll_bottom - layout->roll_top;
    const int span = layout->pitch_high - layout->pitch_low + 1;
    const int from_top = layout->pitch_high - pitch;
    *y0 = layout->roll_top + from_top * rows / span;
    *y1 = layout->roll_top + (from_top + 1) * rows / span;
    if (*y1 <= *y0) *y1 = *y0 + 1;
    return *y1 <= layout->roll_bottom;
}

/* The pixels being drawn: clipping happens here, once. */
typedef struct {
    uint32_t *pixels;
    int stride, width, height;
} Canvas;

static void fill(const Canvas *canvas, int x0, int y0, int x1, int y1, uint32_t colour)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > canvas->width) x1 = canvas->width;
    if (y1 > canvas->height) y1 = canvas->height;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            canvas->pixels[y * canvas->stride + x] = colour;
}

/* Text from (x, y), cut at max_x; a glyph that does not fit whole is left
 * out. */
static void text(const Canvas *canvas, int x, int y, int max_x, int scale, const char *s,
                 uint32_t colour)
{
    for (; *s && x + FONT_WIDTH * scale <= max_x; s++, x += FONT_ADVANCE * scale) {
        const uint8_t *glyph = font5x7_glyph((unsigned char)*s);
        for (int row = 0; row < FONT_HEIGHT; row++)
            for (int col = 0; col < FONT_WIDTH; col++)
                if (glyph[row] & (0x10 >> col))
                    fill(canvas, x + col * scale, y + row * scale, x + (col + 1) * scale,
                         y + (row + 1) * scale, colour);
    }
}

static void bar_lines(const Canvas *canvas, const RollLayout *layout, const RollContent *content)
{
    if (content->bar_frames <= 0) return;
    const int64_t left = layout->now - layout->window;
    /* The first bar line at or after the left edge. */
    int64_t line = content->bar_start;
    if (line < left)
        line += (left - line + content->bar_frames - 1) / content->bar_frames * content->bar_frames;
    else
        line -= (line - left) / content->bar_frames * content->bar_frames;
    for (; line < layout->now; line += content->bar_frames) {
        const int x = column_of(layout, line);
        if (x < layout->width)
            fill(canvas, x, layout->roll_top, x + 1, layout->roll_bottom, ROLL_BAR_LINE);
    }
}

void roll_draw(uint32_t *pixels, int stride, const RollLayout *layout, const RollContent *content)
{
    const int w = layout->width, h = layout->height, s = layout->scale;
    const Canvas canvas = {pixels, stride, w, h};
    const Canvas *c = &canvas;
    fill(c, 0, 0, w, h, ROLL_BACKGROUND);
    fill(c, 0, 0, w, layout->roll_top, ROLL_LABEL_BAND);
    if (content->label) text(c, 2 * s, 2 * s, w - s, s, content->label, ROLL_LABEL_TEXT);

    bar_lines(c, layout, content);
    for (int i = 0; i < content->count; i++) {
        const RollNote *note = &content->notes[i];
        int x0, x1, y0, y1;
        const int64_t end = note->end < layout->now ? note->end : layout->now;
        if (roll_note_box(layout, note->start, end, note->pitch, &x0, &x1, &y0, &y1))
            fill(c, x0, y0, x1, y1, ROLL_NOTE);
    }

    if (content->warning) {
        fill(c, 0, layout->warning_top, w, h, ROLL_WARNING_BAND);
        text(c, 2 * s, layout->warning_top + 2 * s, w - s, s, content->warning, ROLL_WARNING_TEXT);
    }
}
