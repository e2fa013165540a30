/* A property test over random transport scripts: whatever the host does,
 * the MIDI out keeps the rules (frames in order, offs before ons at a frame,
 * no note-on of a sounding note, no note-off of a silent one) and once the
 * transport stops nothing is left sounding. Deactivate and re-activate at
 * the end of each script leave nothing sounding either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "script.h"

#define SPARES 3

static void play_scripts(const char *model, uint64_t first_seed, int scripts)
{
    size_t notes = 0;
    for (int s = 0; s < scripts; s++) {
        ScriptRng rng = {first_seed + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.rate = script_int(&rng, 1, 4);
        controls.gate = (float)script_int(&rng, 5, 100);
        controls.phrase_bars = script_int(&rng, 0, 3);
        controls.rests = script_int(&rng, 0, 1);
        Rig rig;
        rig_init(&rig, model, &controls);
        CantusEngine *spare[SPARES] = {rig_load(TINY_MODEL), rig_load(REST_HOLD_MODEL),
                                       rig_load(SEED_MODEL)};
        script_play(&rig, &rng, 1500, spare, SPARES, NULL);
        recorder_check(&rig.recorder);
        notes += recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX);

        /* Stop: silence within the cycle. */
        const CantusPositionFields stop = {.has_speed = true, .speed = 0.0};
        player_position(&rig.player, &stop);
        rig_cycle(&rig, 256);
        assert_int_equal(recorder_check(&rig.recorder), 0);
        assert_int_equal(rig.player.notes.count, 0);

        for (int i = 0; i < SPARES; i++)
            engine_free(spare[i]);
        rig_free(&rig);
    }
    /* The scripts did play: thirty notes a script at the very least. */
    print_message("%zu notes over %d scripts\n", notes, scripts);
    assert_true(notes > (size_t)scripts * 30);
}

static void test_scripts_seed_model(void **unused)
{
    (void)unused;
    play_scripts(SEED_MODEL, 1000, 40);
}

static void test_scripts_rest_hold_model(void **unused)
{
    (void)unused;
    play_scripts(REST_HOLD_MODEL, 2000, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripts_seed_model),
        cmocka_unit_test(test_scripts_rest_hold_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
