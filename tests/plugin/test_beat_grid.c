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

/* A song position far beyond what a double counts step by step
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

/* ceil of the swung instant of step k, in exact integers: the step's index
 * in its bar i = k mod steps_per_bar; pair j = i / 2; the second step of a
 * pair at (2j + 2 * percent / 100) / rate beats from the bar start, every
 * other step straight. Frames = beats * 60 * sample_rate / bpm. */
static int64_t exact_swung_frame(int64_t k, int64_t sample_rate, int64_t bpm, int64_t rate,
                                 int64_t percent, int64_t steps_per_bar)
{
    const int64_t i = ((k % steps_per_bar) + steps_per_bar) % steps_per_bar;
    /* The position in hundredths of a step. */
    const int64_t hundredths = i % 2 == 1 ? (k - 1) * 100 + 2 * percent : k * 100;
    const int64_t numerator = hundredths * 60 * sample_rate;
    const int64_t denominator = 100 * rate * bpm;
    if (numerator >= 0) return (numerator + denominator - 1) / denominator;
    return -((-numerator) / denominator);
}

static void test_straight_swing_is_the_straight_grid(void **unused)
{
    (void)unused;
    const CantusBeatClock clock = {3.3, 1234, cantus_grid_beats_per_frame(133.0, 1.0, 44100.0)};
    for (int rate = 1; rate <= 4; rate++) {
        const CantusGrid grid = {rate, 3.5, 0.5};
        for (int64_t k = -1000; k < 100000; k += 3)
            assert_int_equal(cantus_grid_swung_step_frame(&clock, &grid, k),
                             cantus_grid_step_frame(&clock, rate, k));
        for (int64_t frame = -5000; frame < 300000; frame += 41)
            assert_int_equal(cantus_grid_swung_first_step_from(&clock, &grid, frame),
                             cantus_grid_first_step_from(&clock, rate, frame));
    }
}

static void test_swung_frames_exact(void **unused)
{
    (void)unused;
    const int64_t rates_hz[] = {44100, 48000, 96000};
    const int64_t tempi[] = {60, 97, 120, 130, 174};
    const int64_t percents[] = {50, 54, 58, 60, 62, 66, 67, 70, 75};
    const int64_t meters[] = {2, 3, 4, 5, 7};
    for (size_t r = 0; r < 3; r++)
        for (size_t t = 0; t < 5; t++)
            for (size_t p = 0; p < 9; p++)
                for (size_t m = 0; m < 5; m++)
                    for (int rate = 1; rate <= 4; rate++) {
                        const CantusBeatClock clock = {
                            0.0, 0,
                            cantus_grid_beats_per_frame((double)tempi[t], 1.0,
                                                        (double)rates_hz[r])};
                        const CantusGrid grid = {rate, (double)meters[m], percents[p] / 100.0};
                        for (int64_t k = -40; k < 3000; k += 1)
                            assert_int_equal(cantus_grid_swung_step_frame(&clock, &grid, k),
                                             exact_swung_frame(k, rates_hz[r], tempi[t], rate,
                                                               percents[p], meters[m] * rate));
                    }
}

/* The player's walk with swing: the step count carried from cycle to cycle
 * is the one cantus_grid_swung_first_step_from finds at each cycle's start
 * (so a resync at any cycle edge neither repeats nor skips a step), and
 * every frame is the exact one. */
static int64_t swung_walk(const CantusBeatClock *clock, const CantusGrid *grid, int64_t from,
                          int64_t to, uint32_t cycle, int64_t percent)
{
    int64_t step = cantus_grid_swung_first_step_from(clock, grid, from);
    int64_t seen = 0;
    const int64_t steps_per_bar = (int64_t)grid->beats_per_bar * grid->rate;
    for (int64_t start = from; start < to; start += cycle) {
        assert_int_equal(cantus_grid_swung_first_step_from(clock, grid, start), step);
        const int64_t end = start + cycle;
        for (;;) {
            const int64_t frame = cantus_grid_swung_step_frame(clock, grid, step);
            if (frame >= end || frame >= to) break;
            assert_true(frame >= start);
            assert_int_equal(
                frame, exact_swung_frame(step, 48000, 130, grid->rate, percent, steps_per_bar));
            step++;
            seen++;
        }
    }
    return seen;
}

static void test_swing_every_cycle_size(void **unused)
{
    (void)unused;
    const CantusBeatClock clock = {0.0, 0, cantus_grid_beats_per_frame(130.0, 1.0, 48000.0)};
    /* Every cycle size 1..8192, near the start and 10^4 bars in; rate 3 in
     * 4/4 (12 steps a bar) and rate 1 in 3/4 (a last step that stays
     * straight) as well as rate 2 in 4/4. */
    const struct {
        int rate;
        double meter;
        int64_t percent;
    } cases[] = {{2, 4.0, 66}, {3, 4.0, 75}, {1, 3.0, 60}, {4, 5.0, 58}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const CantusGrid grid = {cases[c].rate, cases[c].meter, cases[c].percent / 100.0};
        const int64_t late = exact_frame(40000, 48000, 130);
        for (uint32_t size = 1; size <= 8192; size++) {
            const int64_t span = size < 64 ? 12000 : 30000 + 3 * (int64_t)size;
            assert_true(swung_walk(&clock, &grid, 0, span, size, cases[c].percent) >= 1);
            swung_walk(&clock, &grid, late, late + span, size, cases[c].percent);
        }
    }
}

static void test_swung_first_step_from_agrees(void **unused)
{
    (void)unused;
    const CantusBeatClock clock = {-6.3, 1234, cantus_grid_beats_per_frame(133.0, 1.0, 44100.0)};
    const double meters[] = {4.0, 3.0, 3.5, 7.0};
    for (int rate = 1; rate <= 4; rate++)
        for (size_t m = 0; m < 4; m++)
            for (double swing = 0.5; swing <= 0.75; swing += 0.05) {
                const CantusGrid grid = {rate, meters[m], swing};
                for (int64_t frame = -5000; frame < 300000; frame += 37) {
                    const int64_t step = cantus_grid_swung_first_step_from(&clock, &grid, frame);
                    assert_true(cantus_grid_swung_step_frame(&clock, &grid, step) >= frame);
                    assert_true(cantus_grid_swung_step_frame(&clock, &grid, step - 1) < frame);
                }
            }
}

static void test_swing_pairs_from_the_bar_start(void **unused)
{
    (void)unused;
    /* 3/4 at rate 1: steps 0 1 2 | 3 4 5: the second of each bar swings,
     * the third is unpaired and stays straight. */
    const CantusGrid waltz = {1, 3.0, 0.75};
    const double waltz_delays[] = {0, 0.5, 0, 0, 0.5, 0, 0, 0.5};
    for (int64_t k = 0; k < 8; k++)
        assert_float_equal(cantus_grid_swing_delay(&waltz, k), waltz_delays[k], 1e-12);
    /* Rate 3 in 4/4: 12 steps a bar, six pairs; at rate 3 a pair is not a
     * beat, and the count starts again at each bar. */
    const CantusGrid triplets = {3, 4.0, 0.6};
    for (int64_t k = -24; k < 48; k++) {
        const int64_t i = ((k % 12) + 12) % 12;
        assert_int_equal(cantus_grid_step_in_bar(&triplets, k), i);
        assert_float_equal(cantus_grid_swing_delay(&triplets, k), (i % 2 ? 0.2 : 0.0), 1e-12);
    }
    /* 7/8 counted as 3.5 beats at rate 1: bar 1 starts at beat 3.5, its
     * first step is beat 4, and pairs count from there. */
    const CantusGrid seven = {1, 3.5, 0.75};
    assert_int_equal(cantus_grid_step_in_bar(&seven, 3), 3);
    assert_int_equal(cantus_grid_step_in_bar(&seven, 4), 0);
    assert_float_equal(cantus_grid_swing_delay(&seven, 5), 0.5, 1e-12);
    /* Out of range and NaN: clamped, straight for NaN. */
    const CantusGrid wild = {2, 4.0, 9.0}, nan_swing = {2, 4.0, NAN}, no_meter = {2, -1.0, 0.6};
    assert_float_equal(cantus_grid_swing_delay(&wild, 1), 0.5, 1e-12);
    assert_float_equal(cantus_grid_swing_delay(&nan_swing, 1), 0.0, 0.0);
    assert_int_equal(cantus_grid_step_in_bar(&no_meter, 9), 1); /* taken as 4/4 */
}

static void test_step_places(void **unused)
{
    (void)unused;
    const CantusGrid eighths = {2, 4.0, 0.5};
    const CantusStepPlace bar[8] = {
        CANTUS_PLACE_DOWNBEAT, CANTUS_PLACE_BETWEEN, CANTUS_PLACE_BEAT, CANTUS_PLACE_BETWEEN,
        CANTUS_PLACE_BEAT,     CANTUS_PLACE_BETWEEN, CANTUS_PLACE_BEAT, CANTUS_PLACE_BETWEEN};
    for (int64_t k = -16; k < 32; k++)
        assert_int_equal(cantus_grid_step_place(&eighths, k), bar[((k % 8) + 8) % 8]);
    const CantusGrid quarters = {1, 3.0, 0.5};
    assert_int_equal(cantus_grid_step_place(&quarters, 3), CANTUS_PLACE_DOWNBEAT);
    assert_int_equal(cantus_grid_step_place(&quarters, 4), CANTUS_PLACE_BEAT);
    const CantusGrid triplets = {3, 4.0, 0.5};
    assert_int_equal(cantus_grid_step_place(&triplets, 12), CANTUS_PLACE_DOWNBEAT);
    assert_int_equal(cantus_grid_step_place(&triplets, 15), CANTUS_PLACE_BEAT);
    assert_int_equal(cantus_grid_step_place(&triplets, 16), CANTUS_PLACE_BETWEEN);
    /* 7/8 as 3.5 beats: at rate 2 bar 1 starts on step 7, a downbeat; at
     * rate 1 the bar line (beat 3.5) has no step and beat 4 is between. */
    const CantusGrid seven_eighths = {2, 3.5, 0.5}, seven_quarters = {1, 3.5, 0.5};
    assert_int_equal(cantus_grid_step_place(&seven_eighths, 7), CANTUS_PLACE_DOWNBEAT);
    assert_int_equal(cantus_grid_step_place(&seven_eighths, 9), CANTUS_PLACE_BEAT);
    assert_int_equal(cantus_grid_step_place(&seven_quarters, 4), CANTUS_PLACE_BETWEEN);
    assert_int_equal(cantus_grid_step_place(&seven_quarters, 7), CANTUS_PLACE_DOWNBEAT);
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
        cmocka_unit_test(test_straight_swing_is_the_straight_grid),
        cmocka_unit_test(test_swung_frames_exact),
        cmocka_unit_test(test_swing_every_cycle_size),
        cmocka_unit_test(test_swung_first_step_from_agrees),
        cmocka_unit_test(test_swing_pairs_from_the_bar_start),
        cmocka_unit_test(test_step_places),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
