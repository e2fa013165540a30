/* Nothing the audio thread runs allocates, frees, maps or locks: the random
 * transport scripts again (with model swaps, ties, phrases, fast-forward,
 * follow and panic), every audio-thread call counted by tests/common's
 * interposer. Built only without sanitizers (they interpose malloc too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alloc_count.h"
#include "script.h"

typedef struct {
    unsigned long total;
    unsigned long cycles;
} Tally;

static void enter(void *data)
{
    (void)data;
    alloc_count_begin();
}

static void leave(void *data)
{
    Tally *tally = data;
    tally->total += alloc_count_total(alloc_count_end());
    tally->cycles++;
}

static void test_no_allocation_in_audio_thread(void **unused)
{
    (void)unused;
    Tally tally = {0, 0};
    const ScriptHooks hooks = {enter, leave, &tally};
    size_t notes = 0;
    for (int s = 0; s < 20; s++) {
        ScriptRng rng = {5000 + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.phrase_bars = script_int(&rng, 0, 2);
        Rig rig;
        rig_init(&rig, s % 2 ? REST_HOLD_MODEL : SEED_MODEL, &controls);
        CantusEngine *spare[3] = {rig_load(TINY_MODEL), rig_load(REST_HOLD_MODEL),
                                  rig_load(SEED_MODEL)};
        script_play(&rig, &rng, 1500, spare, 3, &hooks);
        notes += recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX);
        for (int i = 0; i < 3; i++)
            engine_free(spare[i]);
        rig_free(&rig);
    }
    print_message("%lu audio cycles, %zu notes, %lu allocator/lock calls\n", tally.cycles, notes,
                  tally.total);
    assert_true(notes > 500);
    assert_int_equal(tally.total, 0);
}

/* The interim sequence (generator.h) in particular: a start 14 beats into a
 * 4-bar phrase at rate 4 is 56 steps in, more than the 128-unit model may
 * fast-forward in one cycle, so its first step is the interim's. */
static void test_interim_sequence_allocates_nothing(void **unused)
{
    (void)unused;
    CantusControls controls = player_default_controls();
    controls.rate = 4;
    controls.phrase_bars = 4;
    controls.rests = false;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields beat_14 = rig_position(1.0, 120.0, 3.0, 2.0, 4.0);
    alloc_count_begin();
    player_position(&rig.player, &beat_14);
    rig_cycle(&rig, 64);
    unsigned long calls = alloc_count_total(alloc_count_end());
    assert_true(rig.player.gen.interim.active);
    assert_int_equal(recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX), 1);
    for (int cycle = 0; cycle < 1000; cycle++) {
        alloc_count_begin();
        rig_cycle(&rig, 64);
        calls += alloc_count_total(alloc_count_end());
    }
    assert_false(rig.player.gen.interim.active); /* the phrase's own notes again */
    assert_true(recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX) > 5);
    assert_int_equal(calls, 0);
    rig_free(&rig);
}

/* Swing, accent and humanize on from the start, through the same random
 * scripts (which also move them now and then): the swung grid, the bar
 * place of each step and the humanize draw allocate nothing either. */
static void test_dynamics_allocate_nothing(void **unused)
{
    (void)unused;
    Tally tally = {0, 0};
    const ScriptHooks hooks = {enter, leave, &tally};
    size_t notes = 0;
    for (int s = 0; s < 8; s++) {
        ScriptRng rng = {7000 + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.swing = (float)script_int(&rng, 51, 75);
        controls.accent = (float)script_int(&rng, 1, 100);
        controls.humanize = (float)script_int(&rng, 1, 100);
        controls.rate = script_int(&rng, 1, 4);
        Rig rig;
        rig_init(&rig, s % 2 ? REST_HOLD_MODEL : SEED_MODEL, &controls);
        CantusEngine *spare[1] = {rig_load(TINY_MODEL)};
        script_play(&rig, &rng, 1500, spare, 1, &hooks);
        notes += recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX);
        engine_free(spare[0]);
        rig_free(&rig);
    }
    print_message("%lu audio cycles, %zu notes, %lu allocator/lock calls\n", tally.cycles, notes,
                  tally.total);
    assert_true(notes > 200);
    assert_int_equal(tally.total, 0);
}

/* The register and the harmony: transpose, range and scale changes (the
 * map and masks rebuilt), harmony modes, held notes changing under any
 * bytes (the chord mask rebuilt at the next draw), a phrase's fast-forward
 * and interim drawing with the chord, panic forgetting held notes. */
static void test_register_and_harmony_allocate_nothing(void **unused)
{
    (void)unused;
    CantusControls controls = player_default_controls();
    controls.rate = 4;
    controls.phrase_bars = 4;
    Rig rig;
    rig_init(&rig, REST_HOLD_MODEL, &controls);
    ScriptRng rng = {77};
    const CantusPositionFields beat_14 = rig_position(1.0, 120.0, 3.0, 2.0, 4.0);
    unsigned long calls = 0;
    for (int cycle = 0; cycle < 8000; cycle++) {
        alloc_count_begin();
        if (cycle % 500 == 0) player_position(&rig.player, &beat_14);
        if (cycle % 40 == 0) {
            controls.transpose = script_int(&rng, -24, 24);
            controls.note_low = script_int(&rng, 0, 100);
            controls.note_high = script_int(&rng, 0, 127);
            controls.scale = script_int(&rng, 0, CANTUS_SCALE_COUNT - 1);
            controls.harmony = script_int(&rng, 0, CANTUS_HARMONY_COUNT - 1);
            controls.rests = script_int(&rng, 0, 1);
            player_set_controls(&rig.player, &controls);
        }
        for (int k = script_int(&rng, 0, 3); k > 0; k--) {
            uint8_t message[3] = {(uint8_t)script_int(&rng, 0, 255),
                                  (uint8_t)script_int(&rng, 0, 127),
                                  (uint8_t)script_int(&rng, 0, 127)};
            if (message[0] < 0x80) message[0] = (uint8_t)(0x80 | (message[0] & 0x1F));
            player_midi_in(&rig.player, message, (uint32_t)script_int(&rng, 0, 3));
        }
        if (cycle % 997 == 0) player_panic(&rig.player);
        rig_cycle(&rig, 256);
        calls += alloc_count_total(alloc_count_end());
    }
    const size_t notes = recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX);
    print_message("%zu notes, %lu allocator/lock calls\n", notes, calls);
    assert_true(notes > 100);
    assert_int_equal(calls, 0);
    rig_free(&rig);
}

/* The metre input and the rate "as trained": metre models (P 12, 6 and 16)
 * swapped with a plain one under the random scripts (relocations, meter
 * changes, loops), and the host's beat unit moving between quarters,
 * eighths and halves: each step's bar position and the grid rebuilt for a
 * new beat unit allocate nothing. */
static void test_metre_allocates_nothing(void **unused)
{
    (void)unused;
    static const char *const models[] = {"metre_l1_h16_v12_p12.safetensors",
                                         "metre_l2_h24_v14_p6.safetensors",
                                         "metre_l3_h20_v13_p16.safetensors"};
    Tally tally = {0, 0};
    const ScriptHooks hooks = {enter, leave, &tally};
    size_t notes = 0;
    for (int s = 0; s < 6; s++) {
        ScriptRng rng = {9000 + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.rate = PLAYER_RATE_AS_TRAINED;
        Rig rig;
        rig_init(&rig, models[s % 3], &controls);
        CantusEngine *spare[3] = {rig_load(models[(s + 1) % 3]), rig_load(models[(s + 2) % 3]),
                                  rig_load(SEED_MODEL)};
        for (int part = 0; part < 3; part++) {
            const int units[] = {4, 8, 2};
            CantusPositionFields unit = rig_position(1.0, 120.0, 2.0, 0.0, 6.0);
            unit.has_beat_unit = true;
            unit.beat_unit = units[(s + part) % 3];
            enter(&tally);
            player_position(&rig.player, &unit);
            rig_cycle(&rig, 256);
            leave(&tally);
            script_play(&rig, &rng, 500, spare, 3, &hooks);
        }
        notes += recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX);
        for (int i = 0; i < 3; i++)
            engine_free(spare[i]);
        rig_free(&rig);
    }
    print_message("%lu audio cycles, %zu notes, %lu allocator/lock calls\n", tally.cycles, notes,
                  tally.total);
    assert_true(notes > 100);
    assert_int_equal(tally.total, 0);
}

static void test_counter_sees_allocations(void **unused)
{
    (void)unused;
    /* The counter itself works here: loading an engine allocates. */
    alloc_count_begin();
    CantusEngine *engine = rig_load(TINY_MODEL);
    engine_free(engine);
    assert_true(alloc_count_total(alloc_count_end()) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_in_audio_thread),
        cmocka_unit_test(test_interim_sequence_allocates_nothing),
        cmocka_unit_test(test_dynamics_allocate_nothing),
        cmocka_unit_test(test_register_and_harmony_allocate_nothing),
        cmocka_unit_test(test_metre_allocates_nothing),
        cmocka_unit_test(test_counter_sees_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
