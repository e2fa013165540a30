/* The player's music without a host: phrases that repeat wherever
 * playback starts, seeds that change at the next step, follow mode. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rig.h"

#define MAX_NOTES 4096

/* Plays a rig from host beat `start_beat` (4/4, 120 BPM) for `frames`. */
static void play_from(Rig *rig, double start_beat, int64_t frames, uint32_t cycle)
{
    const double bar = (double)(int64_t)(start_beat / 4.0);
    const CantusPositionFields play = rig_position(1.0, 120.0, bar, start_beat - bar * 4.0, 4.0);
    player_position(&rig->player, &play);
    rig_run(rig, frames, cycle);
}

static void test_phrase_repeats_wherever_playback_starts(void **unused)
{
    (void)unused;
    uint8_t a[64], b[64];
    int64_t fa[64], fb[64];
    CantusControls controls = rig_controls(120.0);
    controls.phrase_bars = 1;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 12 * 24000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, a, 64), 12);
    assert_memory_equal(a, a + 4, 4);
    assert_memory_equal(a, a + 8, 4);
    /* Free-running, the same seed does not repeat bar after bar. */
    rig_free(&rig);

    controls.phrase_bars = 2;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 16 * 24000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, fa, a, 64), 16);
    assert_memory_equal(a, a + 8, 8);
    rig_free(&rig);

    /* Starting at beat 5.5 (mid-phrase): the notes of beats 6, 7 ... are
     * those of the run from 0; the fast-forward is done before beat 6. */
    Rig late;
    rig_init(&late, SEED_MODEL, &controls);
    play_from(&late, 5.5, 10 * 24000, 64);
    const size_t n = recorder_note_ons(&late.recorder, fb, b, 64);
    assert_int_equal(n, 10);
    assert_int_equal(fb[0], 12000);
    assert_memory_equal(b, a + 6, 10);
    rig_free(&late);

    /* Starting exactly on beat 6: six steps from the phrase start are
     * caught up on the spot (the 128-unit model allows 17 a cycle), so beat
     * 6 itself sounds, the same as from 0. */
    rig_init(&late, SEED_MODEL, &controls);
    play_from(&late, 6.0, 9 * 24000, 256);
    assert_int_equal(recorder_note_ons(&late.recorder, fb, b, 64), 9);
    assert_int_equal(fb[0], 0);
    assert_memory_equal(b, a + 6, 9);
    rig_free(&late);

    /* At rate 4 the same start is 24 steps into the phrase: more than a
     * step may catch up on the spot (16 for this model), but the cycle's
     * work ahead catches up before rendering (16 x 256/64 = 64 steps),
     * though the cycle crosses a step, so step 24 sounds as well and every
     * note is that of the run from 0 (the phrase soak once found steps
     * left silent after such a jump). */
    static uint8_t a4[128], b4[128];
    controls.rate = 4;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 16 * 24000, 256);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, a4, 128), 64);
    rig_free(&rig);
    rig_init(&late, SEED_MODEL, &controls);
    play_from(&late, 6.0, 9 * 24000, 256);
    assert_int_equal(recorder_note_ons(&late.recorder, fb, b4, 64), 36);
    assert_int_equal(fb[0], 0);
    assert_memory_equal(b4, a4 + 24, 36);
    rig_free(&late);
}

static void test_phrase_same_from_any_start_and_cycle(void **unused)
{
    (void)unused;
    /* Rate 2, 2-bar phrases (16 steps), 3/4 time: wherever playback starts
     * and whatever the cycle size, each step plays the note it has in the
     * run from beat 0. */
    static uint8_t reference[256], pitches[256];
    static int64_t frames[256];
    CantusControls controls = rig_controls(120.0);
    controls.rate = 2;
    controls.phrase_bars = 2;
    controls.seed = 11;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields play = rig_position(1.0, 120.0, 0.0, 0.0, 3.0);
    player_position(&rig.player, &play);
    rig_run(&rig, 40 * 24000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, reference, 256), 80);
    assert_memory_equal(reference, reference + 12, 12); /* 2 bars of 3/4 */
    rig_free(&rig);

    static const double starts[] = {0.0, 1.5, 3.0, 7.25, 13.0, 29.5};
    static const uint32_t cycles[] = {1, 64, 1000, 8192};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++)
        for (size_t c = 0; c < sizeof cycles / sizeof cycles[0]; c++) {
            rig_init(&rig, SEED_MODEL, &controls);
            const double bar = floor(starts[s] / 3.0);
            const CantusPositionFields at =
                rig_position(1.0, 120.0, bar, starts[s] - 3.0 * bar, 3.0);
            player_position(&rig.player, &at);
            const int64_t length = (int64_t)((40.0 - starts[s]) * 24000.0);
            rig_run(&rig, length, cycles[c]);
            const size_t n = recorder_note_ons(&rig.recorder, frames, pitches, 256);
            const int64_t first = (int64_t)ceil(starts[s] * 2.0);
            assert_int_equal(n, 80 - first);
            assert_int_equal(frames[0], (int64_t)((first / 2.0 - starts[s]) * 24000.0));
            assert_memory_equal(pitches, reference + first, n);
            rig_free(&rig);
        }
}

static void test_seed_change_at_next_step(void **unused)
{
    (void)unused;
    uint8_t a[32], b[32];
    CantusControls controls = rig_controls(120.0);
    controls.seed = 1;
    Rig one, changed;
    rig_init(&one, SEED_MODEL, &controls);
    rig_init(&changed, SEED_MODEL, &controls);
    rig_run(&one, 20 * 24000, 64);
    rig_run(&changed, 10 * 24000 + 12000, 64);
    controls.seed = 2;
    player_set_controls(&changed.player, &controls);
    rig_run(&changed, 10 * 24000 - 12000, 64);
    assert_int_equal(recorder_note_ons(&one.recorder, NULL, a, 32), 20);
    assert_int_equal(recorder_note_ons(&changed.recorder, NULL, b, 32), 20);
    assert_memory_equal(a, b, 11);
    assert_memory_not_equal(a + 11, b + 11, 9);
    rig_free(&one);
    rig_free(&changed);
}

/* The events from `frame` on, as (frame, status, pitch) triples. */
static size_t events_from(const Recorder *recorder, int64_t frame, int64_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < recorder->count && n + 3 <= max; i++)
        if (recorder->events[i].frame >= frame) {
            out[n++] = recorder->events[i].frame;
            out[n++] = recorder->events[i].message[0];
            out[n++] = recorder->events[i].message[1];
        }
    return n;
}

static void test_seed_change_after_a_gate_end(void **unused)
{
    (void)unused;
    /* With ties, a note's gate end draws the next step's token early (is it
     * a HOLD?). A seed change after that still applies at the next step:
     * changed just after the gate end or just before it, the same music
     * from the next step on, and not the music of the old seed. */
    static int64_t early[3000], late[3000], kept[3000];
    CantusControls controls = rig_controls(120.0);
    controls.rests = true;
    controls.gate = 50.0f;
    controls.seed = 1;
    Rig a, b, c;
    rig_init(&a, REST_HOLD_MODEL, &controls);
    rig_init(&b, REST_HOLD_MODEL, &controls);
    rig_init(&c, REST_HOLD_MODEL, &controls);
    rig_run(&a, 10 * 24000 + 4800, 64);  /* beat 10.2: before the gate end */
    rig_run(&b, 10 * 24000 + 16800, 64); /* beat 10.7: after it */
    rig_run(&c, 10 * 24000 + 16800, 64);
    controls.seed = 2;
    player_set_controls(&a.player, &controls);
    player_set_controls(&b.player, &controls);
    rig_run_to(&a, 60 * 24000, 64);
    rig_run_to(&b, 60 * 24000, 64);
    rig_run_to(&c, 60 * 24000, 64);
    const size_t na = events_from(&a.recorder, 11 * 24000, early, 3000);
    const size_t nb = events_from(&b.recorder, 11 * 24000, late, 3000);
    const size_t nc = events_from(&c.recorder, 11 * 24000, kept, 3000);
    assert_true(na > 30);
    assert_int_equal(na, nb);
    assert_memory_equal(early, late, na * sizeof(int64_t));
    assert_true(na != nc || memcmp(early, kept, na * sizeof(int64_t)) != 0);
    rig_free(&a);
    rig_free(&b);
    rig_free(&c);
}

static void test_follow_becomes_next_input(void **unused)
{
    (void)unused;
    CantusEngine *engine = rig_load(SEED_MODEL);
    CantusGenerator gen;
    generator_init(&gen);
    gen.seed = 3;
    generator_set_engine(&gen, engine, 0);
    const int t0 = generator_take(&gen, 0);
    generator_follow(&gen, 60);
    const int t1 = generator_take(&gen, 1);

    /* The same by hand with the core: start symbol, draw, then the played
     * note's token as input, draw. */
    CantusEngine *reference = rig_load(SEED_MODEL);
    CantusRng rng;
    cantus_rng_seed(&rng, 3, 0);
    cantus_lstm_state_reset(reference->state);
    const int v = reference->info->vocab;
    const float *logits = cantus_lstm_state_step(reference->state, -1);
    const int r0 =
        cantus_sample(logits, reference->opening_mask, v, 1.0f, &rng, reference->scratch);
    const int followed = cantus_pitch_token(reference->info, 60);
    assert_true(followed >= 0);
    logits = cantus_lstm_state_step(reference->state, followed);
    const int r1 = cantus_sample(logits, reference->mask, v, 1.0f, &rng, reference->scratch);
    assert_int_equal(t0, r0);
    assert_int_equal(t1, r1);

    /* A note-on played into the player in follow mode does the same. */
    engine_free(reference);
    engine_free(engine);
}

/* Playback that starts, and every phrase, opens with a note: with rests on,
 * the first step never draws REST or HOLD (a silent first beat), while
 * later steps still may. Phrases of one bar at rate 1: steps 0, 4, 8 ...
 * open a sequence. */
static void test_sequences_open_with_a_note(void **unused)
{
    (void)unused;
    CantusEngine *engine = rig_load(REST_HOLD_MODEL);
    const CantusModelInfo *info = engine->info;
    int later_silences = 0;
    for (uint32_t seed = 0; seed < 40; seed++) {
        CantusGenerator gen;
        generator_init(&gen);
        gen.seed = seed;
        gen.temperature = 2.0f; /* flat: REST and HOLD are drawn often where allowed */
        generator_set_engine(&gen, engine, 0);
        generator_set_grid(&gen, 1, 4.0, 1, 0);
        for (int64_t step = 0; step < 16; step++) {
            const int t = generator_take(&gen, step);
            const bool silent = t == info->rest_token || t == info->hold_token;
            if (step % 4 == 0)
                assert_false(silent);
            else
                later_silences += silent;
        }
    }
    assert_true(later_silences > 0);
    engine_free(engine);
}

static void test_follow_through_player(void **unused)
{
    (void)unused;
    uint8_t plain[40], followed[40];
    CantusControls controls = rig_controls(120.0);
    Rig a, b;
    rig_init(&a, SEED_MODEL, &controls);
    controls.follow = true;
    rig_init(&b, SEED_MODEL, &controls);
    rig_run(&a, 32 * 24000, 64);
    rig_run(&b, 24000 + 100, 64);
    /* A played note between beats: it is the input for the next step. */
    for (int beat = 1; beat < 32; beat++) {
        const uint8_t note_on[3] = {0x90, (uint8_t)(30 + beat), 100};
        player_midi_in(&b.player, note_on, 3);
        rig_run(&b, 24000, 64);
    }
    assert_int_equal(recorder_note_ons(&a.recorder, NULL, plain, 40), 32);
    assert_true(recorder_note_ons(&b.recorder, NULL, followed, 40) >= 32);
    assert_memory_equal(plain, followed, 2);
    assert_memory_not_equal(plain + 2, followed + 2, 30);
    rig_free(&a);
    rig_free(&b);
}

static void test_deep_start_in_a_phrase_sounds_at_once(void **unused)
{
    (void)unused;
    /* Rate 4, 4-bar phrases (64 steps), 64-frame cycles: starting at beat
     * 14 is 56 steps into the phrase, and the fast-forward makes 16 steps a
     * cycle for this model. The first step sounds anyway, from the interim
     * sequence (a loop start mid-phrase is never a silent downbeat), and
     * from the next step on every note is that of the run from 0. */
    static uint8_t a[256], b[256];
    static int64_t fb[256];
    CantusControls controls = rig_controls(120.0);
    controls.rate = 4;
    controls.phrase_bars = 4;
    controls.rests = false;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 32 * 24000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, a, 256), 128);
    assert_memory_equal(a, a + 64, 64);
    rig_free(&rig);

    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 14.0, 18 * 24000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, fb, b, 256), 72);
    assert_int_equal(fb[0], 0);
    assert_int_equal(fb[1], 6000);
    assert_memory_equal(b + 1, a + 57, 71);
    assert_int_equal(recorder_check(&rig.recorder), 0); /* the last gate ended */
    rig_free(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phrase_repeats_wherever_playback_starts),
        cmocka_unit_test(test_phrase_same_from_any_start_and_cycle),
        cmocka_unit_test(test_seed_change_at_next_step),
        cmocka_unit_test(test_seed_change_after_a_gate_end),
        cmocka_unit_test(test_follow_becomes_next_input),
        cmocka_unit_test(test_follow_through_player),
        cmocka_unit_test(test_sequences_open_with_a_note),
        cmocka_unit_test(test_deep_start_in_a_phrase_sounds_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
