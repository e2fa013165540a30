/* The inline display (Ardour's extension) through the project's lilv host,
 * rendered as Ardour's mixer strip asks for it: after 8 bars every note the
 * host recorded in the last four is lit where the layout puts it, rows with
 * no note are background, the label is written; after a session whose
 * model file is missing the warning band and its text are there; run()
 * asks for a redraw (queue_draw) and not more than 25 times a second. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "roll_view.h"

#define WIDTH      200
#define MAX_HEIGHT 150
#define BAR_FRAMES (4 * 24000) /* 4/4 at 120 BPM, 48 kHz */

static uint32_t pixel(const CantusDisplayImage *image, int x, int y)
{
    return image->pixels[y * image->stride + x];
}

/* Pixels of a colour in rows [y0, y1). */
static int count_colour(const CantusDisplayImage *image, int y0, int y1, uint32_t colour)
{
    int n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = 0; x < image->width; ++x)
            n += pixel(image, x, y) == colour;
    return n;
}

/* With CANTUS_DISPLAY_DUMP=DIR set, each picture is also written there as
 * a PPM, to be looked at. */
static void dump(const CantusDisplayImage *image, const char *name)
{
    const char *dir = getenv("CANTUS_DISPLAY_DUMP");
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.ppm", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fprintf(f, "P6\n%d %d\n255\n", image->width, image->height);
    for (int y = 0; y < image->height; ++y)
        for (int x = 0; x < image->width; ++x) {
            const uint32_t p = image->pixels[y * image->stride + x];
            const unsigned char rgb[3] = {(unsigned char)(p >> 16), (unsigned char)(p >> 8),
                                          (unsigned char)p};
            fwrite(rgb, 1, 3, f);
        }
    fclose(f);
}

static void render(CantusHost *host, CantusDisplayImage *image, const char *name)
{
    if (!cantus_host_render_display(host, WIDTH, MAX_HEIGHT, image))
        fail_msg("the plugin has no inline display");
    dump(image, name);
    assert_int_equal(image->width, WIDTH);
    assert_true(image->height >= 40 && image->height <= MAX_HEIGHT);
}

/* A note the host recorded: note-on to note-off, in the host's frames
 * (which are the display's: both count every frame run since instantiate). */
typedef struct {
    int64_t start, end;
    int pitch;
} Played;

static int played_notes(const Session *s, Played *out, int cap)
{
    int n = 0;
    for (int i = 0; i < s->n_played; ++i) {
        const NoteEvent *e = &s->played[i];
        const bool on = (e->status & 0xF0) == 0x90 && e->velocity > 0;
        const bool off = (e->status & 0xF0) == 0x80 || ((e->status & 0xF0) == 0x90 && !on);
        if (on && n < cap) out[n++] = (Played){e->frame, INT64_MAX, e->pitch};
        if (off)
            for (int k = n - 1; k >= 0; --k)
                if (out[k].pitch == e->pitch && out[k].end == INT64_MAX) {
                    out[k].end = e->frame;
                    break;
                }
    }
    return n;
}

static void eight_bars_are_drawn(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    session_run_for(&s, 8 * BAR_FRAMES, 256);
    const int64_t now = cantus_host_frame(host);

    /* queue_draw: asked for, at most 25 times a second of audio. */
    const unsigned draws = cantus_host_draws_queued(host);
    print_message("queue_draw: %u calls in %lld frames\n", draws, (long long)now);
    assert_true(draws >= 8);
    assert_true(draws <= now / (48000 / 25) + 1);

    CantusDisplayImage image;
    render(host, &image, "eight_bars");

    Played notes[256];
    const int n = played_notes(&s, notes, 256);
    const int64_t window = ROLL_BARS * BAR_FRAMES;
    int lowest = 128, highest = -1, shown = 0;
    for (int i = 0; i < n; ++i)
        if (notes[i].end > now - window && notes[i].start < now) {
            lowest = notes[i].pitch < lowest ? notes[i].pitch : lowest;
            highest = notes[i].pitch > highest ? notes[i].pitch : highest;
        }
    RollLayout layout;
    roll_layout(&layout, image.width, image.height, false, now, window, lowest, highest);

    /* Every note of the last four bars, lit in the middle of its box. */
    for (int i = 0; i < n; ++i) {
        int x0, x1, y0, y1;
        const int64_t end = notes[i].end < now ? notes[i].end : now;
        if (!roll_note_box(&layout, notes[i].start, end, notes[i].pitch, &x0, &x1, &y0, &y1))
            continue;
        ++shown;
        const int x = (x0 + x1) / 2, y = (y0 + y1) / 2;
        if (pixel(&image, x, y) != ROLL_NOTE)
            fail_msg("note %d (pitch %d, frames %lld-%lld) is not drawn at %d,%d: %08x", i,
                     notes[i].pitch, (long long)notes[i].start, (long long)end, x, y,
                     pixel(&image, x, y));
    }
    print_message("%d notes played, %d in the last 4 bars, pitches %d-%d\n", n, shown, lowest,
                  highest);
    /* 4 bars of one note a beat (rests off). */
    assert_true(shown >= 15);

    /* The rows above the highest note and below the lowest hold no note. */
    int x0, x1, top_y0, top_y1, low_y0, low_y1;
    assert_true(roll_note_box(&layout, now - window / 2, now, layout.pitch_high, &x0, &x1, &top_y0,
                              &top_y1));
    assert_true(roll_note_box(&layout, now - window / 2, now, layout.pitch_low, &x0, &x1, &low_y0,
                              &low_y1));
    assert_int_equal(count_colour(&image, top_y0, top_y1, ROLL_NOTE), 0);
    assert_int_equal(count_colour(&image, low_y0, low_y1, ROLL_NOTE), 0);
    assert_true(count_colour(&image, top_y0, top_y1, ROLL_BACKGROUND) > image.width / 2);
    /* The label is written; no warning. */
    assert_true(count_colour(&image, 0, layout.roll_top, ROLL_LABEL_TEXT) > 20);
    assert_int_equal(count_colour(&image, 0, image.height, ROLL_WARNING_BAND), 0);

    session_free(&s);
    cantus_host_free(host);
}

/* A session whose model file went away: the default plays and the display
 * says so in the warning band. */
static void missing_model_is_shown(void **state)
{
    (void)state;
    char dir[64], model[128], saved[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/gone.safetensors", dir);
    snprintf(saved, sizeof(saved), "%s/session", dir);
    assert_true(mkdir_p_ok(saved));
    write_test_model(model, 4, 48, 24, 16);

    CantusHost *a = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    assert_true(cantus_host_add_patch_set_path(a, 0, MODEL_URI, model));
    Session s;
    session_init(&s, a, 1, SEND_ON_CHANGE);
    session_run_for(&s, 256 * 8, 256);
    assert_string_equal(s.last_model, model);
    session_free(&s);
    fixture_save(a, saved, NULL);
    cantus_host_free(a);
    assert_int_equal(unlink(model), 0);

    CantusHost *b = fixture_host_inactive();
    fixture_restore(b, saved);
    cantus_host_set_control(b, "rests", 0.0f);
    cantus_host_activate(b);
    Session t;
    session_init(&t, b, 1, SEND_ON_CHANGE);
    session_start(&t, 0, ratio(0, 1), ratio(120, 1));
    session_run_for(&t, 2 * BAR_FRAMES, 256);
    assert_float_equal(cantus_host_get_control(b, "model_status"), 1.0f, 0);
    assert_true(session_note_ons(&t, NULL, 0) >= 7);

    CantusDisplayImage image;
    render(b, &image, "missing_model");
    RollLayout layout;
    roll_layout(&layout, image.width, image.height, true, 0, 1, 60, 72);
    const int band = count_colour(&image, layout.warning_top, image.height, ROLL_WARNING_BAND);
    const int text = count_colour(&image, layout.warning_top, image.height, ROLL_WARNING_TEXT);
    print_message("warning band: %d pixels of its colour, %d of text\n", band, text);
    assert_true(band > image.width * (image.height - layout.warning_top) / 2);
    assert_true(text > 50);
    /* Nowhere else. */
    assert_int_equal(count_colour(&image, 0, layout.warning_top, ROLL_WARNING_BAND), 0);
    /* The notes of the stand-in are drawn above it. */
    assert_true(count_colour(&image, layout.roll_top, layout.warning_top, ROLL_NOTE) > 0);

    session_free(&t);
    cantus_host_free(b);
    remove_tree(dir);
}

/* Whatever the host asks, the surface stays inside what it allows and the
 * plugin's buffer. */
static void sizes(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    const uint32_t asks[][2] = {{1, 1}, {16, 8}, {80, 300}, {4000, 20}, {4000, 4000}, {0, 10}};
    for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); ++i) {
        CantusDisplayImage image;
        if (!cantus_host_render_display(host, asks[i][0], asks[i][1], &image)) {
            assert_true(asks[i][0] == 0);
            continue;
        }
        assert_true(image.width >= 1 && (uint32_t)image.width <= asks[i][0]);
        assert_true(image.height >= 1 && (uint32_t)image.height <= asks[i][1]);
        assert_true(image.width <= 512 && image.height <= 256);
    }
    cantus_host_free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eight_bars_are_drawn),
        cmocka_unit_test(missing_model_is_shown),
        cmocka_unit_test(sizes),
    };
    return cmocka_run_group_tests_name("inline display", tests, NULL, NULL);
}
