/* The token vocabulary (core/token.h): what each token is, how long a note
 * of a pitch and its HOLDs sounds, and that reading such a note back gives
 * the same HOLDs at every gate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "token.h"

static void test_token_kinds(void **state)
{
    (void)state;
    const CantusModelInfo trained = {.vocab = cantus_vocab_size(12),
                                     .note_low = 60,
                                     .note_high = 71,
                                     .pitch_tokens = 12,
                                     .rest_token = cantus_vocab_rest_token(12),
                                     .hold_token = cantus_vocab_hold_token(12)};
    assert_int_equal(trained.vocab, 14);
    assert_int_equal(cantus_token_kind(&trained, 0), CANTUS_TOKEN_PITCH);
    assert_int_equal(cantus_token_kind(&trained, 11), CANTUS_TOKEN_PITCH);
    assert_int_equal(cantus_token_kind(&trained, 12), CANTUS_TOKEN_REST);
    assert_int_equal(cantus_token_kind(&trained, 13), CANTUS_TOKEN_HOLD);
    assert_int_equal(cantus_token_kind(&trained, 14), CANTUS_TOKEN_NONE);
    assert_int_equal(cantus_token_kind(&trained, -1), CANTUS_TOKEN_NONE);
    assert_int_equal(cantus_token_pitch(&trained, 11), 71);
    assert_int_equal(cantus_token_pitch(&trained, 13), -1);

    /* The seed notebook's kind of model: pitches only. */
    const CantusModelInfo pitches_only = {.vocab = 12,
                                          .note_low = 60,
                                          .note_high = 71,
                                          .pitch_tokens = 12,
                                          .rest_token = -1,
                                          .hold_token = -1};
    assert_int_equal(cantus_token_kind(&pitches_only, 11), CANTUS_TOKEN_PITCH);
    assert_int_equal(cantus_token_kind(&pitches_only, 12), CANTUS_TOKEN_NONE);
    assert_int_equal(cantus_token_kind(NULL, 0), CANTUS_TOKEN_NONE);
}

static void test_note_lengths(void **state)
{
    (void)state;
    /* Steps of 1000 units: a pitch at 0 and two HOLDs end 80 % into the
     * third step, 2.8 steps after the start. */
    assert_int_equal(cantus_note_end(2000, 3000, 80.0), 2800);
    assert_int_equal(cantus_note_end(0, 1000, 80.0), 800);
    assert_int_equal(cantus_note_end(2000, 3000, 100.0), 3000);
    /* Swing: only the last step's own length is shared out. */
    assert_int_equal(cantus_note_end(1000, 2200, 50.0), 1600);
    /* Never shorter than one unit. */
    assert_int_equal(cantus_note_end(0, 3, 5.0), 1);
}

static void test_holds_read_back(void **state)
{
    (void)state;
    assert_int_equal(cantus_note_steps_end(2800, 1000), 3);
    assert_int_equal(cantus_note_steps_end(3000, 1000), 3);
    assert_int_equal(cantus_note_steps_end(3001, 1000), 4);
    /* A pitch and h HOLDs played at any gate read back as a pitch and h
     * HOLDs: the note ends after the start of its last step and no later
     * than the start of the next. */
    const double gates[] = {5.0, 12.5, 37.5, 50.0, 80.0, 99.9, 100.0};
    for (int64_t length = 1; length <= 1000; length += 37)
        for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++)
            for (int64_t holds = 0; holds < 6; holds++) {
                const int64_t end = cantus_note_end(holds * length, (holds + 1) * length, gates[g]);
                assert_int_equal(cantus_note_steps_end(end, length), holds + 1);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_kinds),
        cmocka_unit_test(test_note_lengths),
        cmocka_unit_test(test_holds_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
