/* A piano roll a musician can read at a glance: pitch rows with octave
 * labels (C4 = MIDI 60), bar and beat lines, notes as rectangles whose
 * colour goes from blue (soft) to red (loud), the title on top. */
#include <math.h>
#include <stdio.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "render.h"

#define WIDTH      1400
#define MARGIN_L   56
#define MARGIN_R   16
#define MARGIN_TOP 44
#define MARGIN_BOT 28
#define ROW_MIN    6
#define ROW_MAX    14

static void velocity_colour(cairo_t *cr, int velocity)
{
    double v = (velocity - 1) / 126.0;
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    /* blue -> violet -> red, always dark enough to stand out on white */
    cairo_set_source_rgb(cr, 0.15 + 0.75 * v, 0.25 - 0.1 * v, 0.85 - 0.65 * v);
}

static bool is_black_key(int pitch)
{
    int pc = pitch % 12;
    return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

bool piano_roll_write(const char *path, const RenderNote *notes, int count, int bars,
                      double beats_per_bar, const char *title, char *err, size_t err_size)
{
    int low = 60, high = 71;
    for (int i = 0; i < count; ++i) {
        if (i == 0 || notes[i].pitch < low) low = notes[i].pitch;
        if (i == 0 || notes[i].pitch > high) high = notes[i].pitch;
    }
    /* Whole octaves, C to B, so the labels fall on row edges. */
    low = low / 12 * 12;
    high = high / 12 * 12 + 11;
    int rows = high - low + 1;
    int row = 520 / rows;
    row = row < ROW_MIN ? ROW_MIN : row > ROW_MAX ? ROW_MAX : row;
    int height = MARGIN_TOP + rows * row + MARGIN_BOT;
    double beats = bars * beats_per_bar;
    double plot_w = WIDTH - MARGIN_L - MARGIN_R;
    double px_per_beat = plot_w / (beats > 0 ? beats : 1);

    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, WIDTH, height);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    /* Rows: black keys shaded, C rows labelled and ruled darker. */
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    for (int p = low; p <= high; ++p) {
        double y = MARGIN_TOP + (high - p) * row;
        if (is_black_key(p)) {
            cairo_set_source_rgb(cr, 0.93, 0.93, 0.95);
            cairo_rectangle(cr, MARGIN_L, y, plot_w, row);
            cairo_fill(cr);
        }
        if (p % 12 == 0) {
            cairo_set_source_rgb(cr, 0.55, 0.55, 0.6);
            cairo_set_line_width(cr, 1);
            cairo_move_to(cr, MARGIN_L, y + row + 0.5);
            cairo_line_to(cr, MARGIN_L + plot_w, y + row + 0.5);
            cairo_stroke(cr);
            char label[16];
            snprintf(label, sizeof(label), "C%d", p / 12 - 1);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_move_to(cr, 8, y + row);
            cairo_show_text(cr, label);
        }
    }
    /* Beat lines light, bar lines dark and numbered. */
    for (int b = 0; b <= (int)beats; ++b) {
        double x = floor(MARGIN_L + b * px_per_beat) + 0.5;
        bool bar = fmod(b, beats_per_bar) == 0;
        cairo_set_source_rgb(cr, bar ? 0.25 : 0.82, bar ? 0.25 : 0.82, bar ? 0.3 : 0.86);
        cairo_set_line_width(cr, bar ? 1.5 : 1);
        cairo_move_to(cr, x, MARGIN_TOP);
        cairo_line_to(cr, x, MARGIN_TOP + rows * row);
        cairo_stroke(cr);
        if (bar && b < (int)beats) {
            char label[16];
            snprintf(label, sizeof(label), "%d", (int)(b / beats_per_bar) + 1);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            cairo_move_to(cr, x + 3, MARGIN_TOP + rows * row + 16);
            cairo_show_text(cr, label);
        }
    }
    for (int i = 0; i < count; ++i) {
        double x0 = MARGIN_L + notes[i].start_beat * px_per_beat;
        double x1 = MARGIN_L + notes[i].end_beat * px_per_beat;
        double y = MARGIN_TOP + (high - notes[i].pitch) * row;
        if (x1 - x0 < 2) x1 = x0 + 2;
        velocity_colour(cr, notes[i].velocity);
        cairo_rectangle(cr, x0 + 0.5, y + 0.5, x1 - x0 - 1, row - 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.1);
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 16);
    cairo_move_to(cr, MARGIN_L, 27);
    cairo_show_text(cr, title);

    cairo_destroy(cr);
    cairo_status_t status = cairo_surface_write_to_png(surface, path);
    cairo_surface_destroy(surface);
    /* Give back cairo's and fontconfig's font caches: a one-shot program has
     * no further use for them, and the sanitizer build's leak checker would
     * count them. */
    cairo_debug_reset_static_data();
    FcFini();
    if (status != CAIRO_STATUS_SUCCESS) {
        snprintf(err, err_size, "cannot write %s: %s", path, cairo_status_to_string(status));
        return false;
    }
    return true;
}
