/* Register and harmony in the player, without a host: a phrase with a
 * chord held is the same wherever playback starts (the fast-forward and
 * the interim draw with the same per-step masks); a token drawn early is
 * drawn again when the chord changes before its step; transpose moves the
 * line and follow hears a played note as a sounding pitch; panic and
 * activate forget held notes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rig.h"

static const uint8_t c_major[3][3] = {{0x91, 60, 90}, {0x91, 64, 90}, {0x91, 67, 90}};
#define C_MAJOR_CLASSES (1u << 0 | 1u << 4 | 1u << 7)

static void hold_c_major(Rig *rig)
{
    for (int k = 0; k < 3; k++)
        player_midi_in(&rig->player, c_major[k], 3);
}

static void play_from(Rig *rig, double start_beat, int64_t frames, uint32_t cycle, bool chord)
{
    const double bar = (double)(int64_t)(start_beat / 4.0);
    const CantusPositionFields play = rig_position(1.0, 120.0, bar, start_beat - bar * 4.0, 4.0);
    player_position(&rig->player, &play);
    if (chord) hold_c_major(rig);
    rig_run(rig, frames, cycle);
}

static void phrase_with_a_chord_is_the_same_from_any_start(void **unused)
{
    (void)unused;
    static uint8_t reference[256], pitches[256];
    static int64_t frames[256];
    for (int harmony = CANTUS_HARMONY_BEATS; harmony <= CANTUS_HARMONY_EVERYWHERE; harmony++) {
        CantusControls controls = rig_controls(120.0);
        controls.rate = 4;
        controls.phrase_bars = 4;
        controls.rests = false;
        controls.harmony = harmony;
        Rig rig;
        rig_init(&rig, SEED_MODEL, &controls);
        play_from(&rig, 0.0, 32 * 24000, 64, true);
        const size_t n = recorder_note_ons(&rig.recorder, frames, reference, 256);
        assert_int_equal(n, 128);
        for (size_t i = 0; i < n; i++)
            if (harmony == CANTUS_HARMONY_EVERYWHERE || frames[i] % 24000 == 0)
                assert_true(C_MAJOR_CLASSES >> (reference[i] % 12) & 1u);
        assert_memory_equal(reference, reference + 64, 64); /* the phrase repeats */
        rig_free(&rig);

        /* Beat 14 of the phrase at rate 4 is 56 steps in: the first steps
         * come from the interim while the fast-forward catches up; from
         * then on every note is the run from 0's. */
        rig_init(&rig, SEED_MODEL, &controls);
        play_from(&rig, 14.0, 18 * 24000, 64, true);
        const size_t m = recorder_note_ons(&rig.recorder, frames, pitches, 256);
        assert_int_equal(m, 72);
        size_t same_from = 0;
        for (size_t i = 0; i < m; i++)
            if (pitches[i] != reference[56 + i]) same_from = i + 1;
        assert_true(same_from <= 4);
        for (size_t i = 0; i < m; i++)
            if (harmony == CANTUS_HARMONY_EVERYWHERE || frames[i] % 24000 == 0)
                assert_true(C_MAJOR_CLASSES >> (pitches[i] % 12) & 1u);
        rig_free(&rig);
    }
}

/* With rests on, a note's gate end peeks at the next step's token (HOLD?):
 * a chord that changes after the peek, on the step's own frame, still
 * decides that step. */
static void a_chord_on_the_step_frame_decides_it(void **unused)
{
    (void)unused;
    CantusControls controls = rig_controls(120.0);
    controls.harmony = CANTUS_HARMONY_EVERYWHERE;
    controls.rests = true;
    controls.gate = 50.0f;
    Rig rig;
    rig_init(&rig, REST_HOLD_MODEL, &controls);
    const CantusPositionFields play = rig_position(1.0, 120.0, 0, 0, 4.0);
    player_position(&rig.player, &play);
    static uint8_t pitches[64];
    static int64_t frames[64];
    for (int beat = 0; beat < 48; beat++) {
        /* Up to the step, past the gate end of the last note. */
        rig_run_to(&rig, (int64_t)beat * 24000, 64);
        const uint8_t offs[2][3] = {{0x81, (uint8_t)(60 + beat % 2), 0},
                                    {0x81, (uint8_t)(66 + beat % 2), 0}};
        const uint8_t ons[2][3] = {{0x91, (uint8_t)(61 - beat % 2), 90},
                                   {0x91, (uint8_t)(67 - beat % 2), 90}};
        for (int k = 0; k < 2; k++) {
            player_midi_in(&rig.player, offs[k], 3);
            player_midi_in(&rig.player, ons[k], 3);
        }
    }
    rig_run_to(&rig, 48 * 24000, 64);
    const size_t n = recorder_note_ons(&rig.recorder, frames, pitches, 64);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++) {
        /* Beat k holds (61 - k % 2, 67 - k % 2): C# G on even beats, C F# on
         * odd ones; a note tied over cannot start on a beat. */
        const int k = (int)(frames[i] / 24000);
        assert_int_equal(frames[i] % 24000, 0);
        const int pc = pitches[i] % 12;
        if (k % 2 == 0)
            assert_true(pc == 1 || pc == 7);
        else
            assert_true(pc == 0 || pc == 6);
    }
    assert_int_equal(recorder_check(&rig.recorder) <= 1, 1);
    rig_free(&rig);
}

static void transpose_moves_the_line_and_follow_hears_it(void **unused)
{
    (void)unused;
    static uint8_t plain[64], moved[64];
    CantusControls controls = rig_controls(120.0);
    controls.rests = false;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 16 * 24000, 64, false);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, plain, 64), 16);
    rig_free(&rig);
    controls.transpose = -5;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 16 * 24000, 64, false);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, moved, 64), 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(moved[i], plain[i] - 5);
    /* A note played at a sounding pitch reaches the model transpose above
     * it, its own register. */
    controls.follow = true;
    player_set_controls(&rig.player, &controls);
    const uint8_t played[3] = {0x90, 55, 100};
    player_midi_in(&rig.player, played, 3);
    assert_int_equal(rig.player.gen.follow_token, cantus_pitch_token(rig.player.engine->info, 60));
    rig_free(&rig);
}

static void panic_and_activate_forget_held_notes(void **unused)
{
    (void)unused;
    CantusControls controls = rig_controls(120.0);
    controls.harmony = CANTUS_HARMONY_EVERYWHERE;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    hold_c_major(&rig);
    assert_int_equal(rig.player.gen.chord, C_MAJOR_CLASSES);
    player_panic(&rig.player);
    assert_int_equal(rig.player.gen.chord, 0);
    assert_int_equal(held_notes_count(&rig.player.held), 0);
    hold_c_major(&rig);
    player_reset(&rig.player);
    assert_int_equal(rig.player.gen.chord, 0);
    /* Harmony off keeps the set (for when it is turned on) but no chord
     * decides a step. */
    controls.harmony = CANTUS_HARMONY_OFF;
    player_set_controls(&rig.player, &controls);
    hold_c_major(&rig);
    assert_int_equal(held_notes_count(&rig.player.held), 3);
    assert_int_equal(rig.player.gen.harmony, CANTUS_HARMONY_OFF);
    rig_free(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phrase_with_a_chord_is_the_same_from_any_start),
        cmocka_unit_test(a_chord_on_the_step_frame_decides_it),
        cmocka_unit_test(transpose_moves_the_line_and_follow_hears_it),
        cmocka_unit_test(panic_and_activate_forget_held_notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
