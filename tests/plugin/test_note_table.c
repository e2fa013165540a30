/* The active-note table: every note-on gets its note-off, offs at a frame
 * come before ons, and a full table never loses a note. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "recorder.h"

static void test_gate_then_next_note(void **unused)
{
    (void)unused;
    Recorder recorder;
    recorder_init(&recorder, 64);
    const CantusMidiSink sink = recorder_sink(&recorder);
    CantusNoteTable table;
    note_table_init(&table);
    note_table_note_on(&table, &sink, 0, 0, 60, 100, 1000);
    assert_int_equal(note_table_next_off(&table), 1000);
    note_table_release_due(&table, &sink, 999);
    assert_int_equal(recorder.count, 1);
    /* The same pitch again at the frame its gate ends: off, then on. */
    note_table_release_due(&table, &sink, 1000);
    note_table_note_on(&table, &sink, 1000, 0, 60, 100, 2000);
    assert_int_equal(recorder.count, 3);
    assert_true(recorded_is_off(&recorder.events[1]));
    assert_true(recorded_is_on(&recorder.events[2]));
    assert_int_equal(recorder_check(&recorder), 1);
    note_table_release_all(&table, &sink, 1500);
    assert_int_equal(recorder_check(&recorder), 0);
    assert_int_equal(note_table_next_off(&table), INT64_MAX);
    recorder_free(&recorder);
}

static void test_retrigger_and_velocity_zero(void **unused)
{
    (void)unused;
    Recorder recorder;
    recorder_init(&recorder, 64);
    const CantusMidiSink sink = recorder_sink(&recorder);
    CantusNoteTable table;
    note_table_init(&table);
    note_table_note_on(&table, &sink, 0, 2, 64, 0, INT64_MAX);
    /* Velocity 0 would be a note-off: it is sent as 1. */
    assert_int_equal(recorder.events[0].message[2], 1);
    /* Still sounding: a second note-on of it ends the first. */
    note_table_note_on(&table, &sink, 10, 2, 64, 90, 20);
    assert_int_equal(recorder_check(&recorder), 1);
    assert_int_equal(table.count, 1);
    /* Ties move the off. */
    assert_true(note_table_extend(&table, 2, 64, 40));
    assert_false(note_table_extend(&table, 2, 65, 40));
    note_table_release_due(&table, &sink, 30);
    assert_int_equal(table.count, 1);
    note_table_release_due(&table, &sink, 40);
    assert_int_equal(recorder_check(&recorder), 0);
    recorder_free(&recorder);
}

static void test_full_table_releases_oldest(void **unused)
{
    (void)unused;
    Recorder recorder;
    recorder_init(&recorder, 256);
    const CantusMidiSink sink = recorder_sink(&recorder);
    CantusNoteTable table;
    note_table_init(&table);
    for (int i = 0; i < CANTUS_NOTE_TABLE_SIZE + 5; i++)
        note_table_note_on(&table, &sink, i, 0, (uint8_t)(40 + i), 100, INT64_MAX);
    assert_int_equal(table.count, CANTUS_NOTE_TABLE_SIZE);
    assert_int_equal(recorder_check(&recorder), CANTUS_NOTE_TABLE_SIZE);
    assert_false(note_table_is_sounding(&table, 0, 40));
    assert_true(note_table_is_sounding(&table, 0, 40 + CANTUS_NOTE_TABLE_SIZE + 4));
    note_table_release_all(&table, &sink, 100);
    assert_int_equal(recorder_check(&recorder), 0);
    recorder_free(&recorder);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_then_next_note),
        cmocka_unit_test(test_retrigger_and_velocity_zero),
        cmocka_unit_test(test_full_table_releases_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
