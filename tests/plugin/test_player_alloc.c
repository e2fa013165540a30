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

/* One rig with `model` and `controls` through `parts` random scripts of
 * `cycles` cycles each, which swap in the spare models; before each part,
 * when `units` is given, the host's beat unit becomes units[part]. Every
 * audio-thread call is counted in `tally`; returns the notes played. */
static size_t script_rig(Tally *tally, ScriptRng *rng, const char *model,
                         const CantusControls *controls, const char *const *spares, int n_spares,
                         int parts, int cycles, const int *units)
{
    const ScriptHooks hooks = {enter, leave, tally};
    Rig rig;
    rig_init(&rig, model, controls);
    CantusEngine *spare[3];
    assert_true(n_spares <= 3);
    for (int i = 0; i < n_spares; i++)
        spare[i] = rig_load(spares[i]);
    for (int part = 0; part < parts; part++) {
        if (units) {
            CantusPositionFields unit = rig_position(1.0, 120.0, 2.0, 0.0, 6.0);
            unit.has_beat_unit = true;
            unit.beat_unit = units[part];
            enter(tally);
            player_position(&rig.player, &unit);
            rig_cycle(&rig, 256);
            leave(tally);
        }
        script_play(&rig, rng, cycles, spare, n_spares, &hooks);
    }
    const size_t notes = recorder_note_ons(&rig.recorder, NULL, NULL, SIZE_MAX);
    for (int i = 0; i < n_spares; i++)
        engine_free(spare[i]);
    rig_free(&rig);
    return notes;
}

/* No allocator or lock call in any counted cycle, and enough notes played
 * that the scripts did reach the paths they were meant to. */
static void assert_none_counted(const Tally *tally, size_t notes, size_t at_least)
{
    print_message("%lu audio cycles, %zu notes, %lu allocator/lock calls\n", tally->cycles, notes,
                  tally->total);
    assert_true(notes > at_least);
    assert_int_equal(tally->total, 0);
}

static void test_no_allocation_in_audio_thread(void **unused)
{
    (void)unused;
    static const char *const spares[] = {TINY_MODEL, REST_HOLD_MODEL, SEED_MODEL};
    Tally tally = {0, 0};
    size_t notes = 0;
    for (int s = 0; s < 20; s++) {
        ScriptRng rng = {5000 + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.phrase_bars = script_int(&rng, 0, 2);
        notes += script_rig(&tally, &rng, s % 2 ? REST_HOLD_MODEL : SEED_MODEL, &controls, spares,
                            3, 1, 1500, NULL);
    }
    assert_none_counted(&tally, notes, 500);
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
    static const char *const spares[] = {TINY_MODEL};
    Tally tally = {0, 0};
    size_t notes = 0;
    for (int s = 0; s < 8; s++) {
        ScriptRng rng = {7000 + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.swing = (float)script_int(&rng, 51, 75);
        controls.accent = (float)script_int(&rng, 1, 100);
        controls.humanize = (float)script_int(&rng, 1, 100);
        controls.rate = script_int(&rng, 1, 4);
        notes += script_rig(&tally, &rng, s % 2 ? REST_HOLD_MODEL : SEED_MODEL, &controls, spares,
                            1, 1, 1500, NULL);
    }
    assert_none_counted(&tally, notes, 200);
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
    static const int beat_units[] = {4, 8, 2}; /* quarters, eighths, halves */
    Tally tally = {0, 0};
    size_t notes = 0;
    for (int s = 0; s < 6; s++) {
        ScriptRng rng = {9000 + (uint64_t)s};
        CantusControls controls = player_default_controls();
        controls.rate = PLAYER_RATE_AS_TRAINED;
        const char *const spares[] = {models[(s + 1) % 3], models[(s + 2) % 3], SEED_MODEL};
        const int units[] = {beat_units[s % 3], beat_units[(s + 1) % 3], beat_units[(s + 2) % 3]};
        notes += script_rig(&tally, &rng, models[s % 3], &controls, spares, 3, 3, 500, units);
    }
    assert_none_counted(&tally, notes, 100);
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
