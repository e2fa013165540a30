/* The notes held on the MIDI input (plugin/held_notes.c): the rules, and
 * any bytes at all against a reference written from the rules, so that
 * nothing malformed can corrupt the set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "held_notes.h"

static bool apply3(CantusHeldNotes *held, uint8_t a, uint8_t b, uint8_t c)
{
    const uint8_t message[3] = {a, b, c};
    return held_notes_apply(held, message, 3);
}

static void the_rules(void **unused)
{
    (void)unused;
    CantusHeldNotes held;
    held_notes_clear(&held);
    /* C major on channel 2, A on channel 1. */
    assert_true(apply3(&held, 0x91, 60, 90));
    assert_true(apply3(&held, 0x91, 64, 90));
    assert_true(apply3(&held, 0x91, 67, 90));
    assert_true(apply3(&held, 0x90, 57, 90));
    assert_int_equal(held_notes_count(&held), 4);
    assert_int_equal(held_notes_pitch_classes(&held), 1u << 0 | 1u << 4 | 1u << 7 | 1u << 9);
    /* Again: no change. */
    assert_false(apply3(&held, 0x91, 60, 10));
    /* A note-off on another channel leaves the pitch held. */
    assert_false(apply3(&held, 0x80, 60, 0));
    assert_true(held_notes_is_held(&held, 1, 60));
    /* A note-on of velocity 0 is a note-off. */
    assert_true(apply3(&held, 0x91, 60, 0));
    assert_false(held_notes_is_held(&held, 1, 60));
    /* Note-offs without note-ons change nothing. */
    for (int p = 0; p < 128; p++)
        assert_false(apply3(&held, 0x8F, (uint8_t)p, 64));
    assert_int_equal(held_notes_count(&held), 3);
    /* Running status (a data byte first), data bytes of 0x80 and more, short
     * messages, other messages: ignored. */
    assert_false(apply3(&held, 62, 90, 0));
    assert_false(apply3(&held, 0x91, 0x80 | 62, 90));
    assert_false(apply3(&held, 0x91, 62, 0xFF));
    const uint8_t two[2] = {0x91, 62};
    assert_false(held_notes_apply(&held, two, 2));
    assert_false(held_notes_apply(&held, NULL, 0));
    assert_false(apply3(&held, 0xA1, 64, 0));   /* aftertouch */
    assert_false(apply3(&held, 0xB1, 64, 127)); /* sustain: not followed */
    assert_false(apply3(&held, 0xF0, 62, 90));
    assert_int_equal(held_notes_count(&held), 3);
    /* All notes off empties its channel only. */
    assert_true(apply3(&held, 0xB1, 123, 0));
    assert_int_equal(held_notes_count(&held), 1);
    assert_true(held_notes_is_held(&held, 0, 57));
    assert_true(apply3(&held, 0xB0, 120, 0));
    assert_int_equal(held_notes_pitch_classes(&held), 0);
    /* 128 held notes on one channel, and on every channel. */
    for (int c = 0; c < 16; c++)
        for (int p = 0; p < 128; p++)
            apply3(&held, (uint8_t)(0x90 | c), (uint8_t)p, 1);
    assert_int_equal(held_notes_count(&held), 16 * 128);
    assert_int_equal(held_notes_pitch_classes(&held), 0xFFF);
    held_notes_clear(&held);
    assert_int_equal(held_notes_count(&held), 0);
}

/* The reference: a plain array, the rules written out once more. */
static void reference_apply(bool ref[16][128], const uint8_t *m, uint32_t size)
{
    if (size < 3 || m[0] < 0x80 || m[1] > 127 || m[2] > 127) return;
    const int kind = m[0] >> 4, channel = m[0] & 15;
    if (kind == 9) ref[channel][m[1]] = m[2] != 0;
    if (kind == 8) ref[channel][m[1]] = false;
    if (kind == 11 && (m[1] == 120 || m[1] == 123))
        for (int p = 0; p < 128; p++)
            ref[channel][p] = false;
}

static uint64_t next(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

static void any_bytes_against_the_reference(void **unused)
{
    (void)unused;
    uint64_t rng = 20260610;
    CantusHeldNotes held;
    held_notes_clear(&held);
    static bool ref[16][128];
    memset(ref, 0, sizeof ref);
    long changes = 0;
    for (int i = 0; i < 500000; i++) {
        uint8_t m[8];
        const uint32_t size = (uint32_t)(next(&rng) % 9);
        for (uint32_t k = 0; k < size; k++) {
            const uint64_t r = next(&rng);
            /* Half the time something shaped like a note message, so the
             * set fills and empties; otherwise any bytes. */
            m[k] = (uint8_t)(r % 2 ? r >> 8 : k == 0 ? 0x80 | (r >> 8 & 0x1F) : r >> 8 & 0x7F);
        }
        changes += held_notes_apply(&held, m, size);
        reference_apply(ref, m, size);
        if (i % 1000 == 0 || size == 0) {
            uint16_t classes = 0;
            int count = 0;
            for (int c = 0; c < 16; c++)
                for (int p = 0; p < 128; p++) {
                    assert_int_equal(held_notes_is_held(&held, c, p), ref[c][p]);
                    count += ref[c][p];
                    if (ref[c][p]) classes |= (uint16_t)(1u << (p % 12));
                }
            assert_int_equal(held_notes_count(&held), count);
            assert_int_equal(held_notes_pitch_classes(&held), classes);
        }
    }
    assert_true(changes > 25000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_rules),
        cmocka_unit_test(any_bytes_against_the_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
