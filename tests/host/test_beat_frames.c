/* Note-ons on the exact analytic frames, through lilv, as a host drives the
 * plugin: many tempos (130 BPM at 48 kHz has 22153.846... frames a beat),
 * three sample rates, cycles of 1 to 8192 frames, thousands of beats
 * without drift, rates 1-4, and every kind of position event inside a
 * cycle: tempo changes, relocation, loop wrap, stop and start. The expected
 * frames come from exact rational arithmetic in fixture.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fixture.h"

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
    };
    return cmocka_run_group_tests_name("beat frames", tests, NULL, NULL);
}
