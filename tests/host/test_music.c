/* What a musician relies on, heard through a host: the same settings play
 * the same notes; a phrase of N bars repeats and is the same wherever
 * playback starts; a new seed is heard from the next step; in follow mode a
 * played note steers the line and passes through; panic ends every
 * sounding note and playing goes on; enable off ends them and is silent.
 * All at 120 BPM and 48 kHz, where a beat is exactly 24000 frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "midi_ledger.h"

#define BEAT  24000
#define BLOCK 256
#define STEPS 64

/* The pitch played at each beat since the start (-1: none), by frame. */
typedef struct {
    int pitch[STEPS];
    int others; /* note-ons on no beat (passed-through input) */
} Line;

static void line_of(const Session *s, int64_t start_frame, int64_t first_beat, Line *line)
{
    for (int k = 0; k < STEPS; ++k)
        line->pitch[k] = -1;
    line->others = 0;
    for (int i = 0; i < s->n_played; ++i) {
        const NoteEvent *e = &s->played[i];
        if ((e->status & 0xf0) != 0x90 || e->velocity == 0) continue;
        int64_t rel = e->frame - start_frame;
        int64_t k = first_beat + rel / BEAT;
        if (rel % BEAT || k < 0 || k >= STEPS || (e->status & 0x0f) != 0) {
            ++line->others;
            continue;
        }
        assert_int_equal(line->pitch[k], -1); /* one note per step */
        line->pitch[k] = e->pitch;
    }
}

typedef struct {
    float seed;
    float phrase_bars;
    float follow;
    float rests;
    float gate;
    const char *model; /* NULL: the bundle's default */
} Settings;

static CantusHost *host_with(const Settings *set)
{
    CantusHost *host = fixture_host(48000, BLOCK, CANTUS_HOST_WORKER_DEFERRED);
    cantus_host_set_control(host, "seed", set->seed);
    cantus_host_set_control(host, "phrase_bars", set->phrase_bars);
    cantus_host_set_control(host, "follow", set->follow);
    cantus_host_set_control(host, "rests", set->rests);
    cantus_host_set_control(host, "gate", set->gate > 0 ? set->gate : 50.0f);
    return host;
}

/* Plays beats [from, to) from a standing start at `from`; the cycle that
 * holds `at_beat` (a frame offset into the run) gets `change` applied. */
typedef void (*Change)(Session *s, CantusHost *host, uint32_t offset, void *data);

static void play(const Settings *set, int from, int to, double at_beat, Change change, void *data,
                 Line *line, Session *keep)
{
    CantusHost *host = host_with(set);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    if (set->model) {
        assert_true(cantus_host_add_patch_set_path(host, 0, MODEL_URI, set->model));
        for (int i = 0; i < 8 && strcmp(s.last_model, set->model); ++i)
            session_run(&s, BLOCK);
        assert_string_equal(s.last_model, set->model);
    }
    session_run(&s, BLOCK); /* standing still for a cycle, as after load */
    const int64_t start = cantus_host_frame(host);
    session_start(&s, 0, ratio(from, 1), ratio(120, 1));
    int64_t total = (int64_t)(to - from) * BEAT;
    int64_t change_at = at_beat >= 0 ? (int64_t)((at_beat - from) * BEAT) : -1;
    for (int64_t done = 0; done < total; done += BLOCK) {
        if (change && change_at >= done && change_at < done + BLOCK)
            change(&s, host, (uint32_t)(change_at - done), data);
        session_run(&s, BLOCK);
    }
    session_stop(&s, 0);
    session_run(&s, BLOCK);
    assert_no_hanging_notes(&s);
    line_of(&s, start, from, line);
    if (keep) {
        *keep = s;
        keep->host = NULL;
        s.played = NULL;
        s.expected = NULL;
    }
    session_free(&s);
    cantus_host_free(host);
}

static int count_notes(const Line *l, int from, int to)
{
    int n = 0;
    for (int k = from; k < to; ++k)
        n += l->pitch[k] >= 0;
    return n;
}

static void same_everything_same_notes(void **state)
{
    (void)state;
    Settings set = {.seed = 7, .rests = 1, .gate = 70};
    Session a, b;
    Line la, lb;
    play(&set, 0, 48, -1, NULL, NULL, &la, &a);
    play(&set, 0, 48, -1, NULL, NULL, &lb, &b);
    assert_int_equal(a.n_played, b.n_played);
    assert_true(a.n_played > 20);
    for (int i = 0; i < a.n_played; ++i)
        assert_memory_equal(&a.played[i], &b.played[i], sizeof(NoteEvent));
    session_free(&a);
    session_free(&b);
}

static void phrase_repeats_and_starts_anywhere(void **state)
{
    (void)state;
    Settings set = {.seed = 3, .phrase_bars = 2, .rests = 0};
    Line ref;
    play(&set, 0, 48, -1, NULL, NULL, &ref, NULL);
    assert_int_equal(count_notes(&ref, 0, 48), 48);
    for (int k = 8; k < 48; ++k)
        if (ref.pitch[k] != ref.pitch[k % 8])
            fail_msg("beat %d plays %d, the phrase's beat %d played %d", k, ref.pitch[k], k % 8,
                     ref.pitch[k % 8]);
    /* Not one note over and over: a phrase with some shape. */
    int distinct = 0;
    for (int k = 1; k < 8; ++k)
        distinct += ref.pitch[k] != ref.pitch[0];
    assert_true(distinct > 0);

    /* Starting mid-phrase (bar 1 beat 1, and bar 4 beat 3): every note heard
     * is the phrase's note for its beat; from the next phrase on, all are. */
    const int starts[] = {5, 19, 3};
    for (int i = 0; i < 3; ++i) {
        Line mid;
        play(&set, starts[i], 40, -1, NULL, NULL, &mid, NULL);
        for (int k = starts[i]; k < 40; ++k)
            if (mid.pitch[k] >= 0 && mid.pitch[k] != ref.pitch[k])
                fail_msg("from beat %d: beat %d plays %d, the phrase has %d", starts[i], k,
                         mid.pitch[k], ref.pitch[k]);
        int next_phrase = (starts[i] / 8 + 1) * 8;
        assert_int_equal(count_notes(&mid, next_phrase, 40), 40 - next_phrase);
        print_message("from beat %d: %d of %d beats before the next phrase sounded\n", starts[i],
                      count_notes(&mid, starts[i], next_phrase), next_phrase - starts[i]);
    }
}

static void set_seed(Session *s, CantusHost *host, uint32_t offset, void *data)
{
    (void)s;
    (void)offset;
    cantus_host_set_control(host, "seed", *(float *)data);
}

static void new_seed_from_the_next_step(void **state)
{
    (void)state;
    /* Phrase mode: the new seed's phrase, from its right place. */
    Settings one = {.seed = 1, .phrase_bars = 1, .rests = 0};
    Settings two = {.seed = 2, .phrase_bars = 1, .rests = 0};
    Line r1, r2, x;
    play(&one, 0, 24, -1, NULL, NULL, &r1, NULL);
    play(&two, 0, 24, -1, NULL, NULL, &r2, NULL);
    float seed = 2;
    play(&one, 0, 24, 6.5, set_seed, &seed, &x, NULL);
    for (int k = 0; k <= 6; ++k)
        assert_int_equal(x.pitch[k], r1.pitch[k]);
    for (int k = 7; k < 24; ++k)
        if (x.pitch[k] >= 0 && x.pitch[k] != r2.pitch[k])
            fail_msg("beat %d plays %d, seed 2 plays %d there", k, x.pitch[k], r2.pitch[k]);
    assert_int_equal(count_notes(&x, 8, 24), 16);
    assert_int_equal(x.pitch[7], r2.pitch[7]);

    /* Free mode: the same up to the change, different right after. */
    Settings free1 = {.seed = 1, .rests = 0};
    Line f1, fx;
    play(&free1, 0, 24, -1, NULL, NULL, &f1, NULL);
    play(&free1, 0, 24, 6.5, set_seed, &seed, &fx, NULL);
    for (int k = 0; k <= 6; ++k)
        assert_int_equal(fx.pitch[k], f1.pitch[k]);
    int first_difference = -1;
    for (int k = 7; k < 24 && first_difference < 0; ++k)
        if (fx.pitch[k] != f1.pitch[k]) first_difference = k;
    print_message("free mode: first note changed by the new seed at beat %d\n", first_difference);
    assert_true(first_difference >= 7 && first_difference <= 9);
}

typedef struct {
    int pitch;
    int64_t frame;
} Played;

static void play_a_note(Session *s, CantusHost *host, uint32_t offset, void *data)
{
    Played *p = data;
    const uint8_t on[3] = {0x9f, (uint8_t)p->pitch, 100};
    const uint8_t off[3] = {0x8f, (uint8_t)p->pitch, 0};
    p->frame = cantus_host_frame(host) + offset;
    (void)s;
    assert_true(cantus_host_add_midi(host, offset, on, 3));
    assert_true(cantus_host_add_midi(host, offset + 1, off, 3));
}

static void follow_steers_and_passes_through(void **state)
{
    (void)state;
    /* A model whose next note depends strongly on the last one: large
     * weights (the default model's small ones barely listen to their input). */
    char dir[64], model[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/listener.safetensors", dir);
    const TestModelSpec listener = {
        .note_low = 48, .pitches = 24, .hidden = 32, .seed = 21, .scale = 1.5f};
    assert_int_equal(test_model_write(model, &listener), 0);
    Settings follow = {.seed = 9, .follow = 1, .rests = 0, .model = model};
    Line ref, x;
    play(&follow, 0, 24, -1, NULL, NULL, &ref, NULL);
    Played p = {.pitch = 61};
    Session s;
    play(&follow, 0, 24, 3.5, play_a_note, &p, &x, &s);
    /* Passed through: the same bytes at the same frame. */
    bool passed = false;
    for (int i = 0; i < s.n_played; ++i)
        if (s.played[i].frame == p.frame && s.played[i].status == 0x9f && s.played[i].pitch == 61 &&
            s.played[i].velocity == 100)
            passed = true;
    assert_true(passed);
    assert_int_equal(x.others, 1);
    session_free(&s);
    for (int k = 0; k <= 3; ++k)
        assert_int_equal(x.pitch[k], ref.pitch[k]);
    int changed = 0;
    for (int k = 4; k < 12; ++k)
        changed += x.pitch[k] != ref.pitch[k];
    assert_true(changed > 0);

    /* Follow off: the line ignores what is played. */
    Settings alone = {.seed = 9, .follow = 0, .rests = 0, .model = model};
    play(&alone, 0, 24, -1, NULL, NULL, &ref, NULL);
    play(&alone, 0, 24, 3.5, play_a_note, &p, &x, NULL);
    assert_memory_equal(x.pitch, ref.pitch, sizeof(ref.pitch));
    remove_tree(dir);
}

static void press(Session *s, CantusHost *host, uint32_t offset, void *data)
{
    (void)s;
    (void)offset;
    cantus_host_set_control(host, (const char *)data, 1.0f);
}

/* Notes sounding at the end of the cycle that holds `frame`. */
static int sounding_after(const Session *s, int64_t frame)
{
    int64_t cycle_end = (frame / BLOCK + 1) * BLOCK;
    MidiLedger ledger;
    ledger_init(&ledger);
    for (int i = 0; i < s->n_played && s->played[i].frame < cycle_end; ++i) {
        const NoteEvent *e = &s->played[i];
        const uint8_t message[3] = {e->status, e->pitch, e->velocity};
        ledger_message(&ledger, e->frame, message, 3);
    }
    return ledger_sounding(&ledger);
}

static void panic_ends_notes_and_play_goes_on(void **state)
{
    (void)state;
    /* Legato (gate 100 %): a note always sounds. */
    Settings set = {.seed = 4, .rests = 0, .gate = 100};
    Line ref, x;
    play(&set, 0, 16, -1, NULL, NULL, &ref, NULL);
    Session s;
    play(&set, 0, 16, 4.5, press, "panic", &x, &s);
    int64_t panic_frame = BLOCK + (int64_t)(4.5 * BEAT);
    assert_int_equal(sounding_after(&s, panic_frame - BLOCK), 1);
    assert_int_equal(sounding_after(&s, panic_frame), 0);
    session_free(&s);
    /* Panic is a trigger held at 1 from then on: one panic, and every step
     * after it still plays. */
    assert_int_equal(count_notes(&x, 0, 16), 16);
}

/* Enable off at beat 4.5 ends the sounding note and nothing plays; on
 * again at beat 8.5, playing picks up at the next beat. */
static void enable_off_is_silence(void **state)
{
    (void)state;
    Settings set = {.seed = 4, .rests = 0, .gate = 100};
    CantusHost *host = host_with(&set);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    const int64_t off_at = (int64_t)(4.5 * BEAT) / BLOCK * BLOCK;
    const int64_t on_at = (int64_t)(8.5 * BEAT) / BLOCK * BLOCK;
    for (int64_t done = 0; done < 16 * BEAT; done += BLOCK) {
        if (done == off_at) cantus_host_set_control(host, "enable", 0.0f);
        if (done == on_at) cantus_host_set_control(host, "enable", 1.0f);
        session_run(&s, BLOCK);
    }
    session_stop(&s, 0);
    session_run(&s, BLOCK);
    assert_no_hanging_notes(&s);
    assert_int_equal(sounding_after(&s, off_at - BLOCK), 1);
    assert_int_equal(sounding_after(&s, off_at), 0);
    Line x;
    line_of(&s, 0, 0, &x);
    assert_int_equal(count_notes(&x, 0, 5), 5);
    assert_int_equal(count_notes(&x, 5, 9), 0);
    assert_int_equal(count_notes(&x, 9, 16), 7);
    session_free(&s);
    cantus_host_free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_everything_same_notes),
        cmocka_unit_test(phrase_repeats_and_starts_anywhere),
        cmocka_unit_test(new_seed_from_the_next_step),
        cmocka_unit_test(follow_steers_and_passes_through),
        cmocka_unit_test(panic_ends_notes_and_play_goes_on),
        cmocka_unit_test(enable_off_is_silence),
    };
    return cmocka_run_group_tests_name("music", tests, NULL, NULL);
}
