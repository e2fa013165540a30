/* The player feeds a metre model each step's position in the bar, from the
 * host's beatsPerBar and bar lines: the grid that places the step's note.
 *
 * The test writes a model whose next token tells the position it was fed:
 * no recurrence, token columns zero, and position p's column drives hidden
 * unit p up and the others down, so the dense layer's logits peak at token
 * p by a margin of ~30 (any wrong draw has a chance below 1e-12). Token t
 * is MIDI pitch 60 + t, so the pitch of step k's note is 60 + the position
 * fed with step k - 1. The expected positions are worked out here from the
 * host's bar lines: step j is at beat j / rate, bars of beatsPerBar beats
 * counted from beat 0, so its position is j mod (beatsPerBar * rate);
 * without a host position, 4/4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rig.h"
#include "safetensors_write.h"

#define P          24 /* positions the model knows, and its tokens */
#define H          P
#define LOW        60
#define RATE_CASES 3

/* The same model trained, as its metadata says, at 1, 2, 3 and 4 steps a
 * quarter note: what the player does with `rate` as trained. */
#define MOST_STEPS_PER_QUARTER 4

static char model_paths[MOST_STEPS_PER_QUARTER + 1][256];
#define model_path model_paths[4]

static int write_model_at(int steps_per_quarter)
{
    static float w_ih[4 * H * (P + P)], w_hh[4 * H * H], b[4 * H], fc_w[P * H], fc_b[P];
    memset(w_ih, 0, sizeof w_ih);
    memset(w_hh, 0, sizeof w_hh);
    memset(b, 0, sizeof b);
    memset(fc_w, 0, sizeof fc_w);
    memset(fc_b, 0, sizeof fc_b);
    const int I = P + P; /* V tokens, then P positions */
    for (int p = 0; p < P; p++) {
        const int column = P + p;
        for (int u = 0; u < H; u++) {
            w_ih[(0 * H + u) * I + column] = 20.0f;                 /* input gate open */
            w_ih[(1 * H + u) * I + column] = -20.0f;                /* forget all */
            w_ih[(2 * H + u) * I + column] = u == p ? 3.0f : -3.0f; /* the cell: unit p */
            w_ih[(3 * H + u) * I + column] = 20.0f;                 /* output gate open */
        }
    }
    for (int t = 0; t < P; t++)
        fc_w[t * H + t] = 20.0f;
    const CantusSafetensorsWriteTensor tensors[6] = {
        {"lstm.weight_ih_l0", w_ih, 4 * H, I},
        {"lstm.weight_hh_l0", w_hh, 4 * H, H},
        {"lstm.bias_ih_l0", b, 4 * H, 0},
        {"lstm.bias_hh_l0", b, 4 * H, 0},
        {"fc.weight", fc_w, P, H},
        {"fc.bias", fc_b, P, 0},
    };
    char high[12], bar[12], steps[12]; /* any int */
    snprintf(high, sizeof high, "%d", LOW + P - 1);
    snprintf(bar, sizeof bar, "%d", P);
    snprintf(steps, sizeof steps, "%d", steps_per_quarter);
    const CantusSafetensorsWriteMeta meta[7] = {
        {"cantus.format", "1"},      {"cantus.note_low", "60"},   {"cantus.note_high", high},
        {"cantus.rest_token", "-1"}, {"cantus.hold_token", "-1"}, {"cantus.steps_per_beat", steps},
        {"cantus.bar_steps", bar},
    };
    char *path = model_paths[steps_per_quarter];
    snprintf(path, sizeof model_paths[0], "/tmp/cantus-metre-%d-%d.safetensors", (int)getpid(),
             steps_per_quarter);
    char err[CANTUS_ERROR_SIZE];
    if (cantus_safetensors_write(path, tensors, 6, meta, 7, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int write_model(void **unused)
{
    (void)unused;
    for (int s = 1; s <= MOST_STEPS_PER_QUARTER; s++)
        if (write_model_at(s) != 0) return -1;
    return 0;
}

static int remove_model(void **unused)
{
    (void)unused;
    for (int s = 1; s <= MOST_STEPS_PER_QUARTER; s++)
        unlink(model_paths[s]);
    return 0;
}

static CantusEngine *load(int steps_per_quarter)
{
    char err[CANTUS_ERROR_SIZE];
    CantusEngine *engine = engine_load(model_paths[steps_per_quarter], err, sizeof err);
    if (!engine) fail_msg("%s", err);
    return engine;
}

/* The player with the model of `steps_per_quarter` at `rate`. */
static void start_model(Rig *rig, int rate, int steps_per_quarter)
{
    recorder_init(&rig->recorder, 1u << 20);
    player_init(&rig->player, 48000.0, recorder_sink(&rig->recorder));
    CantusControls controls = rig_controls(120.0);
    controls.rate = rate;
    player_set_controls(&rig->player, &controls);
    assert_null(player_replace_engine(&rig->player, load(steps_per_quarter)));
}

static void start(Rig *rig, int rate)
{
    start_model(rig, rate, 4);
}

/* Position of step j with bars of `bar` steps from step 0 (j may be -1). */
static int expected_position(int64_t j, int bar)
{
    return (int)(((j % bar) + bar) % bar);
}

static size_t note_ons(const Rig *rig)
{
    static int64_t frames[4096];
    return recorder_note_ons(&rig->recorder, frames, NULL, 4096);
}

/* The note-ons since `first` are steps from_step, from_step + 1 ... :
 * each pitch is 60 + the position of the step before. */
static int check_pitches(const Rig *rig, size_t first, int64_t from_step, int bar)
{
    static int64_t frames[4096];
    static uint8_t pitches[4096];
    const size_t n = recorder_note_ons(&rig->recorder, frames, pitches, 4096);
    assert_true(n > first);
    for (size_t i = first; i < n; i++) {
        const int64_t step = from_step + (int64_t)(i - first);
        const int want = LOW + expected_position(step - 1, bar);
        if (pitches[i] != want)
            fail_msg("step %lld (bar of %d steps): pitch %d, expected %d", (long long)step, bar,
                     pitches[i], want);
    }
    return (int)(n - first);
}

/* 4/4 at 2 steps a beat, 3/4 at 4 (12 steps), 6/8 at 2 (the host's six
 * beats a bar: 12 steps): two bars and more from bar 0. */
static void positions_follow_the_hosts_bars(void **unused)
{
    (void)unused;
    const double beats_per_bar[RATE_CASES] = {4.0, 3.0, 6.0};
    const int rates[RATE_CASES] = {2, 4, 2};
    for (int c = 0; c < RATE_CASES; c++) {
        Rig rig;
        start(&rig, rates[c]);
        const CantusPositionFields play = rig_position(1.0, 120.0, 0.0, 0.0, beats_per_bar[c]);
        player_position(&rig.player, &play);
        rig_run_to(&rig, 3 * 48000, 64); /* 6 beats at 120 BPM */
        const int bar = (int)beats_per_bar[c] * rates[c];
        const int notes = check_pitches(&rig, 0, 0, bar);
        assert_true(notes >= 6 * rates[c]);
        assert_true(recorder_check(&rig.recorder) <= 1);
        rig_free(&rig);
    }
}

/* Relocating into the middle of a bar (3/4, bar 5 beat 1.5, at rate 2:
 * step 33) and then changing to 6/8 at a later bar line: every step is
 * still fed the position the host's bar lines give it. */
static void positions_survive_relocation_and_a_meter_change(void **unused)
{
    (void)unused;
    Rig rig;
    start(&rig, 2);
    const CantusPositionFields play = rig_position(1.0, 120.0, 0.0, 0.0, 3.0);
    player_position(&rig.player, &play);
    rig_run_to(&rig, 48000, 64);
    check_pitches(&rig, 0, 0, 6);

    size_t first = note_ons(&rig);
    const CantusPositionFields jump = rig_position(1.0, 120.0, 5.0, 1.5, 3.0);
    player_position(&rig.player, &jump);
    rig_run_to(&rig, 48000 + 2 * 48000, 64); /* 4 beats: steps 33 .. 40 */
    assert_true(check_pitches(&rig, first, 5 * 6 + 3, 6) >= 8);

    /* The host now says 6/8 from bar 10 (beat 60 of a 6-beat bar grid, the
     * player counts bars from beat 0 with the new beatsPerBar). */
    first = note_ons(&rig);
    const CantusPositionFields six_eight = rig_position(1.0, 120.0, 10.0, 0.0, 6.0);
    player_position(&rig.player, &six_eight);
    rig_run_to(&rig, 3 * 48000 + 3 * 48000, 64);
    assert_true(check_pitches(&rig, first, 10 * 12, 12) >= 10);
    rig_free(&rig);
}

/* No host position: the fallback tempo and 4/4 from beat 0. */
static void positions_without_a_host_are_four_four(void **unused)
{
    (void)unused;
    Rig rig;
    start(&rig, 2);
    rig_run_to(&rig, 3 * 48000, 64);
    assert_true(check_pitches(&rig, 0, 0, 8) >= 12);
    rig_free(&rig);
}

/* A rolling host position at 120 BPM with its meter as a host sends it:
 * beatsPerBar and beatUnit (the note value of a beat: 8 in 6/8). */
static CantusPositionFields meter_position(double bar, double bar_beat, double beats_per_bar,
                                           int beat_unit)
{
    CantusPositionFields fields = rig_position(1.0, 120.0, bar, bar_beat, beats_per_bar);
    fields.has_beat_unit = true;
    fields.beat_unit = beat_unit;
    return fields;
}

/* The note-ons since `first` are steps from_step, from_step + 1 ... of the
 * line that was at beat `anchor_beat` on frame `anchor`, 120 host beats a
 * minute: each on the exact frame core/beat_grid.h gives it, at
 * bpm_times_rate = 120 x steps per host beat. */
static void check_frames(const Rig *rig, size_t first, int64_t from_step, int64_t anchor,
                         int64_t anchor_step, int64_t bpm_times_rate)
{
    static int64_t frames[4096];
    const size_t n = recorder_note_ons(&rig->recorder, frames, NULL, 4096);
    assert_true(n > first);
    for (size_t i = first; i < n; i++) {
        const int64_t step = from_step + (int64_t)(i - first);
        const int64_t want = anchor + rig_exact_frame(step - anchor_step, 48000, bpm_times_rate);
        if (frames[i] != want)
            fail_msg("step %lld: note-on at frame %lld, expected %lld", (long long)step,
                     (long long)frames[i], (long long)want);
    }
}

/* Rate as trained: a model of S steps a quarter plays 4 S / beatUnit steps
 * a host beat, so in 4/4 and 3/4 S a beat, in 6/8 S / 2 an eighth (a step
 * every second eighth at S = 1, three every two eighths at S = 3); its
 * eighths are the host's eighths, and the host's bar holds the steps the
 * trainer counts in a bar of that metre (4 S, 3 S, 3 S), each fed its own
 * position, each note on the exact frame of its step. */
static void as_trained_plays_the_models_steps_in_the_hosts_metre(void **unused)
{
    (void)unused;
    const struct {
        double beats_per_bar;
        int beat_unit;
    } meters[] = {{4.0, 4}, {3.0, 4}, {6.0, 8}};
    for (size_t m = 0; m < sizeof meters / sizeof meters[0]; m++) {
        for (int steps_per_quarter = 1; steps_per_quarter <= MOST_STEPS_PER_QUARTER;
             steps_per_quarter++) {
            Rig rig;
            start_model(&rig, PLAYER_RATE_AS_TRAINED, steps_per_quarter);
            const CantusPositionFields play =
                meter_position(0.0, 0.0, meters[m].beats_per_bar, meters[m].beat_unit);
            player_position(&rig.player, &play);
            rig_run_to(&rig, 6 * 48000, 64); /* 12 host beats at 120 BPM */

            const double rate = 4.0 * steps_per_quarter / meters[m].beat_unit;
            assert_true(player_rate(&rig.player) == rate);
            const int bar = (int)(meters[m].beats_per_bar * rate);
            /* Steps a quarter, whatever a host beat is: 4 S, 3 S and 3 S a bar. */
            assert_int_equal(bar, steps_per_quarter *
                                      (int)(meters[m].beats_per_bar * 4 / meters[m].beat_unit));
            const int notes = check_pitches(&rig, 0, 0, bar);
            assert_int_equal(notes, (int)(12 * rate));
            check_frames(&rig, 0, 0, 0, 0, 480 * steps_per_quarter / meters[m].beat_unit);
            assert_true(recorder_check(&rig.recorder) <= 1);
            rig_free(&rig);
        }
    }
}

/* The explicit rates still count the host's beats, whatever the model was
 * trained at: 1 to 4 steps an eighth in 6/8 for a model of 4 a quarter. */
static void explicit_rates_count_the_hosts_beats(void **unused)
{
    (void)unused;
    for (int rate = 1; rate <= 4; rate++) {
        Rig rig;
        start_model(&rig, rate, 4);
        const CantusPositionFields play = meter_position(0.0, 0.0, 6.0, 8);
        player_position(&rig.player, &play);
        rig_run_to(&rig, 6 * 48000, 64);
        assert_true(player_rate(&rig.player) == rate);
        assert_int_equal(check_pitches(&rig, 0, 0, 6 * rate), 12 * rate);
        check_frames(&rig, 0, 0, 0, 0, 120 * rate);
        rig_free(&rig);
    }
}

/* A host that turns 4/4 into 6/8 at bar 2 moves a model played as trained
 * (2 steps a quarter) from 2 steps a beat to 1 an eighth, from that frame,
 * with 6-step bars. */
static void a_beat_unit_change_moves_the_steps(void **unused)
{
    (void)unused;
    Rig rig;
    start_model(&rig, PLAYER_RATE_AS_TRAINED, 2);
    const CantusPositionFields play = meter_position(0.0, 0.0, 4.0, 4);
    player_position(&rig.player, &play);
    rig_run_to(&rig, 4 * 48000, 64); /* two bars */
    assert_true(player_rate(&rig.player) == 2.0);
    assert_int_equal(check_pitches(&rig, 0, 0, 8), 16);
    check_frames(&rig, 0, 0, 0, 0, 240);

    const size_t first = note_ons(&rig);
    const CantusPositionFields six_eight = meter_position(2.0, 0.0, 6.0, 8);
    player_position(&rig.player, &six_eight);
    rig_run_to(&rig, 4 * 48000 + 3 * 48000, 64); /* 6 eighths */
    assert_true(player_rate(&rig.player) == 1.0);
    assert_int_equal(check_pitches(&rig, first, 12, 6), 6);
    check_frames(&rig, first, 12, 4 * 48000, 12, 120);
    assert_true(recorder_check(&rig.recorder) <= 1);
    rig_free(&rig);
}

/* A model of other steps goes live at a step and brings its rate: from 2
 * steps a quarter to 4 on a step both grids share, then back to 2 at a
 * step of 4 that falls between two of 2: nothing sounds there, the next
 * note comes on the next step of 2, and every note is on its grid. */
static void a_swap_to_a_model_of_other_steps_changes_the_rate(void **unused)
{
    (void)unused;
    Rig rig;
    start_model(&rig, PLAYER_RATE_AS_TRAINED, 2);
    const CantusPositionFields play = meter_position(0.0, 0.0, 4.0, 4);
    player_position(&rig.player, &play);
    rig_run_to(&rig, 47000, 64); /* steps 0 .. 3 at 2 a beat */
    assert_int_equal(note_ons(&rig), 4);

    assert_null(player_offer_engine(&rig.player, load(4)));
    rig_run_to(&rig, 61000, 64); /* live at beat 2: steps 8, 9, 10 at 4 a beat */
    assert_true(player_rate(&rig.player) == 4.0);
    assert_int_equal(note_ons(&rig), 7);
    check_frames(&rig, 4, 8, 0, 0, 480);
    assert_int_equal(check_pitches(&rig, 4, 8, 16), 3);

    assert_null(player_offer_engine(&rig.player, load(2)));
    rig_run_to(&rig, 2 * 48000 + 100, 64); /* due at step 11 of 4 (beat 2.75): none */
    assert_true(player_rate(&rig.player) == 2.0);
    /* Steps 6, 7, 8 of 2 a beat (beats 3, 3.5, 4). */
    assert_int_equal(note_ons(&rig), 10);
    check_frames(&rig, 7, 6, 0, 0, 240);
    assert_int_equal(check_pitches(&rig, 7, 6, 8), 3);
    assert_true(recorder_check(&rig.recorder) <= 1);
    rig_free_retired(&rig);
    rig_free(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positions_without_a_host_are_four_four),
        cmocka_unit_test(positions_follow_the_hosts_bars),
        cmocka_unit_test(positions_survive_relocation_and_a_meter_change),
        cmocka_unit_test(as_trained_plays_the_models_steps_in_the_hosts_metre),
        cmocka_unit_test(explicit_rates_count_the_hosts_beats),
        cmocka_unit_test(a_beat_unit_change_moves_the_steps),
        cmocka_unit_test(a_swap_to_a_model_of_other_steps_changes_the_rate),
    };
    return cmocka_run_group_tests_name("player metre", tests, write_model, remove_model);
}
