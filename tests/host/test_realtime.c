/* Zero calls to malloc/calloc/realloc/free, mmap or mutex locks from the
 * plugin's audio-thread code (run(), work_response(), end_run()) across
 * everything the other host tests do: tempos, cycle sizes, tempo changes
 * and relocations inside a cycle, model swaps through patch:Set and the
 * worker (deferred and threaded, answers on time and late), presets and
 * saved states restored while running, seed and rate changes, follow with
 * MIDI in, panic, enable off and on. The counter (tests/common/alloc_count)
 * counts only the calling thread, so the worker's loading is not counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc_count.h"
#include "fixture.h"

typedef struct {
    AllocCounts total;
    unsigned long sections;
} Counter;

static void enter(void *data)
{
    (void)data;
    alloc_count_begin();
}

static void leave(void *data)
{
    Counter *c = data;
    AllocCounts n = alloc_count_end();
    c->total.allocs += n.allocs;
    c->total.frees += n.frees;
    c->total.maps += n.maps;
    c->total.locks += n.locks;
    ++c->sections;
}

static void assert_clean(const Counter *c, const char *what)
{
    if (alloc_count_total(c->total))
        fail_msg("%s: %lu allocs, %lu frees, %lu maps, %lu locks on the audio thread", what,
                 c->total.allocs, c->total.frees, c->total.maps, c->total.locks);
    assert_true(c->sections > 0);
}

static CantusHost *counted_host(double sr, uint32_t block, CantusHostWorkerMode mode, Counter *c)
{
    CantusHost *host = fixture_host(sr, block, mode);
    memset(c, 0, sizeof(*c));
    cantus_host_set_rt_hooks(host, enter, leave, c);
    return host;
}

/* The counter can see: an allocation made between the hooks is counted (a
 * test that cannot fail proves nothing). */
static void the_counter_counts(void **state)
{
    (void)state;
    Counter c = {0};
    enter(&c);
    void *volatile p = malloc(16);
    free(p);
    leave(&c);
    assert_int_equal(c.total.allocs, 1);
    assert_int_equal(c.total.frees, 1);
}

static void transport_everything(void **state)
{
    (void)state;
    const double rates[] = {44100, 48000, 96000};
    const uint32_t blocks[] = {1, 64, 256, 4096, 8192};
    for (int r = 0; r < 3; ++r)
        for (int b = 0; b < 5; ++b) {
            Counter c;
            CantusHost *host = counted_host(rates[r], blocks[b], CANTUS_HOST_WORKER_DEFERRED, &c);
            Session s;
            session_init(&s, host, 1 + (r + b) % 4, b % 2 ? SEND_EVERY_CYCLE : SEND_ON_CHANGE);
            int64_t beat = (int64_t)rates[r] / 2;
            int64_t span = blocks[b] == 1 ? beat * 2 : beat * 40;
            session_start(&s, blocks[b] / 2, ratio(0, 1), ratio(130, 1));
            session_run_for(&s, span, blocks[b]);
            session_tempo(&s, blocks[b] / 3, ratio(179, 2));
            session_run_for(&s, span, blocks[b]);
            session_locate(&s, blocks[b] - 1, ratio(37, 2));
            session_run_for(&s, span, blocks[b]);
            session_locate(&s, 0, ratio(8, 1));
            session_run_for(&s, span, blocks[b]);
            session_stop(&s, blocks[b] / 4);
            session_run_for(&s, span / 4, blocks[b]);
            session_start(&s, 0, ratio(64, 1), ratio(97, 1));
            session_run_for(&s, span, blocks[b]);
            session_stop(&s, 0);
            session_run(&s, blocks[b]);
            assert_true(session_note_ons(&s, NULL, 0) > 0);
            assert_no_hanging_notes(&s);
            assert_clean(&c, "transport");
            session_free(&s);
            cantus_host_free(host);
        }
}

static void controls_midi_panic_enable(void **state)
{
    (void)state;
    Counter c;
    CantusHost *host = counted_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED, &c);
    Session s;
    session_init(&s, host, 2, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(140, 1));
    const uint8_t note_on[3] = {0x90, 64, 90}, note_off[3] = {0x80, 64, 0};
    const uint8_t chord_on[3][3] = {{0x91, 60, 90}, {0x91, 64, 90}, {0x91, 67, 90}};
    const uint8_t chord_off[3][3] = {{0x81, 60, 0}, {0x81, 64, 0}, {0x81, 67, 0}};
    for (int i = 0; i < 400; ++i) {
        cantus_host_set_control(host, "seed", (float)(i / 20));
        cantus_host_set_control(host, "temperature", i % 3 ? 1.0f : 0.5f);
        cantus_host_set_control(host, "rate", (float)(1 + (i / 50) % 4));
        cantus_host_set_control(host, "follow", (float)((i / 30) % 2));
        cantus_host_set_control(host, "rests", (float)((i / 70) % 2));
        cantus_host_set_control(host, "scale", (float)((i / 10) % 9));
        cantus_host_set_control(host, "phrase_bars", (float)((i / 100) % 3));
        cantus_host_set_control(host, "panic", i % 37 == 0 ? 1.0f : 0.0f);
        cantus_host_set_control(host, "enable", i % 90 < 80 ? 1.0f : 0.0f);
        cantus_host_set_control(host, "channel", (float)(1 + (i / 120) % 16));
        cantus_host_set_control(host, "transpose", (float)((i / 15) % 49 - 24));
        cantus_host_set_control(host, "note_low", (float)((i / 25) % 3 * 30));
        cantus_host_set_control(host, "note_high", (float)(127 - (i / 35) % 3 * 30));
        cantus_host_set_control(host, "harmony", (float)((i / 12) % 3));
        if (i % 5 == 0) cantus_host_add_midi(host, 10, note_on, 3);
        if (i % 5 == 2) cantus_host_add_midi(host, 20, note_off, 3);
        if (i % 7 == 3) cantus_host_add_midi(host, 30, chord_on[i % 3], 3);
        if (i % 11 == 4) cantus_host_add_midi(host, 40, chord_off[i % 3], 3);
        session_run(&s, 256);
    }
    assert_clean(&c, "controls");
    session_free(&s);
    cantus_host_free(host);
}

static void model_swaps(CantusHostWorkerMode mode, unsigned delay)
{
    char dir[64], a[128], b[128], bad[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(a, sizeof(a), "%s/a.safetensors", dir);
    snprintf(b, sizeof(b), "%s/b.safetensors", dir);
    snprintf(bad, sizeof(bad), "%s/missing.safetensors", dir);
    write_test_model(a, 1, 48, 24, 16);
    write_test_model(b, 2, 36, 36, 96);
    Counter c;
    CantusHost *host = counted_host(48000, 128, mode, &c);
    cantus_host_set_worker_delay(host, delay);
    Session s;
    session_init(&s, host, 4, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(174, 1));
    for (int i = 0; i < 60; ++i) {
        const char *path = i % 7 == 6 ? bad : i % 2 ? a : b;
        cantus_host_add_patch_set_path(host, (uint32_t)(i % 128), MODEL_URI, path);
        if (i % 4 == 0) cantus_host_add_patch_get(host, 127, MODEL_URI);
        session_run_for(&s, 128 * 40, 128);
        if (mode == CANTUS_HOST_WORKER_THREADED) cantus_host_worker_drain(host);
    }
    session_run_for(&s, 128 * 40, 128);
    session_stop(&s, 0);
    session_run(&s, 128);
    assert_true(s.n_patch_sets >= 20);
    assert_true(cantus_host_worker_jobs(host) >= 60);
    assert_no_hanging_notes(&s);
    assert_clean(&c, "model swaps");
    session_free(&s);
    cantus_host_free(host);
    remove_tree(dir);
}

static void model_swaps_deferred(void **state)
{
    (void)state;
    model_swaps(CANTUS_HOST_WORKER_DEFERRED, 0);
    model_swaps(CANTUS_HOST_WORKER_DEFERRED, 7);
}

static void model_swaps_threaded(void **state)
{
    (void)state;
    model_swaps(CANTUS_HOST_WORKER_THREADED, 0);
    model_swaps(CANTUS_HOST_WORKER_THREADED, 3);
}

/* Restores while rolling: shipped presets, then a saved state of our own.
 * restore() itself runs on the host's main thread; what reaches run() after
 * it must still allocate nothing. */
static void presets_and_states_while_running(void **state)
{
    (void)state;
    char dir[64], model[128], saved[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/m.safetensors", dir);
    snprintf(saved, sizeof(saved), "%s/state", dir);
    write_test_model(model, 3, 40, 30, 32);
    /* The shipped presets and one of ours, in a copy of the bundle. */
    char bundle[128];
    bundle_with_preset(dir, bundle, sizeof(bundle));
    char built[512];
    snprintf(built, sizeof(built), "%s", getenv("CANTUS_BUNDLE"));
    setenv("CANTUS_BUNDLE", bundle, 1);
    Counter c;
    CantusHost *host = counted_host(48000, 512, CANTUS_HOST_WORKER_THREADED, &c);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    cantus_host_add_patch_set_path(host, 0, MODEL_URI, model);
    session_run_for(&s, 48000, 512);
    cantus_host_worker_drain(host);
    session_run_for(&s, 48000, 512);
    char err[512];
    assert_true(mkdir_p_ok(saved));
    fixture_save(host, saved, dir);
    CantusPreset *presets;
    int n = cantus_host_presets(host, &presets);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < n; ++i) {
            if (!cantus_host_load_preset(host, presets[i].uri, err, sizeof(err)))
                fail_msg("%s", err);
            session_run_for(&s, 24000, 512);
            cantus_host_worker_drain(host);
            session_run_for(&s, 24000, 512);
        }
        fixture_restore(host, saved);
        session_run_for(&s, 24000, 512);
        cantus_host_worker_drain(host);
        session_run_for(&s, 24000, 512);
    }
    cantus_host_presets_free(presets, n);
    assert_true(n >= 1);
    session_stop(&s, 0);
    session_run(&s, 512);
    assert_true(session_note_ons(&s, NULL, 0) > 0);
    assert_no_hanging_notes(&s);
    assert_clean(&c, "presets and states");
    session_free(&s);
    cantus_host_free(host);
    setenv("CANTUS_BUNDLE", built, 1);
    remove_tree(dir);
}

/* The paths run() gained with the inline display and model_status: a
 * stand-in model (a restored session whose file is missing) going live and
 * its status written, every
 * note handed to the inline display's ring, the model's name published to
 * it, queue_draw called; with the display rendered between cycles, as
 * Ardour's GUI thread does, and the worker on its own thread. */
static void stand_in_and_inline_display(void **state)
{
    (void)state;
    char dir[64], model[128], saved[128];
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/away.safetensors", dir);
    snprintf(saved, sizeof(saved), "%s/state", dir);
    assert_true(mkdir_p_ok(saved));
    write_test_model(model, 8, 50, 20, 16);

    Counter c;
    CantusHost *host = counted_host(48000, 128, CANTUS_HOST_WORKER_THREADED, &c);
    Session s;
    session_init(&s, host, 2, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(128, 1));
    cantus_host_add_patch_set_path(host, 0, MODEL_URI, model);
    session_run_for(&s, 24000, 128);
    cantus_host_worker_drain(host);
    session_run_for(&s, 24000, 128);
    fixture_save(host, saved, NULL);
    assert_int_equal(unlink(model), 0);

    bool saw_missing = false;
    for (int round = 0; round < 4; ++round) {
        /* The missing model's session, then the file back, in turn. */
        if (round == 2) write_test_model(model, 8, 50, 20, 16);
        fixture_restore(host, saved);
        for (int i = 0; i < 400; ++i) {
            session_run(&s, 128);
            if (i % 16 == 0) {
                CantusDisplayImage image;
                assert_true(cantus_host_render_display(host, 160, 120, &image));
            }
        }
        cantus_host_worker_drain(host);
        saw_missing |= cantus_host_get_control(host, "model_status") == 1.0f;
    }
    assert_true(saw_missing);
    assert_float_equal(cantus_host_get_control(host, "model_status"), 0.0f, 0);
    print_message("queue_draw: %u calls\n", cantus_host_draws_queued(host));
    assert_true(cantus_host_draws_queued(host) > 20);
    session_stop(&s, 0);
    session_run(&s, 128);
    assert_true(session_note_ons(&s, NULL, 0) > 15);
    assert_no_hanging_notes(&s);
    assert_clean(&c, "stand-in and inline display");
    session_free(&s);
    cantus_host_free(host);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_counter_counts),
        cmocka_unit_test(transport_everything),
        cmocka_unit_test(controls_midi_panic_enable),
        cmocka_unit_test(model_swaps_deferred),
        cmocka_unit_test(model_swaps_threaded),
        cmocka_unit_test(presets_and_states_while_running),
        cmocka_unit_test(stand_in_and_inline_display),
    };
    return cmocka_run_group_tests_name("real time", tests, NULL, NULL);
}
