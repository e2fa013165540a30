/* Note-ons on the exact analytic frames, through lilv, as a host drives the
 * plugin: many tempos (130 BPM at 48 kHz has 22153.846... frames a beat),
 * three sample rates, cycles of 1 to 8192 frames, thousands of beats
 * without drift, rates 1-4, and every kind of position event inside a
 * cycle: tempo changes, relocation, loop wrap, stop and start; and the
 * rate "as trained" for models of 2 and 4 steps a quarter in 4/4, 3/4 and
 * 6/8. The expected frames come from exact rational arithmetic in
 * fixture.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* Test models trained, as their metadata says, at 2 and 4 steps a quarter. */
static char model_dir[256];
static char model_of[5][512];

static int write_models(void **state)
{
    (void)state;
    make_temp_dir(model_dir, sizeof model_dir);
    for (int steps = 2; steps <= 4; steps += 2) {
        snprintf(model_of[steps], sizeof model_of[steps], "%s/steps%d.safetensors", model_dir,
                 steps);
        const TestModelSpec spec = {.note_low = 60,
                                    .pitches = 12,
                                    .hidden = 8,
                                    .seed = 5u + (uint32_t)steps,
                                    .steps_per_beat = steps};
        if (test_model_write(model_of[steps], &spec) != 0) return -1;
    }
    return 0;
}

static int remove_models(void **state)
{
    (void)state;
    remove_tree(model_dir);
    return 0;
}

/* Beats to play so that a case stays under `cycles` run() calls. */
static int64_t beats_for(int64_t sample_rate, Ratio bpm, uint32_t block, int64_t most,
                         int64_t cycles)
{
    double frames_per_beat = 60.0 * (double)sample_rate / ratio_value(bpm);
    int64_t beats = (int64_t)((double)cycles * block / frames_per_beat);
    if (beats > most) beats = most;
    return beats < 8 ? 8 : beats;
}

static void play_steady(int64_t sample_rate, Ratio bpm, uint32_t block, int rate, int64_t beats,
                        PositionPolicy policy)
{
    CantusHost *host = fixture_host((double)sample_rate, block, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, rate, policy);
    session_start(&s, 0, ratio(0, 1), bpm);
    int64_t frames = (int64_t)(beats * 60.0 * (double)sample_rate / ratio_value(bpm));
    session_run_for(&s, frames, block);
    session_stop(&s, 0);
    session_run(&s, block);
    assert_notes_on_grid(&s);
    assert_no_hanging_notes(&s);
    assert_true(s.n_expected >= beats * rate - 1);
    session_free(&s);
    cantus_host_free(host);
}

static void tempos_and_sample_rates(void **state)
{
    (void)state;
    const int64_t rates[] = {44100, 48000, 96000};
    const Ratio tempos[] = {ratio(60, 1),  ratio(97, 1),  ratio(120, 1), ratio(130, 1),
                            ratio(140, 1), ratio(174, 1), ratio(179, 2), ratio(723, 10)};
    for (size_t r = 0; r < 3; ++r)
        for (size_t t = 0; t < sizeof(tempos) / sizeof(tempos[0]); ++t)
            play_steady(rates[r], tempos[t], 256, 1,
                        beats_for(rates[r], tempos[t], 256, 2000, 100000), SEND_ON_CHANGE);
}

static void cycle_sizes_1_to_8192(void **state)
{
    (void)state;
    const uint32_t blocks[] = {1, 2, 3, 17, 64, 100, 256, 1000, 1023, 4096, 8192};
    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); ++b)
        play_steady(48000, ratio(130, 1), blocks[b], 1,
                    beats_for(48000, ratio(130, 1), blocks[b], 2000, 200000), SEND_ON_CHANGE);
}

/* Ten thousand beats: an integer frames-per-beat grid would be off by
 * thousands of frames by the end (eg-metro's 0.85 frames a beat). */
static void thousands_of_beats_without_drift(void **state)
{
    (void)state;
    play_steady(48000, ratio(130, 1), 8192, 1, 10000, SEND_ON_CHANGE);
    play_steady(44100, ratio(97, 1), 8192, 1, 5000, SEND_ON_CHANGE);
}

static void rates_1_to_4(void **state)
{
    (void)state;
    for (int rate = 1; rate <= 4; ++rate) {
        play_steady(48000, ratio(130, 1), 512, rate, 1000, SEND_ON_CHANGE);
        play_steady(44100, ratio(97, 1), 333, rate, 1000, SEND_ON_CHANGE);
        play_steady(96000, ratio(723, 10), 64, rate, 300, SEND_ON_CHANGE);
    }
}

/* Carla writes the position at every cycle (as Doubles): the same grid. */
static void position_every_cycle(void **state)
{
    (void)state;
    play_steady(48000, ratio(130, 1), 256, 1, 1000, SEND_EVERY_CYCLE);
    play_steady(44100, ratio(120, 1), 100, 2, 500, SEND_EVERY_CYCLE);
    play_steady(96000, ratio(179, 2), 1024, 3, 500, SEND_EVERY_CYCLE);
}

static void tempo_changes_inside_a_cycle(void **state)
{
    (void)state;
    const uint32_t block = 1024;
    CantusHost *host = fixture_host(48000, block, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, 2, SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    const Ratio tempos[] = {ratio(130, 1), ratio(97, 1), ratio(179, 2), ratio(200, 1),
                            ratio(60, 1)};
    for (int i = 0; i < 20; ++i) {
        session_run_for(&s, 48000 * 3 + 77 * i, block);
        session_tempo(&s, (uint32_t)(37 * i + 5) % block, tempos[i % 5]);
    }
    session_run_for(&s, 48000 * 4, block);
    session_stop(&s, 11);
    session_run(&s, block);
    assert_notes_on_grid(&s);
    assert_no_hanging_notes(&s);
    session_free(&s);
    cantus_host_free(host);
}

/* Relocation forward and back, a loop that wraps from the end of bar 8 to
 * bar 4 at a frame inside a cycle, stop and start again elsewhere. */
static void relocate_loop_stop_inside_a_cycle(void **state)
{
    (void)state;
    const uint32_t block = 512;
    CantusHost *host = fixture_host(48000, block, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    session_start(&s, 100, ratio(0, 1), ratio(130, 1));
    session_run_for(&s, 48000 * 5, block);
    session_locate(&s, 200, ratio(33, 2)); /* forward, between beats */
    session_run_for(&s, 48000 * 3, block);
    session_locate(&s, 7, ratio(4, 1)); /* back, on a beat */
    session_run_for(&s, 48000 * 3, block);
    /* Loop: bar 4 to bar 8, each wrap at the frame where bar 8 begins. */
    session_locate(&s, 0, ratio(16, 1));
    for (int wrap = 0; wrap < 4; ++wrap) {
        int64_t now = cantus_host_frame(host);
        Ratio beat = session_beat_at(&s, now);
        /* The frame where beat 32 falls, exactly: the host wraps there. */
        double left = (32.0 - ratio_value(beat)) * 60.0 * 48000 / 130.0;
        int64_t wrap_frame = now + (int64_t)left;
        session_run_for(&s, wrap_frame - now - (wrap_frame - now) % block, block);
        uint32_t offset = (uint32_t)(wrap_frame - cantus_host_frame(host));
        session_locate(&s, offset, ratio(16, 1));
        session_run(&s, block);
    }
    session_stop(&s, 300);
    session_run_for(&s, 48000, block);
    session_start(&s, 50, ratio(101, 4), ratio(97, 1));
    session_run_for(&s, 48000 * 4, block);
    session_stop(&s, 0);
    session_run(&s, block);
    assert_notes_on_grid(&s);
    assert_no_hanging_notes(&s);
    session_free(&s);
    cantus_host_free(host);
}

/* One session with a test model at `rate` (0: as trained) in a metre,
 * 130 BPM, then 97 from a cycle's middle, a relocation to bar 3 and a stop:
 * every note-on on the exact frame of its step, none elsewhere. Returns
 * the note-ons of the first 8 host beats. */
static int play_in_metre(int rate, int steps_per_quarter, int beats_per_bar, int beat_unit,
                         Ratio *played_rate)
{
    CantusHost *host = fixture_host(48000, 256, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init_meter(&s, host, rate, beats_per_bar, beat_unit, SEND_ON_CHANGE);
    session_load_model(&s, model_of[steps_per_quarter]);
    *played_rate = s.rate;
    const int64_t origin = cantus_host_frame(host);
    session_start(&s, 0, ratio(0, 1), ratio(130, 1));
    session_run_for(&s, 8 * 22153, 256); /* just under 8 beats at 130 BPM */
    const int early = session_note_ons(&s, NULL, 0);
    session_run_for(&s, 2 * 48000, 256);
    session_tempo(&s, 100, ratio(97, 1));
    session_run_for(&s, 3 * 48000, 256);
    session_locate(&s, 17, ratio(3 * beats_per_bar, 1));
    session_run_for(&s, 3 * 48000, 256);
    session_stop(&s, 0);
    session_run(&s, 256);
    assert_true(cantus_host_frame(host) > origin);
    assert_notes_on_grid(&s);
    assert_no_hanging_notes(&s);
    session_free(&s);
    cantus_host_free(host);
    return early;
}

/* As trained, a model of S steps a quarter plays 4 S / beatUnit steps a
 * host beat: S a beat in 4/4 and 3/4, S / 2 an eighth in 6/8, so its
 * eighths are the host's eighths; the explicit rates 1..4 still count the
 * host's beats (6/8, the model of 4). */
static void as_trained_in_three_metres(void **state)
{
    (void)state;
    const int meters[3][2] = {{4, 4}, {3, 4}, {6, 8}};
    for (int m = 0; m < 3; m++) {
        for (int steps = 2; steps <= 4; steps += 2) {
            Ratio rate;
            const int early = play_in_metre(0, steps, meters[m][0], meters[m][1], &rate);
            const Ratio want = ratio(4 * steps, meters[m][1]);
            if (rate.num != want.num || rate.den != want.den)
                fail_msg("%d/%d, %d steps a quarter: %lld/%lld steps a beat", meters[m][0],
                         meters[m][1], steps, (long long)rate.num, (long long)rate.den);
            assert_int_equal(early, 8 * want.num / want.den);
            print_message("%d/%d, %d steps a quarter: %lld/%lld steps a host beat, on the grid\n",
                          meters[m][0], meters[m][1], steps, (long long)rate.num,
                          (long long)rate.den);
        }
    }
    for (int explicit_rate = 1; explicit_rate <= 4; explicit_rate++) {
        Ratio rate;
        const int early = play_in_metre(explicit_rate, 4, 6, 8, &rate);
        assert_int_equal(rate.num, explicit_rate);
        assert_int_equal(rate.den, 1);
        assert_int_equal(early, 8 * explicit_rate);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tempos_and_sample_rates),
        cmocka_unit_test(cycle_sizes_1_to_8192),
        cmocka_unit_test(thousands_of_beats_without_drift),
        cmocka_unit_test(rates_1_to_4),
        cmocka_unit_test(position_every_cycle),
        cmocka_unit_test(tempo_changes_inside_a_cycle),
        cmocka_unit_test(relocate_loop_stop_inside_a_cycle),
        cmocka_unit_test(as_trained_in_three_metres),
    };
    return cmocka_run_group_tests_name("beat frames", tests, write_models, remove_models);
}
