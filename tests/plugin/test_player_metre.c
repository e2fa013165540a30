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

#define P          16 /* positions the model knows, and its tokens */
#define H          P
#define LOW        60
#define RATE_CASES 3

static char model_path[256];

static int write_model(void **unused)
{
    (void)unused;
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
    char high[8], bar[8];
    snprintf(high, sizeof high, "%d", LOW + P - 1);
    snprintf(bar, sizeof bar, "%d", P);
    const CantusSafetensorsWriteMeta meta[7] = {
        {"cantus.format", "1"},      {"cantus.note_low", "60"},   {"cantus.note_high", high},
        {"cantus.rest_token", "-1"}, {"cantus.hold_token", "-1"}, {"cantus.steps_per_beat", "4"},
        {"cantus.bar_steps", bar},
    };
    snprintf(model_path, sizeof model_path, "/tmp/cantus-metre-%d.safetensors", (int)getpid());
    char err[CANTUS_ERROR_SIZE];
    if (cantus_safetensors_write(model_path, tensors, 6, meta, 7, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int remove_model(void **unused)
{
    (void)unused;
    unlink(model_path);
    return 0;
}

static void start(Rig *rig, int rate)
{
    recorder_init(&rig->recorder, 1u << 20);
    player_init(&rig->player, 48000.0, recorder_sink(&rig->recorder));
    CantusControls controls = rig_controls(120.0);
    controls.rate = rate;
    player_set_controls(&rig->player, &controls);
    char err[CANTUS_ERROR_SIZE];
    CantusEngine *engine = engine_load(model_path, err, sizeof err);
    if (!engine) fail_msg("%s", err);
    assert_null(player_replace_engine(&rig->player, engine));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positions_without_a_host_are_four_four),
        cmocka_unit_test(positions_follow_the_hosts_bars),
        cmocka_unit_test(positions_survive_relocation_and_a_meter_change),
    };
    return cmocka_run_group_tests_name("player metre", tests, write_model, remove_model);
}
