/* The player under a hostile host (bugs the run() fuzzer and the soak found,
 * pinned here without a host): nonsense tempos fall back to fallback_bpm on
 * its exact grid, a cycle plays a bounded number of steps, a full output
 * never leaves a note-off for a note that was not started, a reset
 * (activate) ends the notes it finds sounding, a flood of worker answers
 * leaks no engine, and a generator far behind starts at the phrase holding
 * the step. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "midi_ledger.h"
#include "rig.h"

#define MAX_NOTES 4096

static CantusControls controls_at(double fallback_bpm, int rate)
{
    CantusControls controls = player_default_controls();
    controls.fallback_bpm = fallback_bpm;
    controls.rate = rate;
    controls.rests = false; /* every step sounds */
    controls.seed = 3;
    return controls;
}

/* Plays 4 s at 48 kHz after a position at frame 0 and checks the note-ons
 * fall exactly on the 120 BPM grid from frame 0. */
static void assert_plays_fallback(const CantusPositionFields *position)
{
    Rig rig;
    const CantusControls controls = controls_at(120.0, 1);
    rig_init(&rig, SEED_MODEL, &controls);
    player_work_ahead(&rig.player, 512);
    player_position(&rig.player, position);
    player_render(&rig.player, 512);
    rig_run(&rig, 4 * 48000 - 512, 512);
    assert_int_equal(recorder_check(&rig.recorder), 0); /* gate 80 %: the last has ended */
    int64_t frames[16];
    const size_t n = recorder_note_ons(&rig.recorder, frames, NULL, 16);
    assert_int_equal(n, 8);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(frames[k], (int64_t)k * 24000);
    rig_free(&rig);
}

static void test_nonsense_tempo_falls_back(void **unused)
{
    (void)unused;
    /* Speed 66048 once put ~5 steps in every frame. */
    CantusPositionFields p = rig_position(66048.0, 120.0, 0.0, 0.0, 4.0);
    assert_plays_fallback(&p);
    p = rig_position(1.0, 1e9, 0.0, 0.0, 4.0);
    assert_plays_fallback(&p);
    p = rig_position(1e-6, 120.0, 0.0, 0.0, 4.0); /* 0.00012 BPM */
    assert_plays_fallback(&p);
    /* No tempo from the host, an absurd speed: the fallback, not 120 x 1e9. */
    p = rig_position(1e9, 120.0, 0.0, 0.0, 4.0);
    p.has_bpm = false;
    assert_plays_fallback(&p);
}

static void test_nonsense_tempo_positions_ignored(void **unused)
{
    (void)unused;
    /* A host at 10^9 BPM moves its beat by thousands every cycle; were those
     * positions believed, every cycle would be a relocation (a note each
     * cycle). They are ignored: the fallback grid goes on undisturbed. */
    Rig rig;
    const CantusControls controls = controls_at(120.0, 1);
    rig_init(&rig, SEED_MODEL, &controls);
    for (int i = 0; i < 375; i++) {
        player_work_ahead(&rig.player, 512);
        const double beat = 1e9 / 60.0 * (512.0 * i / 48000.0);
        CantusPositionFields p = rig_position(1.0, 1e9, 0.0, 0.0, 4.0);
        p.has_bar = p.has_bar_beat = false;
        p.has_beat = true;
        p.beat = beat;
        player_position(&rig.player, &p);
        player_render(&rig.player, 512);
    }
    int64_t frames[16];
    const size_t n = recorder_note_ons(&rig.recorder, frames, NULL, 16);
    assert_int_equal(n, 8);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(frames[k], (int64_t)k * 24000);
    /* A sane tempo again: the host's position counts at once. */
    player_work_ahead(&rig.player, 512);
    const CantusPositionFields sane = rig_position(1.0, 90.0, 0.0, 0.0, 4.0);
    player_position(&rig.player, &sane);
    const int64_t at = rig.player.now;
    rig_run(&rig, 48000, 512);
    const size_t m = recorder_note_ons(&rig.recorder, frames, NULL, 16);
    assert_int_equal(m, n + 2);
    assert_int_equal(frames[n], at);
    assert_int_equal(frames[n + 1], at + 32000);
    assert_int_equal(recorder_check(&rig.recorder), 1);
    rig_free(&rig);
}

static void test_steps_per_cycle_bounded(void **unused)
{
    (void)unused;
    /* A host at 100 Hz (absurd, but a double like any other): 400 BPM at
     * rate 4 is a step every 3.75 frames, 2184 in one 8192-frame cycle. */
    Rig rig;
    recorder_init(&rig.recorder, 1u << 16);
    player_init(&rig.player, 100.0, recorder_sink(&rig.recorder));
    const CantusControls controls = controls_at(400.0, 4);
    player_set_controls(&rig.player, &controls);
    assert_null(player_replace_engine(&rig.player, rig_load(TINY_MODEL)));
    rig_cycle(&rig, 8192);
    int64_t frames[MAX_NOTES];
    size_t n = recorder_note_ons(&rig.recorder, frames, NULL, MAX_NOTES);
    assert_int_equal(n, PLAYER_MAX_STEPS_PER_CYCLE);
    /* The rest of the cycle was skipped like a relocation: nothing sounds. */
    assert_int_equal(recorder_check(&rig.recorder), 0);
    /* The next cycle starts on the grid again: its first step at or after
     * frame 8192 (ceil(k * 3.75)). */
    rig_cycle(&rig, 8192);
    n = recorder_note_ons(&rig.recorder, frames, NULL, MAX_NOTES);
    assert_int_equal(n, 2 * PLAYER_MAX_STEPS_PER_CYCLE);
    assert_int_equal(frames[PLAYER_MAX_STEPS_PER_CYCLE], rig_exact_frame(2185, 100, 1600));
    assert_int_equal(frames[PLAYER_MAX_STEPS_PER_CYCLE + 1], rig_exact_frame(2186, 100, 1600));
    rig_free(&rig);
}

static void test_refused_note_ons_never_released(void **unused)
{
    (void)unused;
    /* A full output refuses note-ons now and then: no note-off may follow
     * a note-on that was not written (recorder_check fails on one), and
     * what was written ends. */
    Rig rig;
    CantusControls controls = controls_at(300.0, 4);
    controls.gate = 100.0f;
    rig_init(&rig, SEED_MODEL, &controls);
    for (int i = 0; i < 400; i++) {
        rig.recorder.refuse_note_ons = (i / 3) % 2 == 0;
        rig_cycle(&rig, 1000);
    }
    rig.recorder.refuse_note_ons = false;
    assert_true(recorder_check(&rig.recorder) <= 1);
    player_release_all(&rig.player);
    assert_int_equal(recorder_check(&rig.recorder), 0);
    rig_free(&rig);
}

/* Notes sounding, counted over everything recorded in order (frames start
 * again at 0 after a reset, so recorder_check's order rule does not apply);
 * fails on a note-on of a sounding pitch or a note-off of a silent one. */
static int sounding_in_order(const Recorder *recorder)
{
    MidiLedger ledger;
    ledger_init(&ledger);
    for (size_t i = 0; i < recorder->count; i++)
        if (!ledger_message(&ledger, recorder->events[i].frame, recorder->events[i].message, 3))
            fail_msg("event %zu: %s", i, ledger.first_error);
    return ledger_sounding(&ledger);
}

static void test_reset_ends_sounding_notes(void **unused)
{
    (void)unused;
    /* run() before activate() struck a note, activate() once reset
     * the table without its note-off, and the next note-on struck the same
     * pitch again. */
    Rig rig;
    const CantusControls controls = controls_at(120.0, 1);
    rig_init(&rig, SEED_MODEL, &controls);
    rig_cycle(&rig, 257);
    assert_int_equal(sounding_in_order(&rig.recorder), 1);
    player_reset(&rig.player);
    assert_int_equal(sounding_in_order(&rig.recorder), 0);
    assert_int_equal(rig.player.now, 0);
    /* The same first note again, at frame 0 of the new count. */
    rig_cycle(&rig, 512);
    assert_int_equal(sounding_in_order(&rig.recorder), 1);
    int64_t frames[2];
    uint8_t pitches[2];
    assert_int_equal(recorder_note_ons(&rig.recorder, frames, pitches, 2), 2);
    assert_int_equal(frames[1], 0);
    assert_int_equal(pitches[0], pitches[1]);
    /* Twice in a row (a host activating twice) is as safe. */
    player_reset(&rig.player);
    player_reset(&rig.player);
    assert_int_equal(sounding_in_order(&rig.recorder), 0);
    rig_free(&rig);
}

static void test_many_answers_leak_nothing(void **unused)
{
    (void)unused;
    /* 40 worker answers before a run() each replace the one
     * pending before it; 16 fit the retired list, the rest must come back
     * to the caller (the plugin sends them to the worker), not be dropped
     * (ASan's leak check runs this in the sanitized build). */
    Rig rig;
    const CantusControls controls = controls_at(120.0, 1);
    rig_init(&rig, SEED_MODEL, &controls);
    rig_cycle(&rig, 512);
    int returned = 0;
    CantusEngine *last = NULL;
    for (int i = 0; i < 40; i++) {
        last = rig_load(TINY_MODEL);
        CantusEngine *back = player_offer_engine(&rig.player, last);
        if (back) {
            assert_true(back != last);
            returned++;
            engine_free(back);
        }
    }
    assert_int_equal(returned, 40 - 1 - PLAYER_RETIRED_SIZE);
    assert_int_equal(rig.player.retired_count, PLAYER_RETIRED_SIZE);
    /* The list is full: the live engine cannot be retired, so the pending
     * one waits past the next step instead of leaking it. */
    const CantusEngine *live = rig.player.engine;
    rig_run(&rig, 24000, 512);
    assert_ptr_equal(rig.player.engine, live);
    assert_ptr_equal(rig.player.pending, last);
    /* The worker takes them: the swap happens at the following step. */
    rig_free_retired(&rig);
    rig_run(&rig, 24000, 512);
    assert_ptr_equal(rig.player.engine, last);
    assert_null(rig.player.pending);
    rig_free(&rig);
}

static void test_starved_catch_up_skips_to_the_phrase(void **unused)
{
    (void)unused;
    /* Found by the phrase soak: a generator far behind (a catch-up starved across
     * phrase boundaries) drew every old phrase's steps, or stayed silent
     * for good; it now starts over at the phrase holding the step. */
    CantusEngine *engine = rig_load(SEED_MODEL);
    CantusGenerator gen;
    generator_init(&gen);
    generator_set_engine(&gen, engine, 0);
    generator_set_grid(&gen, 4, 4.0, 1, 1000); /* 16 steps a phrase */
    generator_restart(&gen, 1000);
    const uint64_t before = gen.lstm_steps;
    /* Step 5000 is 8 steps into the phrase starting at 4992. */
    const int skipped = generator_take(&gen, 5000);
    assert_true(skipped != GENERATOR_SILENT);
    assert_true(gen.lstm_steps - before <= 9);
    /* The same token as a generator started at that phrase's first step. */
    CantusGenerator fresh;
    generator_init(&fresh);
    generator_set_engine(&fresh, engine, 0);
    generator_set_grid(&fresh, 4, 4.0, 1, 4992);
    generator_restart(&fresh, 4992);
    int token = GENERATOR_SILENT;
    for (int64_t step = 4992; step <= 5000; step++)
        token = generator_take(&fresh, step);
    assert_int_equal(token, skipped);
    engine_free(engine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonsense_tempo_falls_back),
        cmocka_unit_test(test_nonsense_tempo_positions_ignored),
        cmocka_unit_test(test_steps_per_cycle_bounded),
        cmocka_unit_test(test_refused_note_ons_never_released),
        cmocka_unit_test(test_reset_ends_sounding_notes),
        cmocka_unit_test(test_many_answers_leak_nothing),
        cmocka_unit_test(test_starved_catch_up_skips_to_the_phrase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
