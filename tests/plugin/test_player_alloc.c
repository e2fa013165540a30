/* Nothing the audio thread runs allocates, frees, maps or locks: the random
 * transport scripts again (with model swaps, ties, phrases, fast-forward,
 * follow and panic), every audio-thread call counted by tests/core's
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
        cmocka_unit_test(test_counter_sees_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
