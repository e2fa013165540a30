/* Swing, accent and humanize through the player: swung steps on their exact
 * frames at any cycle size, a swing change mid-roll that neither repeats
 * nor skips a step, the accent levels, and humanize that changes velocities
 * only, the same on every run and from any start. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dynamics.h"
#include "rig.h"

#define MAX_NOTES 1024

typedef struct {
    int64_t frame[MAX_NOTES];
    uint8_t pitch[MAX_NOTES];
    uint8_t velocity[MAX_NOTES];
    size_t count;
} Notes;

static void note_ons(const Recorder *recorder, Notes *notes)
{
    notes->count = 0;
    for (size_t i = 0; i < recorder->count && notes->count < MAX_NOTES; i++) {
        const RecordedEvent *e = &recorder->events[i];
        if (!recorded_is_on(e)) continue;
        notes->frame[notes->count] = e->frame;
        notes->pitch[notes->count] = e->message[1];
        notes->velocity[notes->count] = e->message[2];
        notes->count++;
    }
}

/* The swung frame of step k at 120 BPM, 48 kHz, 4/4, in exact integers:
 * the second step of each pair at 2 * percent hundredths of a step after
 * the pair's start. */
static int64_t swung_frame(int64_t k, int rate, int64_t percent)
{
    const int64_t hundredths = k % 2 == 1 ? (k - 1) * 100 + 2 * percent : k * 100;
    const int64_t numerator = hundredths * 60 * 48000, denominator = 100 * rate * 120;
    return (numerator + denominator - 1) / denominator;
}

/* Plays from host beat `start_beat` (4/4, 120 BPM) for `frames`. */
static void play_from(Rig *rig, double start_beat, int64_t frames, uint32_t cycle)
{
    const double bar = floor(start_beat / 4.0);
    const CantusPositionFields play = rig_position(1.0, 120.0, bar, start_beat - bar * 4.0, 4.0);
    player_position(&rig->player, &play);
    rig_run(rig, frames, cycle);
}

static void test_swung_steps_on_their_frames(void **unused)
{
    (void)unused;
    static Notes notes;
    const uint32_t cycles[] = {1, 64, 333, 1000, 8192};
    const int64_t percents[] = {54, 66, 75};
    for (int rate = 1; rate <= 4; rate++)
        for (size_t p = 0; p < 3; p++)
            for (size_t c = 0; c < 5; c++) {
                CantusControls controls = rig_controls(120.0);
                controls.rate = rate;
                controls.rests = false;
                controls.gate = 100.0f;
                controls.swing = (float)percents[p];
                Rig rig;
                rig_init(&rig, SEED_MODEL, &controls);
                play_from(&rig, 0.0, 8 * 24000, cycles[c]); /* two bars */
                assert_int_equal(recorder_check(&rig.recorder), 1);
                note_ons(&rig.recorder, &notes);
                assert_int_equal(notes.count, 8 * rate);
                for (size_t k = 0; k < notes.count; k++)
                    assert_int_equal(notes.frame[k], swung_frame((int64_t)k, rate, percents[p]));
                /* Gate 100 %: each note lasts its own step, the long first
                 * of a pair and the short second; the next note-on comes
                 * right after the note-off at the same frame. */
                size_t offs = 0;
                for (size_t i = 0; i < rig.recorder.count; i++)
                    if (recorded_is_off(&rig.recorder.events[i])) {
                        assert_int_equal(rig.recorder.events[i].frame, notes.frame[offs + 1]);
                        offs++;
                    }
                assert_int_equal(offs, notes.count - 1);
                rig_free(&rig);
            }
}

static void set_swing(Rig *rig, float swing)
{
    CantusControls controls = rig->player.controls;
    controls.swing = swing;
    player_set_controls(&rig->player, &controls);
}

static void test_swing_change_mid_roll(void **unused)
{
    (void)unused;
    static Notes notes;
    CantusControls controls = rig_controls(120.0);
    controls.rate = 2;
    controls.rests = false;
    Rig rig;

    /* Swing 75: step 1 is due at 18000 (straight: 12000). Straight again at
     * 13000, before step 1 sounded: it is due at once, not skipped. */
    controls.swing = 75.0f;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 13000, 1000);
    set_swing(&rig, 50.0f);
    rig_run(&rig, 24000 - 13000 + 1, 1000);
    note_ons(&rig.recorder, &notes);
    assert_int_equal(notes.count, 3);
    assert_int_equal(notes.frame[0], 0);
    assert_int_equal(notes.frame[1], 13000);
    assert_int_equal(notes.frame[2], 24000);
    rig_free(&rig);

    /* Straight: step 1 sounded at 12000; swing 75 from 12100 does not
     * strike it again at 18000. The next pair swings. */
    controls.swing = 50.0f;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 12100, 100);
    set_swing(&rig, 75.0f);
    rig_run(&rig, 48000 - 12100, 100); /* to step 4, exclusive */
    note_ons(&rig.recorder, &notes);
    assert_int_equal(notes.count, 4);
    const int64_t expected[] = {0, 12000, 24000, 42000};
    assert_memory_equal(notes.frame, expected, sizeof expected);
    rig_free(&rig);

    /* Swing moving every few cycles for 64 bars: every step once, in order,
     * each on its frame under the swing of its cycle or at the change's
     * frame when the change put it behind. */
    uint64_t state = 99;
    controls.swing = 50.0f;
    controls.rate = 3;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 0, 64);
    int64_t played = 0;
    while (rig.player.now < 64 * 4 * 24000) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        if ((state >> 60) < 3) set_swing(&rig, 50.0f + (float)((state >> 40) % 26));
        const size_t before = rig.recorder.count;
        const int64_t start = rig.player.now;
        const int64_t first = rig.player.next_step;
        const CantusGrid grid = {3, 4.0, rig.player.controls.swing / 100.0};
        rig_cycle(&rig, 64 + (uint32_t)((state >> 20) % 2000));
        int64_t step = first;
        for (size_t i = before; i < rig.recorder.count; i++) {
            if (!recorded_is_on(&rig.recorder.events[i])) continue;
            int64_t due = cantus_grid_swung_step_frame(&rig.player.clock, &grid, step);
            if (due < start) due = start; /* put behind by the change */
            assert_int_equal(rig.recorder.events[i].frame, due);
            step++;
            played++;
        }
    }
    assert_int_equal(recorder_check(&rig.recorder), 1);
    /* Every step from 0 to the next one sounded exactly once. */
    assert_int_equal(played, rig.player.next_step);
    assert_true(played > 700);
    rig_free(&rig);
}

static void test_accent_levels(void **unused)
{
    (void)unused;
    static Notes notes;
    CantusControls controls = rig_controls(120.0);
    controls.rate = 2;
    controls.rests = false;
    controls.velocity = 100;
    controls.accent = 100.0f;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 8 * 24000, 256);
    note_ons(&rig.recorder, &notes);
    assert_int_equal(notes.count, 16);
    /* Downbeat 100, beats 100 x (1 - 0.25), the steps between 100 x 0.5. */
    const uint8_t bar[8] = {100, 50, 75, 50, 75, 50, 75, 50};
    assert_memory_equal(notes.velocity, bar, 8);
    assert_memory_equal(notes.velocity + 8, bar, 8);
    rig_free(&rig);

    /* Half the accent, triplets in 3/4 (9 steps a bar): 87.5 rounds up. */
    controls.accent = 50.0f;
    controls.rate = 3;
    rig_init(&rig, SEED_MODEL, &controls);
    const CantusPositionFields waltz = rig_position(1.0, 120.0, 0.0, 0.0, 3.0);
    player_position(&rig.player, &waltz);
    rig_run(&rig, 3 * 24000, 256);
    note_ons(&rig.recorder, &notes);
    const uint8_t waltz_bar[9] = {100, 75, 75, 88, 75, 75, 88, 75, 75};
    assert_int_equal(notes.count, 9);
    assert_memory_equal(notes.velocity, waltz_bar, 9);
    rig_free(&rig);

    /* Never below 1, never above 127. */
    assert_int_equal(
        dynamics_velocity(&(CantusDynamics){1, 100.0f, 100.0f, 0}, CANTUS_PLACE_BETWEEN, 3), 1);
    for (int64_t step = 0; step < 1000; step++)
        assert_true(dynamics_velocity(&(CantusDynamics){127, 0.0f, 100.0f, 5},
                                      CANTUS_PLACE_DOWNBEAT, step) <= 127);
    /* Off, both leave the velocity as it is. */
    assert_int_equal(
        dynamics_velocity(&(CantusDynamics){93, 0.0f, 0.0f, 5}, CANTUS_PLACE_BETWEEN, 7), 93);
}

/* Two bars at rate 2, rests on (so REST and HOLD happen), with humanize. */
static void humanized_run(float humanize, uint32_t seed, Notes *notes)
{
    CantusControls controls = rig_controls(120.0);
    controls.rate = 2;
    controls.seed = seed;
    controls.humanize = humanize;
    Rig rig;
    rig_init(&rig, REST_HOLD_MODEL, &controls);
    play_from(&rig, 0.0, 32 * 24000, 333);
    recorder_check(&rig.recorder);
    note_ons(&rig.recorder, notes);
    rig_free(&rig);
}

static void test_humanize_changes_velocities_only(void **unused)
{
    (void)unused;
    static Notes plain, human, again, other_seed;
    humanized_run(0.0f, 3, &plain);
    humanized_run(100.0f, 3, &human);
    humanized_run(100.0f, 3, &again);
    humanized_run(100.0f, 4, &other_seed);
    assert_true(plain.count > 20);
    /* The same notes on the same frames: humanize never touches a pitch. */
    assert_int_equal(human.count, plain.count);
    assert_memory_equal(human.pitch, plain.pitch, plain.count);
    assert_memory_equal(human.frame, plain.frame, plain.count * sizeof plain.frame[0]);
    /* Velocities vary, within +-25 % of 100, and the same on every run. */
    size_t differ = 0;
    for (size_t i = 0; i < plain.count; i++) {
        assert_int_equal(plain.velocity[i], 100);
        assert_true(human.velocity[i] >= 75 && human.velocity[i] <= 125);
        differ += human.velocity[i] != 100;
    }
    assert_true(differ > plain.count / 2);
    assert_memory_equal(human.velocity, again.velocity, human.count);
    /* Another seed, another stream. */
    assert_true(memcmp(human.velocity, other_seed.velocity, 16) != 0);
}

static void test_humanize_same_from_any_start(void **unused)
{
    (void)unused;
    static Notes from_zero, from_six;
    CantusControls controls = rig_controls(120.0);
    controls.rate = 2;
    controls.rests = false;
    controls.humanize = 80.0f;
    controls.accent = 40.0f;
    Rig rig;
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 0.0, 16 * 24000, 64);
    note_ons(&rig.recorder, &from_zero);
    rig_free(&rig);
    rig_init(&rig, SEED_MODEL, &controls);
    play_from(&rig, 6.0, 10 * 24000, 512);
    note_ons(&rig.recorder, &from_six);
    rig_free(&rig);
    /* Beat 6 is step 12: the velocities from there are those of the run
     * from 0, step for step (the pitches are free-running's own). */
    assert_int_equal(from_zero.count, 32);
    assert_int_equal(from_six.count, 20);
    assert_memory_equal(from_six.velocity, from_zero.velocity + 12, 20);
}

/* The player clamps on its own too, for callers that skip the ports'
 * reading: NaN swing is straight, anything beyond 75 % is 75 %, and
 * accent or humanize of NaN, +-inf or 1e9 still give velocities 1..127. */
static void test_wild_values_stay_sane(void **unused)
{
    (void)unused;
    static Notes notes;
    const float wild[] = {NAN, INFINITY, -INFINITY, 1e9f, -1e9f, 0.0f};
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        CantusControls controls = rig_controls(120.0);
        controls.rate = 2;
        controls.rests = false;
        controls.swing = wild[i];
        controls.accent = wild[(i + 1) % 6];
        controls.humanize = wild[(i + 2) % 6];
        Rig rig;
        rig_init(&rig, SEED_MODEL, &controls);
        play_from(&rig, 0.0, 4 * 24000, 256);
        recorder_check(&rig.recorder);
        note_ons(&rig.recorder, &notes);
        assert_int_equal(notes.count, 8);
        const int64_t percent = wild[i] > 75.0f ? 75 : 50; /* NaN, -inf, -1e9, 0: straight */
        for (size_t k = 0; k < notes.count; k++) {
            assert_int_equal(notes.frame[k], swung_frame((int64_t)k, 2, percent));
            assert_true(notes.velocity[k] >= 1 && notes.velocity[k] <= 127);
        }
        rig_free(&rig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swung_steps_on_their_frames),
        cmocka_unit_test(test_swing_change_mid_roll),
        cmocka_unit_test(test_accent_levels),
        cmocka_unit_test(test_humanize_changes_velocities_only),
        cmocka_unit_test(test_humanize_same_from_any_start),
        cmocka_unit_test(test_wild_values_stay_sane),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
