/* The inline display's two sides; see display.h. */
#include "display.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "controls.h"

/* The queue_draw rate: 25 a second is smooth enough for notes a beat apart
 * and leaves the GUI thread alone. */
#define DISPLAY_DRAWS_PER_SECOND 25

bool display_init(CantusDisplay *display, double sample_rate, const LV2_Inline_Display *queue_draw)
{
    note_ring_init(&display->ring);
    atomic_init(&display->now, 0);
    /* Until the first cycle says otherwise: 4/4 at 120 BPM. */
    atomic_init(&display->bar_frames, (int64_t)(2.0 * sample_rate));
    atomic_init(&display->bar_start, 0);
    atomic_init(&display->model_sequence, 0);
    for (size_t i = 0; i < DISPLAY_MODEL_WORDS; i++)
        atomic_init(&display->model_words[i], 0);
    display->queue_draw = queue_draw;
    display->frames = 0;
    display->queued_at = INT64_MIN / 2;
    display->queue_gap = (int64_t)(sample_rate / DISPLAY_DRAWS_PER_SECOND);
    display->changed = true;
    display->sample_rate = sample_rate;
    display->note_count = 0;
    display->pixels = calloc((size_t)DISPLAY_MAX_WIDTH * DISPLAY_MAX_HEIGHT, sizeof(uint32_t));
    return display->pixels != NULL;
}

void display_free(CantusDisplay *display)
{
    free(display->pixels);
    display->pixels = NULL;
}

void display_note(CantusDisplay *display, int64_t offset, uint8_t pitch, bool on)
{
    note_ring_push(&display->ring,
                   (NoteRingEvent){.frame = display->frames + offset, .pitch = pitch, .on = on});
    display->changed = true;
}

static void copy_name(char *to, const char *from)
{
    size_t n = strlen(from);
    if (n > DISPLAY_TEXT - 1) n = DISPLAY_TEXT - 1;
    memcpy(to, from, n);
    to[n] = '\0';
}

void display_model(CantusDisplay *display, const CantusEngine *engine)
{
    DisplayModel model;
    memset(&model, 0, sizeof model);
    if (engine) {
        model.status = engine->status;
        copy_name(model.label, engine->label);
        const char *slash = strrchr(engine->path, '/');
        copy_name(model.wanted, slash ? slash + 1 : engine->path);
    } else {
        model.status = CANTUS_MODEL_OK;
        copy_name(model.label, "no model");
    }
    uint64_t words[DISPLAY_MODEL_WORDS] = {0};
    memcpy(words, &model, sizeof model);

    /* A seqlock: odd while writing, so a reader that overlaps tries again.
     * The writer never waits. */
    const uint32_t sequence = atomic_load_explicit(&display->model_sequence, memory_order_relaxed);
    atomic_store_explicit(&display->model_sequence, sequence + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < DISPLAY_MODEL_WORDS; i++)
        atomic_store_explicit(&display->model_words[i], words[i], memory_order_relaxed);
    atomic_store_explicit(&display->model_sequence, sequence + 2, memory_order_release);
    display->changed = true;
}

void display_cycle_end(CantusDisplay *display, uint32_t frames, double beats_per_frame,
                       double beat_now, double beats_per_bar)
{
    display->frames += frames;
    atomic_store_explicit(&display->now, display->frames, memory_order_relaxed);
    if (beats_per_frame > 0.0 && beats_per_bar > 0.0 && isfinite(beat_now)) {
        const double bar = beats_per_bar / beats_per_frame;
        const double into_bar = fmod(beat_now, beats_per_bar) / beats_per_frame;
        if (bar >= 1.0 && bar < 1e12 && isfinite(into_bar)) {
            atomic_store_explicit(&display->bar_frames, (int64_t)llround(bar),
                                  memory_order_relaxed);
            atomic_store_explicit(&display->bar_start, display->frames - (int64_t)llround(into_bar),
                                  memory_order_relaxed);
        }
    }
    if (display->changed && display->queue_draw &&
        display->frames - display->queued_at >= display->queue_gap) {
        display->queue_draw->queue_draw(display->queue_draw->handle);
        display->queued_at = display->frames;
        display->changed = false;
    }
}

/* The model's words, whole: false if run() kept rewriting them. */
static bool read_model(CantusDisplay *display, DisplayModel *model)
{
    for (int attempt = 0; attempt < 64; attempt++) {
        const uint32_t before =
            atomic_load_explicit(&display->model_sequence, memory_order_acquire);
        if (before & 1u) continue;
        uint64_t words[DISPLAY_MODEL_WORDS];
        for (size_t i = 0; i < DISPLAY_MODEL_WORDS; i++)
            words[i] = atomic_load_explicit(&display->model_words[i], memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&display->model_sequence, memory_order_relaxed) == before) {
            memcpy(model, words, sizeof *model);
            model->label[DISPLAY_TEXT - 1] = '\0';
            model->wanted[DISPLAY_TEXT - 1] = '\0';
            return true;
        }
    }
    return false;
}

static void forget_oldest(CantusDisplay *display, int count)
{
    memmove(display->notes, display->notes + count,
            (size_t)(display->note_count - count) * sizeof(RollNote));
    display->note_count -= count;
}

/* The ring's news into the notes kept here; notes that ended before the
 * window are dropped. */
static void take_notes(CantusDisplay *display, int64_t now, int64_t window)
{
    NoteRingEvent events[NOTE_RING_SIZE];
    uint64_t lost = 0;
    const int n = note_ring_take(&display->ring, events, NOTE_RING_SIZE, &lost);
    for (int i = 0; i < n; i++) {
        const NoteRingEvent *event = &events[i];
        /* A note-off lost to an overrun must not leave a note sounding for
         * ever: the next note-on of its pitch ends it. */
        for (int k = display->note_count - 1; k >= 0; k--) {
            RollNote *note = &display->notes[k];
            if (note->pitch == event->pitch && note->end == INT64_MAX) {
                note->end = event->frame;
                break;
            }
        }
        if (event->on) {
            if (display->note_count == DISPLAY_NOTES) forget_oldest(display, 1);
            display->notes[display->note_count++] =
                (RollNote){.start = event->frame, .end = INT64_MAX, .pitch = event->pitch};
        }
    }
    int gone = 0;
    while (gone < display->note_count && display->notes[gone].end <= now - window &&
           display->notes[gone].end != INT64_MAX)
        gone++;
    forget_oldest(display, gone);
}

LV2_Inline_Display_Image_Surface *display_render(CantusDisplay *display, uint32_t width,
                                                 uint32_t max_height)
{
    if (!display->pixels || width == 0 || max_height == 0) return NULL;
    const int w = width > DISPLAY_MAX_WIDTH ? DISPLAY_MAX_WIDTH : (int)width;
    int h = w * 3 / 4;
    if (h < 40) h = 40;
    if (h > (int)max_height) h = (int)max_height;
    if (h > DISPLAY_MAX_HEIGHT) h = DISPLAY_MAX_HEIGHT;

    const int64_t now = atomic_load_explicit(&display->now, memory_order_relaxed);
    const int64_t bar_frames = atomic_load_explicit(&display->bar_frames, memory_order_relaxed);
    const int64_t window = ROLL_BARS * bar_frames;
    take_notes(display, now, window);

    DisplayModel model;
    if (!read_model(display, &model)) {
        memset(&model, 0, sizeof model);
        copy_name(model.label, "...");
    }
    char warning[DISPLAY_TEXT + 16];
    const char *reason = model.status == CANTUS_MODEL_MISSING  ? "MISSING"
                         : model.status == CANTUS_MODEL_BROKEN ? "BROKEN"
                                                               : NULL;
    if (reason) {
        strcpy(warning, reason);
        strcat(warning, ": ");
        strcat(warning, model.wanted);
    }

    int lowest = 128, highest = -1;
    for (int i = 0; i < display->note_count; i++) {
        const RollNote *note = &display->notes[i];
        if (note->end > now - window && note->start < now) {
            if (note->pitch < lowest) lowest = note->pitch;
            if (note->pitch > highest) highest = note->pitch;
        }
    }
    RollLayout layout;
    roll_layout(&layout, w, h, reason != NULL, now, window, lowest, highest);
    const RollContent content = {
        .notes = display->notes,
        .count = display->note_count,
        .bar_frames = bar_frames,
        .bar_start = atomic_load_explicit(&display->bar_start, memory_order_relaxed),
        .label = model.label,
        .warning = reason ? warning : NULL,
    };
    roll_draw(display->pixels, w, &layout, &content);
    display->surface = (LV2_Inline_Display_Image_Surface){
        .data = (unsigned char *)display->pixels,
        .width = w,
        .height = h,
        .stride = w * 4,
    };
    return &display->surface;
}
