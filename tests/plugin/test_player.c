/* The player's timing without a host: notes on the exact frames, position
 * updates, stop, relocation and loops, model swaps, ties and rests, panic,
 * and the compute-ahead schedule. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rig.h"

#define MAX_NOTES 4096

static void test_free_running_exact_and_deterministic(void **unused)
{
    (void)unused;
    /* No host position: the fallback tempo, 130 BPM, from frame 0. */
    static const uint32_t cycles[] = {1, 7, 64, 1000, 8192};
    static uint8_t first[MAX_NOTES];
    static uint8_t pitches[MAX_NOTES];
    static int64_t frames[MAX_NOTES];
    const CantusControls controls = rig_controls(130.0);
    for (size_t c = 0; c < sizeof cycles / sizeof cycles[0]; c++) {
        Rig rig;
        rig_init(&rig, SEED_MODEL, &controls);
        rig_run(&rig, rig_exact_frame(200, 48000, 130) + 1, cycles[c]);
        assert_int_equal(recorder_check(&rig.recorder), 1); /* the last note sounds */
        const size_t n = recorder_note_ons(&rig.recorder, frames, pitches, MAX_NOTES);
        assert_int_equal(n, 201);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(frames[k], rig_exact_frame((int64_t)k, 48000, 130));
        if (c == 0)
            memcpy(first, pitches, n);
        else
            assert_memory_equal(first, pitches, n);
        rig_free(&rig);
    }
}

static void test_position_mid_cycle_and_tempo_change(void **unused)
{
    (void)unused;
    Rig rig;
    const CantusControls controls = rig_controls(120.0);
    rig_init(&rig, SEED_MODEL, &controls);
    /* A cycle of 256 with the host's position at offset 100. */
    player_work_ahead(&rig.player, 256);
    player_render(&rig.player, 100);
    const CantusPositionFields start = rig_position(1.0, 120.0, 0.0, 0.0, 4.0);
    player_position(&rig.player, &start);
    player_render(&rig.player, 156);
    /* Free-running notes before the host spoke are cut where it did. */
    rig_run_to(&rig, 53100, 256);
    /* A tempo-only update (a partial time:Position) at beat 2 + 5000/24000,
     * mid-cycle: the line goes on from where it was at the new tempo. */
    player_work_ahead(&rig.player, 256);
    player_render(&rig.player, 0);
    CantusPositionFields tempo = {.has_bpm = true, .bpm = 60.0};
    player_position(&rig.player, &tempo);
    rig_run_to(&rig, 200000, 256);

    int64_t frames[16];
    const size_t n = recorder_note_ons(&rig.recorder, frames, NULL, 16);
    assert_true(n >= 6);
    /* The free-running note at 0, then the host's beats. */
    assert_int_equal(frames[0], 0);
    assert_int_equal(frames[1], 100);
    assert_int_equal(frames[2], 100 + 24000);
    assert_int_equal(frames[3], 100 + 48000);
    assert_int_equal(frames[4], 53100 + 38000); /* 0.791666 beats at 48000 a beat */
    assert_int_equal(frames[5], 53100 + 38000 + 48000);
    assert_int_equal(recorder_check(&rig.recorder), 1);
    rig_free(&rig);
}

static void test_stop_relocate_loop(void **unused)
{
    (void)unused;
    Rig rig;
    CantusControls controls = rig_controls(120.0);
    controls.gate = 100.0f; /* a note always sounds: every cut shows */
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields play = rig_position(1.0, 120.0, 0.0, 0.0, 4.0);
    player_position(&rig.player, &play);
    rig_run_to(&rig, 36000, 64);
    size_t before = rig.recorder.count;

    /* Stop mid-beat: the sounding note ends right there, then silence. */
    const CantusPositionFields stop = rig_position(0.0, 120.0, 0.0, 1.5, 4.0);
    player_position(&rig.player, &stop);
    assert_int_equal(rig.recorder.count, before + 1);
    assert_true(recorded_is_off(&rig.recorder.events[before]));
    assert_int_equal(rig.recorder.events[before].frame, 36000);
    assert_int_equal(recorder_check(&rig.recorder), 0);
    rig_run_to(&rig, 100000, 64);
    assert_int_equal(rig.recorder.count, before + 1);

    /* Start at beat 10.5 (bar 2, beat 2.5): the first note is beat 11. */
    const CantusPositionFields relocate = rig_position(1.0, 120.0, 2.0, 2.5, 4.0);
    player_position(&rig.player, &relocate);
    before = rig.recorder.count;
    rig_run_to(&rig, 100000 + 12000 + 21600, 64);
    assert_int_equal(rig.recorder.count, before + 1);
    assert_int_equal(rig.recorder.events[before].frame, 112000);
    assert_true(recorded_is_on(&rig.recorder.events[before]));

    /* Loop wrap at beat 11.9 back to beat 4: the note is cut and beat 4
     * sounds at the very frame of the wrap. */
    const CantusPositionFields wrap = rig_position(1.0, 120.0, 1.0, 0.0, 4.0);
    player_position(&rig.player, &wrap);
    rig_run_to(&rig, 133600 + 24000, 64);
    assert_true(recorded_is_off(&rig.recorder.events[before + 1]));
    assert_int_equal(rig.recorder.events[before + 1].frame, 133600);
    assert_true(recorded_is_on(&rig.recorder.events[before + 2]));
    assert_int_equal(rig.recorder.events[before + 2].frame, 133600);

    player_position(&rig.player, &stop);
    assert_int_equal(recorder_check(&rig.recorder), 0);
    rig_free(&rig);
}

static void test_small_jumps_absorbed(void **unused)
{
    (void)unused;
    /* A host that stalls a cycle and re-sends its position (0.03 beats
     * behind): the note sounding goes on, no step is repeated or lost, and
     * the following steps follow the host's clock. */
    Rig rig;
    CantusControls controls = rig_controls(120.0);
    controls.gate = 100.0f;
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields play = rig_position(1.0, 120.0, 0.0, 0.0, 4.0);
    player_position(&rig.player, &play);
    rig_run_to(&rig, 36000, 64);
    const size_t before = rig.recorder.count;
    const CantusPositionFields behind = rig_position(1.0, 120.0, 0.0, 1.5 - 0.03, 4.0);
    player_position(&rig.player, &behind);
    assert_int_equal(rig.recorder.count, before);
    rig_run_to(&rig, 100000, 64);
    int64_t frames[8];
    assert_int_equal(recorder_note_ons(&rig.recorder, frames, NULL, 8), 5);
    assert_int_equal(frames[1], 24000);
    assert_int_equal(frames[2], 48000 + 720); /* 0.03 beats later than planned */
    assert_int_equal(frames[4], 96000 + 720);
    assert_int_equal(recorder_check(&rig.recorder), 1);
    rig_free(&rig);
}

static void test_swap_waits_for_step(void **unused)
{
    (void)unused;
    Rig rig;
    const CantusControls controls = rig_controls(120.0);
    rig_init(&rig, SEED_MODEL, &controls);
    rig_run_to(&rig, 30000, 64);
    CantusEngine *old = rig.player.engine;
    rig.player.swapped = false;
    assert_null(player_offer_engine(&rig.player, rig_load(TINY_MODEL)));
    rig_run_to(&rig, 48000, 64);
    assert_ptr_equal(rig.player.engine, old);
    assert_null(player_take_retired(&rig.player));
    assert_false(rig.player.swapped);
    rig_run_to(&rig, 48000 + 64, 64);
    assert_true(rig.player.swapped);
    assert_ptr_equal(player_take_retired(&rig.player), old);
    engine_free(old);
    rig_run_to(&rig, 5 * 24000, 64);
    int64_t frames[8];
    uint8_t pitches[8];
    assert_int_equal(recorder_note_ons(&rig.recorder, frames, pitches, 8), 5);
    assert_int_equal(frames[2], 48000);
    for (int k = 2; k < 5; k++)
        assert_true(pitches[k] >= 60 && pitches[k] <= 71);
    assert_int_equal(recorder_check(&rig.recorder), 0);
    rig_free(&rig);
}

/* Each note's length in frames, from the recorder. */
static size_t note_lengths(const Recorder *recorder, int64_t *lengths, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < recorder->count && n < max; i++) {
        if (!recorded_is_on(&recorder->events[i])) continue;
        lengths[n] = -1;
        for (size_t j = i + 1; j < recorder->count; j++)
            if (recorded_is_off(&recorder->events[j]) &&
                recorder->events[j].message[1] == recorder->events[i].message[1]) {
                lengths[n] = recorder->events[j].frame - recorder->events[i].frame;
                break;
            }
        n++;
    }
    return n;
}

static void test_rests_and_ties(void **unused)
{
    (void)unused;
    static int64_t lengths[512];
    CantusControls controls = rig_controls(120.0);
    controls.rests = true;
    Rig rig;
    rig_init(&rig, REST_HOLD_MODEL, &controls);
    rig_run(&rig, 200 * 24000, 128);
    player_release_all(&rig.player);
    assert_int_equal(recorder_check(&rig.recorder), 0);
    const size_t n = note_lengths(&rig.recorder, lengths, 512);
    size_t ties = 0;
    for (size_t i = 0; i < n; i++) {
        /* A note lasts its gate, or whole steps plus the gate when tied. */
        const int64_t extra = (lengths[i] - 19200) % 24000;
        assert_int_equal(extra, 0);
        ties += lengths[i] > 24000;
    }
    assert_true(n < 200); /* rests */
    assert_true(ties > 0);
    rig_free(&rig);

    /* Rests off: a new note on every step, never longer than the gate. */
    controls.rests = false;
    rig_init(&rig, REST_HOLD_MODEL, &controls);
    rig_run(&rig, 200 * 24000, 128);
    const size_t m = note_lengths(&rig.recorder, lengths, 512);
    assert_int_equal(m, 200);
    for (size_t i = 0; i + 1 < m; i++)
        assert_int_equal(lengths[i], 19200);
    rig_free(&rig);
}

static void test_panic_channel_enable(void **unused)
{
    (void)unused;
    CantusControls controls = rig_controls(120.0);
    controls.gate = 100.0f;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    rig_run_to(&rig, 10000, 64);
    size_t before = rig.recorder.count;
    player_release_all(&rig.player); /* panic */
    assert_int_equal(rig.recorder.count, before + 1);
    assert_true(recorded_is_off(&rig.recorder.events[before]));
    rig_run_to(&rig, 30000, 64); /* generation goes on */
    assert_true(recorded_is_on(&rig.recorder.events[rig.recorder.count - 1]));
    assert_int_equal(rig.recorder.events[rig.recorder.count - 1].frame, 24000);

    controls.channel = 5;
    player_set_controls(&rig.player, &controls);
    const RecordedEvent *cut = &rig.recorder.events[rig.recorder.count - 1];
    assert_true(recorded_is_off(cut));
    assert_int_equal(cut->message[0], 0x80);
    assert_int_equal(cut->frame, 30000);
    rig_run_to(&rig, 50000, 64);
    assert_int_equal(rig.recorder.events[rig.recorder.count - 1].message[0], 0x94);

    controls.enabled = false;
    player_set_controls(&rig.player, &controls);
    before = rig.recorder.count;
    assert_true(recorded_is_off(&rig.recorder.events[before - 1]));
    assert_int_equal(recorder_check(&rig.recorder), 0);
    rig_run_to(&rig, 150000, 64);
    assert_int_equal(rig.recorder.count, before);
    controls.enabled = true;
    player_set_controls(&rig.player, &controls);
    rig_run_to(&rig, 170000, 64);
    assert_int_equal(rig.recorder.count, before + 1);
    assert_int_equal(rig.recorder.events[before].frame, 168000);
    rig_free(&rig);
}

static void test_cycle_crossing_a_step_only_emits(void **unused)
{
    (void)unused;
    const CantusControls controls = rig_controls(120.0);
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    /* The first note's LSTM step is made in the very first cycle (nothing
     * could be ahead of it); every later one ahead of its step. */
    rig_cycle(&rig, 64);
    uint64_t crossing_steps = 0;
    for (int cycle = 1; cycle < 50 * 375; cycle++) {
        const size_t events = rig.recorder.count;
        const uint64_t steps = rig.player.gen.lstm_steps;
        rig_cycle(&rig, 64);
        bool note_on = false;
        for (size_t i = events; i < rig.recorder.count; i++)
            note_on |= recorded_is_on(&rig.recorder.events[i]);
        if (note_on) crossing_steps += rig.player.gen.lstm_steps - steps;
    }
    assert_int_equal(crossing_steps, 0);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, NULL, 100), 50);
    /* One LSTM step a note, and the one for the next note, already made. */
    assert_int_equal(rig.player.gen.lstm_steps, 51);
    rig_free(&rig);
}

/* A tempo change lands a fraction of a frame from a step (found by the soak
 * as disagreements of one or two frames, docs/robustness.md). A tempo
 * change is continuous: the step count goes on, each step sounds once. */
static void test_tempo_change_beside_a_step(void **unused)
{
    (void)unused;
    CantusControls controls = rig_controls(120.0);
    controls.rests = false; /* every step sounds */
    int64_t frames[8];

    /* One frame after beat 1 (frame 24000, played), the tempo doubles: the
     * new line puts beat 1 half a frame back, which rounds onto the change's
     * own frame. Beat 1 is not struck again; beat 2 is on the new line. */
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields play = rig_position(1.0, 120.0, 0.0, 0.0, 4.0);
    player_position(&rig.player, &play);
    rig_run_to(&rig, 24001, 64);
    const CantusPositionFields faster = rig_position(1.0, 240.0, 0.0, 1.0 + 1.0 / 24000.0, 4.0);
    player_position(&rig.player, &faster);
    rig_run_to(&rig, 50000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, frames, NULL, 8), 4);
    assert_int_equal(frames[1], 24000);
    assert_int_equal(frames[2], 24001 + 12000); /* 11999.5 frames on */
    assert_int_equal(frames[3], 24001 + 24000);
    assert_int_equal(recorder_check(&rig.recorder), 1);
    rig_free(&rig);

    /* At 130 BPM beat 1's instant is 22153.85: its note is due at 22154,
     * where the tempo drops to 10 BPM. The new line puts the instant two
     * frames back, in the past: beat 1 sounds at once, on 22154, rather
     * than being skipped, and beat 2 follows on the new line. */
    controls = rig_controls(130.0);
    controls.rests = false;
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields play130 = rig_position(1.0, 130.0, 0.0, 0.0, 4.0);
    player_position(&rig.player, &play130);
    rig_run_to(&rig, 22154, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, frames, NULL, 8), 1);
    const double beat = 22154.0 * 130.0 / 2880000.0;
    const CantusPositionFields slower = rig_position(1.0, 10.0, 0.0, beat, 4.0);
    player_position(&rig.player, &slower);
    rig_run_to(&rig, 400000, 64);
    assert_int_equal(recorder_note_ons(&rig.recorder, frames, NULL, 8), 3);
    assert_int_equal(frames[1], 22154);
    assert_int_equal(frames[2], 22154 + (int64_t)ceil((2.0 - beat) * 288000.0 - 1e-3));
    assert_int_equal(recorder_check(&rig.recorder), 1);
    rig_free(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_running_exact_and_deterministic),
        cmocka_unit_test(test_position_mid_cycle_and_tempo_change),
        cmocka_unit_test(test_stop_relocate_loop),
        cmocka_unit_test(test_small_jumps_absorbed),
        cmocka_unit_test(test_swap_waits_for_step),
        cmocka_unit_test(test_rests_and_ties),
        cmocka_unit_test(test_panic_channel_enable),
        cmocka_unit_test(test_cycle_crossing_a_step_only_emits),
        cmocka_unit_test(test_tempo_change_beside_a_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
