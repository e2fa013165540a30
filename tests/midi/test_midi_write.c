/* The one MIDI writer (trainer/midi/midi_write.c) of cantus-train generate
 * and cantus-render: what it writes reads back through the checked reader
 * (notes) and libsmf (tempo map, time signature, a two-byte message); the
 * file has mode 0644 whatever the umask, also when it replaces a file of
 * another mode; a failed write leaves no temporary file and the target as
 * it was. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <smf.h>

#include "midi/midi_read.h"
#include "midi/midi_write.h"
#include "midi_fixture.h"

/* The names in the test folder, sorted, joined by spaces. */
static void folder_names(char *names, size_t size)
{
    struct dirent **entries;
    int n = scandir(fixture_dir, &entries, NULL, alphasort);
    assert_true(n >= 0);
    names[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(entries[i]->d_name, ".") && strcmp(entries[i]->d_name, "..")) {
            if (names[0]) strncat(names, " ", size - strlen(names) - 1);
            strncat(names, entries[i]->d_name, size - strlen(names) - 1);
        }
        free(entries[i]);
    }
    free(entries);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* Three notes on channel 3 given out of time order, a program change, a
 * tempo change at bar 2 of 3/4, and a note-off and a note-on of one pitch
 * at one tick (written off first, as given). */
static const MidiWriteTempo tempos[] = {{0, 120.0}, {2880, 90.0}};
static const MidiWriteEvent events[] = {
    {1920, {0x92, 64, 90}}, {2880, {0x82, 64, 0}}, {0, {0xC2, 5, 0}},     {0, {0x92, 60, 100}},
    {960, {0x82, 60, 0}},   {960, {0x92, 60, 80}}, {1800, {0x82, 60, 0}},
};

static MidiWriteSong song(void)
{
    return (MidiWriteSong){
        .beats_per_bar = 3,
        .tempos = tempos,
        .n_tempos = 2,
        .events = events,
        .n_events = (int)(sizeof events / sizeof events[0]),
        .end_tick = 5760,
    };
}

static void test_reads_back_with_mode_0644(void **state)
{
    (void)state;
    char path[512], err[256], names[512];
    snprintf(path, sizeof path, "%s/song.mid", fixture_dir);
    const mode_t saved = umask(077); /* a private umask must not make a private file */
    const MidiWriteSong s = song();
    const int written = midi_write_file(path, &s, err, sizeof err);
    umask(saved);
    if (written != 0) fail_msg("%s", err);
    assert_int_equal(mode_of(path), 0644);
    folder_names(names, sizeof names);
    assert_string_equal(names, "song.mid");

    MidiSong read;
    char reason[MIDI_REASON_SIZE];
    if (midi_read_file(path, &read, reason, sizeof reason) != 0) fail_msg("%s", reason);
    assert_int_equal(read.format, 0);
    assert_int_equal(read.ppqn, MIDI_WRITE_PPQN);
    assert_int_equal(read.end_tick, 5760);
    const MidiNote expected[] = {
        {0, 2, 60, 100, 0, 960}, {0, 2, 60, 80, 960, 1800}, {0, 2, 64, 90, 1920, 2880}};
    assert_int_equal(read.n_notes, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(read.notes[i].channel, expected[i].channel);
        assert_int_equal(read.notes[i].pitch, expected[i].pitch);
        assert_int_equal(read.notes[i].velocity, expected[i].velocity);
        assert_int_equal(read.notes[i].start, expected[i].start);
        assert_int_equal(read.notes[i].end, expected[i].end);
    }
    midi_song_free(&read);

    /* The tempo map, the time signature and the two-byte program change,
     * as libsmf sees them (the file is ours: no need of the checker). */
    smf_t *smf = smf_load(path);
    assert_non_null(smf);
    smf_tempo_t *first = smf_get_tempo_by_number(smf, 0);
    smf_tempo_t *second = smf_get_tempo_by_number(smf, 1);
    assert_non_null(first);
    assert_non_null(second);
    assert_null(smf_get_tempo_by_number(smf, 2));
    assert_int_equal(first->microseconds_per_quarter_note, 500000);
    assert_int_equal(first->numerator, 3);
    assert_int_equal(first->denominator, 4);
    assert_int_equal(second->time_pulses, 2880);
    assert_int_equal(second->microseconds_per_quarter_note, 666667);
    smf_event_t *event;
    int programs = 0;
    while ((event = smf_get_next_event(smf))) {
        if (event->midi_buffer[0] != 0xC2) continue;
        assert_int_equal(event->midi_buffer_length, 2);
        assert_int_equal(event->midi_buffer[1], 5);
        programs++;
    }
    assert_int_equal(programs, 1);
    smf_delete(smf);
}

static void test_replaces_a_file_and_its_mode(void **state)
{
    (void)state;
    char path[512], err[256], names[512];
    snprintf(path, sizeof path, "%s/old.mid", fixture_dir);
    FILE *old = fopen(path, "w");
    assert_non_null(old);
    fputs("not a MIDI file", old);
    fclose(old);
    assert_int_equal(chmod(path, 0600), 0);
    const MidiWriteSong s = song();
    if (midi_write_file(path, &s, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(mode_of(path), 0644);
    MidiSong read;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &read, reason, sizeof reason), 0);
    assert_int_equal(read.n_notes, 3);
    midi_song_free(&read);
    folder_names(names, sizeof names);
    assert_string_equal(names, "old.mid");
}

static void test_a_failed_write_leaves_nothing(void **state)
{
    (void)state;
    char path[512], err[256], names[512];
    const MidiWriteSong s = song();

    /* The target is a folder: everything is written, the rename fails, and
     * the temporary file beside it must go. */
    snprintf(path, sizeof path, "%s/taken.mid", fixture_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(midi_write_file(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "rename"));
    folder_names(names, sizeof names);
    assert_string_equal(names, "taken.mid");

    /* A folder that does not exist: nothing to create anything in. */
    snprintf(path, sizeof path, "%s/no/such/folder.mid", fixture_dir);
    assert_int_equal(midi_write_file(path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "temporary file"));

    /* Not a file's worth of MIDI: a system message, a tempo no file can
     * say, a tick beyond the reader's bound. Nothing is written. */
    snprintf(path, sizeof path, "%s/bad.mid", fixture_dir);
    const MidiWriteEvent clock[] = {{0, {0xF8, 0, 0}}};
    MidiWriteSong bad = s;
    bad.events = clock;
    bad.n_events = 1;
    assert_int_equal(midi_write_file(path, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "event 0"));
    const MidiWriteTempo slow = {0, 2.0};
    bad = s;
    bad.tempos = &slow;
    bad.n_tempos = 1;
    assert_int_equal(midi_write_file(path, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "tempo"));
    const MidiWriteEvent late[] = {{MIDI_WRITE_MAX_TICK, {0x90, 60, 1}}};
    bad = s;
    bad.events = late;
    bad.n_events = 1;
    assert_int_equal(midi_write_file(path, &bad, err, sizeof err), -1);
    folder_names(names, sizeof names);
    assert_string_equal(names, "taken.mid");
}

static void test_tick_of_a_beat(void **state)
{
    (void)state;
    assert_int_equal(midi_write_tick(0.0), 0);
    assert_int_equal(midi_write_tick(2.5), 2400);
    /* A step a hair late (the first frame after its beat) is its tick. */
    assert_int_equal(midi_write_tick(3.0 + 1.0 / 48000.0), 2880);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_back_with_mode_0644, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_replaces_a_file_and_its_mode, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_write_leaves_nothing, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test(test_tick_of_a_beat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
