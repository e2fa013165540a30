/* The beat grid's maths: exact step frames over long runs at awkward tempi,
 * the same answers whatever the cycle size, tempo changes mid-cycle, and the
 * phrase grid. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "beat_grid.h"

/* ceil(k * 60 * rate_hz / bpm) for whole-number bpm, in exact integers. */
static int64_t exact_frame(int64_t k, int64_t sample_rate, int64_t bpm)
{
    const int64_t numerator = k * 60 * sample_rate;
    return (numerator + bpm - 1) / bpm;
}

/* Walks the grid cycle by cycle as the player does, collecting step frames
 * and checking each against the exact one. Returns the steps seen. */
static int64_t walk(const CantusBeatClock *clock, int rate, int64_t from, int64_t to,
                    uint32_t cycle, int64_t sample_rate, int64_t bpm)
{
    int64_t step = cantus_grid_first_step_from(clock, rate, from);
    int64_t seen = 0;
    for (int64_t start = from; start < to; start += cycle) {
        const int64_t end = start + cycle;
        for (;;) {
            const int64_t frame = cantus_grid_step_frame(clock, rate, step);
            if (frame >= end || frame >= to) break;
            assert_true(frame >= start);
            assert_int_equal(frame, exact_frame(step, sample_rate, bpm * rate));
            step++;
            seen++;
        }
    }
    return seen;
}

static void test_every_beat_exact_130_bpm(void **unused)
{
    (void)unused;
    const CantusBeatClock clock = {0.0, 0, cantus_grid_beats_per_frame(130.0, 1.0, 48000.0)};
    /* 10^5 beats: every step frame is ceil(k * 2880000 / 130), exactly. */
    for (int64_t k = 0; k <= 100000; k++)
        assert_int_equal(cantus_grid_step_frame(&clock, 1, k), exact_frame(k, 48000, 130));
    /* And the steps found by walking, for long runs at a few cycle sizes. */
    const uint32_t sizes[] = {64, 256, 1000, 4096, 8191, 8192};
    const int64_t end = exact_frame(100000, 48000, 130);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        assert_int_equal(walk(&clock, 1, 0, end, sizes[i], 48000, 130), 100000);
}

static void test_every_cycle_size(void **unused)
{
    (void)unused;
    const CantusBeatClock clock = {0.0, 0, cantus_grid_beats_per_frame(130.0, 1.0, 48000.0)};
    /* Every cycle size 1..8192, near the start and 10^5 beats in, where a
     * drifting grid would be furthest off. */
    const int64_t late = exact_frame(99990, 48000, 130);
    for (uint32_t size = 1; size <= 8192; size++) {
        const int64_t span = size < 64 ? 30000 : 70000 + 3 * (int64_t)size;
        const int64_t early_steps = walk(&clock, 1, 0, span, size, 48000, 130);
        assert_true(early_steps >= 2);
        walk(&clock, 1, late, late + span, size, 48000, 130);
    }
}

static void test_rates_and_sample_rates(void **unused)
{
    (void)unused;
    const int64_t rates_hz[] = {44100, 48000, 88200, 96000, 192000};
    const int64_t tempi[] = {60, 97, 120, 130, 133, 174, 240};
    for (size_t r = 0; r < 5; r++)
        for (size_t t = 0; t < 7; t++)
            for (int rate = 1; rate <= 4; rate++) {
                const CantusBeatClock clock = {
                    0.0, 0,
                    cantus_grid_beats_per_frame((double)tempi[t], 1.0, (double)rates_hz[r])};
                for (int64_t k = 0; k < 20000; k += 7)
                    assert_int_equal(cantus_grid_step_frame(&clock, rate, k),
                                     exact_frame(k, rates_hz[r], tempi[t] * rate));
            }
}

static void test_first_step_from_agrees(void **unused)
{
    (void)unused;
    const CantusBeatClock clock = {3.3, 1234, cantus_grid_beats_per_frame(133.0, 1.0, 44100.0)};
    for (int rate = 1; rate <= 4; rate++)
        for (int64_t frame = -5000; frame < 300000; frame += 37) {
            const int64_t step = cantus_grid_first_step_from(&clock, rate, frame);
            assert_true(cantus_grid_step_frame(&clock, rate, step) >= frame);
            assert_true(cantus_grid_step_frame(&clock, rate, step - 1) < frame);
        }
}

/* Finding F4: a song position far beyond what a double counts step by step
 * (a bar of 1e300 beats, bar 1e15, NaN). Every call returns at once with a
 * step inside +-CANTUS_GRID_STEP_LIMIT, no out-of-range cast (UBSan), and
 * frames that saturate rather than wrap. Before the fix the settle loop of
 * cantus_grid_first_step_from never ended here. */
static void test_absurd_positions_return(void **unused)
{
    (void)unused;
    const double bpf = cantus_grid_beats_per_frame(120.0, 1.0, 48000.0);
    const double beats[] = {5e300, -5e300, 4e15, 4e18, 9.3e18, 1e20, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof beats / sizeof beats[0]; i++)
        for (int rate = 1; rate <= 4; rate++) {
            const CantusBeatClock clock = {beats[i], 0, bpf};
            const int64_t step = cantus_grid_first_step_from(&clock, rate, 512);
            assert_true(step <= CANTUS_GRID_STEP_LIMIT && step >= -CANTUS_GRID_STEP_LIMIT);
            /* Whatever comes back, the next step's frame is defined. */
            (void)cantus_grid_step_frame(&clock, rate, step + 1);
            const int64_t at = cantus_grid_step_at_or_after_beat(beats[i], rate);
            assert_true(at <= CANTUS_GRID_STEP_LIMIT && at >= -CANTUS_GRID_STEP_LIMIT);
        }
    const CantusBeatClock nan_clock = {NAN, 0, bpf};
    assert_true(cantus_grid_step_frame(&nan_clock, 1, 10) == INT64_MAX);
    /* An anchor near the end of int64: the frame saturates. */
    const CantusBeatClock late = {0.0, INT64_MAX - 10, bpf};
    assert_true(cantus_grid_step_frame(&late, 1, 1000) == INT64_MAX);
    const CantusBeatClock early = {0.0, INT64_MIN + 10, bpf};
    assert_true(cantus_grid_step_frame(&early, 1, -1000) == INT64_MIN);
    /* Bars and phrases of absurd meters. */
    assert_int_equal(cantus_grid_bar_of_step(CANTUS_GRID_STEP_LIMIT, 1, 1e-300),
                     CANTUS_GRID_STEP_LIMIT);
    const int64_t start = cantus_grid_phrase_start(CANTUS_GRID_STEP_LIMIT, 4, 1e300, 64);
    assert_true(start <= CANTUS_GRID_STEP_LIMIT && start >= -CANTUS_GRID_STEP_LIMIT);
}

static void test_tempo_change_mid_cycle(void **unused)
{
    (void)unused;
    /* 120 BPM for 4 beats, then 60 BPM from the frame where beat 4 falls:
     * steps after the change are 48000 frames apart, with no step lost or
     * repeated at the change. */
    CantusBeatClock clock = {0.0, 0, cantus_grid_beats_per_frame(120.0, 1.0, 48000.0)};
    assert_int_equal(cantus_grid_step_frame(&clock, 1, 4), 96000);
    cantus_grid_reanchor(&clock, 90000, cantus_grid_beats_per_frame(60.0, 1.0, 48000.0));
    assert_float_equal(clock.anchor_beat, 3.75, 1e-12);
    assert_int_equal(cantus_grid_first_step_from(&clock, 1, 90000), 4);
    assert_int_equal(cantus_grid_step_frame(&clock, 1, 4), 90000 + 12000);
    assert_int_equal(cantus_grid_step_frame(&clock, 1, 5), 90000 + 12000 + 48000);
    /* Stopped: never. */
    cantus_grid_reanchor(&clock, 100000, 0.0);
    assert_true(cantus_grid_step_frame(&clock, 1, 5) == INT64_MAX);
}

static void test_integer_frames_per_beat_would_drift(void **unused)
{
    (void)unused;
    /* The eg-metro way, for contrast: 22153 frames a beat drifts by 0.85
     * frames a beat; the grid stays exact (checked above), so after 10^5
     * beats they disagree by tens of thousands of frames. */
    const CantusBeatClock clock = {0.0, 0, cantus_grid_beats_per_frame(130.0, 1.0, 48000.0)};
    const int64_t truncated = (int64_t)(60.0 * 48000.0 / 130.0);
    assert_true(cantus_grid_step_frame(&clock, 1, 100000) - truncated * 100000 > 80000);
}

static void test_bars_and_phrases(void **unused)
{
    (void)unused;
    /* 4/4, rate 2: 8 steps a bar. */
    assert_int_equal(cantus_grid_bar_of_step(0, 2, 4.0), 0);
    assert_int_equal(cantus_grid_bar_of_step(7, 2, 4.0), 0);
    assert_int_equal(cantus_grid_bar_of_step(8, 2, 4.0), 1);
    assert_int_equal(cantus_grid_bar_of_step(-1, 2, 4.0), -1);
    /* Phrases of 2 bars start at steps 0, 16, 32 ... and -16. */
    assert_int_equal(cantus_grid_phrase_start(0, 2, 4.0, 2), 0);
    assert_int_equal(cantus_grid_phrase_start(15, 2, 4.0, 2), 0);
    assert_int_equal(cantus_grid_phrase_start(16, 2, 4.0, 2), 16);
    assert_int_equal(cantus_grid_phrase_start(47, 2, 4.0, 2), 32);
    assert_int_equal(cantus_grid_phrase_start(-3, 2, 4.0, 2), -16);
    /* Free-running: every step is its own start. */
    assert_int_equal(cantus_grid_phrase_start(47, 2, 4.0, 0), 47);
    /* 7/8 counted as 3.5 beats, rate 1: bar 2 starts at beat 7, phrase of
     * 3 bars holding step 12 (bar 3) starts at bar 3 = beat 10.5, first step
     * at or after it is 11. */
    assert_int_equal(cantus_grid_bar_of_step(12, 1, 3.5), 3);
    assert_int_equal(cantus_grid_phrase_start(12, 1, 3.5, 3), 11);
    /* Rate 3 (triplets) in 3/4: 9 steps a bar. */
    assert_int_equal(cantus_grid_phrase_start(26, 3, 3.0, 1), 18);
    assert_int_equal(cantus_grid_phrase_start(27, 3, 3.0, 1), 27);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_beat_exact_130_bpm),
        cmocka_unit_test(test_every_cycle_size),
        cmocka_unit_test(test_rates_and_sample_rates),
        cmocka_unit_test(test_first_step_from_agrees),
        cmocka_unit_test(test_absurd_positions_return),
        cmocka_unit_test(test_tempo_change_mid_cycle),
        cmocka_unit_test(test_integer_frames_per_beat_would_drift),
        cmocka_unit_test(test_bars_and_phrases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
