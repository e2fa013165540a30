/* A host that sends nonsense in time:Position: NaN, infinite, zero, negative
 * and absurd tempos, negative and huge speeds, a barBeat outside its bar,
 * bars past 2^53 beats, frames going backwards. The plugin must keep to a
 * sane grid or fall back to its fallback tempo (120 BPM here), never stop
 * the host (every run() returns quickly), and never leave a note hanging or
 * strike a sounding note again. Each case plays 4 seconds at 48 kHz in
 * cycles of 512 frames, rate 1: at 120 BPM that is 8 steps, 24000 frames
 * apart. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "hostile_rig.h"

#define RATE     48000.0
#define BLOCK    512
#define SECONDS  4
#define STEP_120 24000 /* frames per step at the 120 BPM fallback */
/* The fastest grid a sane plugin plays: 1000 BPM at rate 1 (the plugin's own
 * controls stop at 400 BPM x 4 steps a beat = 1600 steps a minute, 1800
 * frames apart; hosts allow at most about 1000 BPM). */
#define SANE_GAP 1800
/* No cycle may take this long: a host's whole cycle is ~10 ms. */
#define SLOWEST_MS 250.0

typedef struct {
    long note_ons;
    int64_t shortest_gap;
} Outcome;

static Outcome play(double speed, double bpm, double bar, double bar_beat, double beats_per_bar)
{
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    rig_position(&rig, speed, bpm, bar, bar_beat, beats_per_bar, 0);
    rig_run_for(&rig, (int64_t)(SECONDS * RATE), BLOCK);
    rig_assert_silent_after_disable(&rig);
    if (rig.slowest_run_ms > SLOWEST_MS) fail_msg("a run() took %.1f ms", rig.slowest_run_ms);
    Outcome o = {rig.note_ons_total, rig.shortest_gap};
    rig_close(&rig);
    return o;
}

/* The tempo is unusable: the fallback tempo plays, on its exact grid. */
static void assert_fallback(Outcome o, const char *what)
{
    if (o.note_ons < 7 || o.note_ons > 9)
        fail_msg("%s: %ld note-ons in 4 s, the 120 BPM fallback gives 8", what, o.note_ons);
    if (o.shortest_gap < STEP_120 - 1)
        fail_msg("%s: note-ons only %lld frames apart, the fallback grid is %d", what,
                 (long long)o.shortest_gap, STEP_120);
}

static void assert_sane(Outcome o, const char *what)
{
    if (o.note_ons > 0 && o.shortest_gap < SANE_GAP)
        fail_msg("%s: note-ons %lld frames apart (%ld in 4 s): not a sane grid", what,
                 (long long)o.shortest_gap, o.note_ons);
}

static void nan_bpm_falls_back(void **state)
{
    (void)state;
    assert_fallback(play(1.0, NAN, 0, 0, 4), "NaN BPM");
}

static void infinite_bpm_falls_back(void **state)
{
    (void)state;
    assert_fallback(play(1.0, INFINITY, 0, 0, 4), "+inf BPM");
    assert_fallback(play(1.0, -INFINITY, 0, 0, 4), "-inf BPM");
}

static void zero_bpm_falls_back(void **state)
{
    (void)state;
    assert_fallback(play(1.0, 0.0, 0, 0, 4), "0 BPM");
}

static void negative_bpm_falls_back(void **state)
{
    (void)state;
    assert_fallback(play(1.0, -120.0, 0, 0, 4), "-120 BPM");
}

static void huge_bpm_stays_sane(void **state)
{
    (void)state;
    assert_sane(play(1.0, 1e9, 0, 0, 4), "1e9 BPM");
}

static void negative_speed_stays_sane(void **state)
{
    (void)state;
    assert_sane(play(-1.0, 120.0, 0, 0, 4), "speed -1");
    assert_sane(play(-1e9, 120.0, 0, 0, 4), "speed -1e9");
}

static void huge_speed_stays_sane(void **state)
{
    (void)state;
    assert_sane(play(66048.0, 120.0, 0, 0, 4), "speed 66048");
    assert_sane(play(1e9, 120.0, 0, 0, 4), "speed 1e9");
}

static void nan_speed_stays_sane(void **state)
{
    (void)state;
    assert_sane(play(NAN, 120.0, 0, 0, 4), "speed NaN");
    assert_sane(play(INFINITY, 120.0, 0, 0, 4), "speed inf");
}

/* barBeat past the end of the bar (17.25 of 4) or before its start: the
 * beat is still a beat, and the grid stays 120 BPM. */
static void bar_beat_outside_the_bar(void **state)
{
    (void)state;
    assert_fallback(play(1.0, 120.0, 3, 17.25, 4), "barBeat 17.25 of 4");
    assert_fallback(play(1.0, 120.0, 3, -3.5, 4), "barBeat -3.5");
    assert_fallback(play(1.0, 120.0, 0, NAN, 4), "barBeat NaN");
}

static void odd_beats_per_bar(void **state)
{
    (void)state;
    assert_fallback(play(1.0, 120.0, 5, 1, 0.0), "0 beats per bar");
    assert_fallback(play(1.0, 120.0, 5, 1, -7.0), "-7 beats per bar");
    assert_fallback(play(1.0, 120.0, 5, 1, NAN), "NaN beats per bar");
}

/* 5 bars of 1e300 beats: a finite song position far beyond any grid. */
static void absurd_beats_per_bar(void **state)
{
    (void)state;
    assert_sane(play(1.0, 120.0, 5, 1, 1e300), "1e300 beats per bar");
}

/* Song positions where a double no longer holds every step (2^53 beats)
 * or an int64 no longer holds the step number. */
static void bars_beyond_double_precision(void **state)
{
    (void)state;
    assert_sane(play(1.0, 120.0, 1e15, 0, 4), "bar 1e15");
    assert_sane(play(1.0, 120.0, 4e18, 0, 4), "bar 4e18");
}

/* A host whose frame counter and position run backwards, a cycle at a time
 * (a broken loop or scrub): every position is a relocation. */
static void frames_going_backwards(void **state)
{
    (void)state;
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    double beat = 1000.0;
    int64_t frame = 10000000;
    for (int i = 0; i < 2000; i++) {
        rig_position(&rig, 1.0, 120.0, floor(beat / 4), fmod(beat, 4.0), 4, (double)frame);
        rig_cycle(&rig, BLOCK);
        beat -= 0.37;
        frame -= 9000;
    }
    rig_assert_silent_after_disable(&rig);
    rig_close(&rig);
}

/* Every cycle a different kind of nonsense, 3000 cycles. */
static void tempo_chaos(void **state)
{
    (void)state;
    const double bpms[] = {120, NAN, 0, -1, 1e9, 33.3, INFINITY, 1e-300, 999, 20};
    const double speeds[] = {1, 0, -1, 1, NAN, 2, 1, 0.5, 1e6, 1};
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    for (int i = 0; i < 3000; i++) {
        if (i % 3 == 0)
            rig_position(&rig, speeds[(i / 3) % 10], bpms[(i / 7) % 10], i % 13, (i % 5) * 0.7, 4,
                         i * 300.0);
        rig_cycle(&rig, (uint32_t)(1 + (i * 7919) % 2048));
    }
    rig_assert_silent_after_disable(&rig);
    if (rig.slowest_run_ms > SLOWEST_MS) fail_msg("a run() took %.1f ms", rig.slowest_run_ms);
    rig_close(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nan_bpm_falls_back),
        cmocka_unit_test(infinite_bpm_falls_back),
        cmocka_unit_test(zero_bpm_falls_back),
        cmocka_unit_test(negative_bpm_falls_back),
        cmocka_unit_test(huge_bpm_stays_sane),
        cmocka_unit_test(negative_speed_stays_sane),
        cmocka_unit_test(huge_speed_stays_sane),
        cmocka_unit_test(nan_speed_stays_sane),
        cmocka_unit_test(bar_beat_outside_the_bar),
        cmocka_unit_test(odd_beats_per_bar),
        cmocka_unit_test(frames_going_backwards),
        cmocka_unit_test(tempo_chaos),
        /* Last: a song position no double counts step by step once hung
         * run() for good, and a hang ends the process. */
        cmocka_unit_test(bars_beyond_double_precision),
        cmocka_unit_test(absurd_beats_per_bar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
