/* cantus-render end to end: the program loads the plugin from LV2_PATH,
 * renders bars to a Standard MIDI File, and every step's note-on lands on
 * its exact tick (960 a beat), through tempo changes too. The MIDI file is
 * read back with libsmf. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <smf.h>

#include "fixture.h"

static char dir[64];
static char lv2_path[128];
static char model[160];

static int setup(void **state)
{
    (void)state;
    make_temp_dir(dir, sizeof(dir));
    /* A folder with only the bundle in it, so lilv finds nothing else. */
    snprintf(lv2_path, sizeof(lv2_path), "%s/lv2", dir);
    assert_true(mkdir_p_ok(lv2_path));
    char link[192];
    snprintf(link, sizeof(link), "%s/cantus.lv2", lv2_path);
    char *bundle = realpath(getenv("CANTUS_BUNDLE"), NULL);
    assert_non_null(bundle);
    assert_int_equal(symlink(bundle, link), 0);
    free(bundle);
    snprintf(model, sizeof(model), "%s/render-test.safetensors", dir);
    write_test_model(model, 31, 48, 24, 24);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(dir);
    return 0;
}

static int render(const char *args, const char *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "LV2_PATH='%s' '%s' %s -o '%s' > '%s.log' 2>&1", lv2_path,
             getenv("CANTUS_RENDER"), args, out, out);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

typedef struct {
    int ons;
    int offs;
    int on_pulses[512];
    int tempos;
    int first_tempo_us;
} MidiSummary;

static void read_midi(const char *path, MidiSummary *m)
{
    memset(m, 0, sizeof(*m));
    smf_t *smf = smf_load(path);
    if (!smf) fail_msg("libsmf cannot read %s", path);
    assert_int_equal(smf->ppqn, 960);
    smf_event_t *e;
    while ((e = smf_get_next_event(smf))) {
        const unsigned char *b = e->midi_buffer;
        if (b[0] == 0xff && e->midi_buffer_length >= 6 && b[1] == 0x51) {
            if (m->tempos++ == 0) m->first_tempo_us = (b[3] << 16) | (b[4] << 8) | b[5];
        } else if ((b[0] & 0xf0) == 0x90 && b[2] > 0) {
            if (m->ons < 512) m->on_pulses[m->ons] = e->time_pulses;
            ++m->ons;
        } else if ((b[0] & 0xf0) == 0x80 || (b[0] & 0xf0) == 0x90) {
            ++m->offs;
        }
    }
    smf_delete(smf);
}

static void note_ons_on_exact_ticks(void **state)
{
    (void)state;
    char out[192], args[512];
    snprintf(out, sizeof(out), "%s/plain.mid", dir);
    snprintf(args, sizeof(args), "--model '%s' --bars 4 --bpm 130 --set rests=0 --set rate=2",
             model);
    assert_int_equal(render(args, out), 0);
    MidiSummary m;
    read_midi(out, &m);
    assert_int_equal(m.ons, 32);
    assert_int_equal(m.offs, 32);
    for (int k = 0; k < m.ons; ++k)
        assert_int_equal(m.on_pulses[k], k * 480);
    assert_int_equal(m.first_tempo_us, 461538); /* 60e6 / 130 */
}

static void through_tempo_changes(void **state)
{
    (void)state;
    char out[192], args[512];
    snprintf(out, sizeof(out), "%s/tempo.mid", dir);
    snprintf(args, sizeof(args),
             "--model '%s' --bars 6 --bpm 130 --tempo 3=97 --tempo 5=179.5 --set rests=0 "
             "--rate 44100 --block 1000",
             model);
    assert_int_equal(render(args, out), 0);
    MidiSummary m;
    read_midi(out, &m);
    assert_int_equal(m.tempos, 3);
    assert_int_equal(m.ons, 24);
    for (int k = 0; k < m.ons; ++k)
        assert_int_equal(m.on_pulses[k], k * 960);
}

static bool same_bytes(const char *a, const char *b)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

static void same_render_twice_and_a_picture(void **state)
{
    (void)state;
    char a[192], b[192], png[192], args[512];
    snprintf(a, sizeof(a), "%s/a.mid", dir);
    snprintf(b, sizeof(b), "%s/b.mid", dir);
    snprintf(png, sizeof(png), "%s/roll.png", dir);
    snprintf(args, sizeof(args), "--bars 8 --set seed=5 --png '%s'", png);
    assert_int_equal(render(args, a), 0);
    assert_int_equal(render("--bars 8 --set seed=5", b), 0);
    assert_true(same_bytes(a, b));
    FILE *f = fopen(png, "rb");
    assert_non_null(f);
    unsigned char sig[8];
    assert_int_equal(fread(sig, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

/* C-Am-F-G, a bar each (480 ticks a beat), on channel 2, written by hand
 * with running status (a chord is three note-ons under one status byte). */
static void write_progression(const char *path)
{
    static const uint8_t chords[4][3] = {{48, 52, 55}, {45, 48, 52}, {41, 45, 48}, {43, 47, 50}};
    uint8_t track[256];
    size_t n = 0;
    for (int c = 0; c < 4; c++) {
        const uint8_t on[] = {0x00,         0x91, chords[c][0], 80,           0x00,
                              chords[c][1], 80,   0x00,         chords[c][2], 80};
        memcpy(track + n, on, sizeof on);
        n += sizeof on;
        /* Four beats later (1920 ticks = 0x8F 0x00), the note-offs as
         * note-ons of velocity 0, still under the running status. */
        const uint8_t off[] = {0x8F, 0x00, chords[c][0], 0, 0x00, chords[c][1],
                               0,    0x00, chords[c][2], 0};
        memcpy(track + n, off, sizeof off);
        n += sizeof off;
    }
    const uint8_t end[] = {0x00, 0xFF, 0x2F, 0x00};
    memcpy(track + n, end, sizeof end);
    n += sizeof end;
    const uint8_t header[] = {'M', 'T',  'h',  'd', 0,   0,   0,   6, 0, 0, 0,
                              1,   0x01, 0xE0, 'M', 'T', 'r', 'k', 0, 0, 0, (uint8_t)n};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(header, 1, sizeof header, f), sizeof header);
    assert_int_equal(fwrite(track, 1, n, f), n);
    fclose(f);
}

/* --midi-in: the file's chords reach the plugin on their beats (at 130 BPM
 * no beat falls on a whole frame) and pass through to the output; with
 * harmony on every step, each melody note is a tone of its bar's chord. */
static void midi_in_plays_chords_into_the_plugin(void **state)
{
    (void)state;
    static const uint16_t classes[4] = {1u << 0 | 1u << 4 | 1u << 7, 1u << 9 | 1u << 0 | 1u << 4,
                                        1u << 5 | 1u << 9 | 1u << 0, 1u << 7 | 1u << 11 | 1u << 2};
    char chords[192], out[192], args[512];
    snprintf(chords, sizeof(chords), "%s/chords.mid", dir);
    snprintf(out, sizeof(out), "%s/harmony.mid", dir);
    write_progression(chords);
    snprintf(args, sizeof(args),
             "--model '%s' --bars 4 --bpm 130 --set rests=0 --set rate=2 --set harmony=2 "
             "--set transpose=-7 --midi-in '%s'",
             model, chords);
    assert_int_equal(render(args, out), 0);
    smf_t *smf = smf_load(out);
    assert_non_null(smf);
    int melody = 0, passed = 0;
    smf_event_t *e;
    while ((e = smf_get_next_event(smf))) {
        const unsigned char *b = e->midi_buffer;
        if ((b[0] & 0xf0) != 0x90 || b[2] == 0) continue;
        if ((b[0] & 0x0f) == 1) {
            assert_int_equal(e->time_pulses % (4 * 960), 0);
            ++passed;
            continue;
        }
        assert_int_equal(e->time_pulses, melody * 480);
        const int bar = e->time_pulses / (4 * 960);
        assert_true(classes[bar % 4] >> (b[1] % 12) & 1u);
        ++melody;
    }
    smf_delete(smf);
    assert_int_equal(melody, 32);
    assert_int_equal(passed, 12);

    /* A file the checked reader refuses is an error, not a silent render. */
    FILE *f = fopen(chords, "r+b");
    assert_non_null(f);
    fseek(f, 21, SEEK_SET);
    fputc(0xFF, f); /* the track claims more bytes than the file has */
    fclose(f);
    assert_int_not_equal(render(args, out), 0);
}

static void refuses_what_it_cannot_do(void **state)
{
    (void)state;
    char out[192];
    snprintf(out, sizeof(out), "%s/never.mid", dir);
    assert_int_not_equal(render("--set no_such_control=1", out), 0);
    assert_int_not_equal(render("--preset no-such-preset", out), 0);
    assert_int_not_equal(render("--model /nonexistent.safetensors", out), 0);
    assert_int_not_equal(render("--bars zero", out), 0);
    assert_int_equal(access(out, F_OK), -1);
    char list[512];
    snprintf(list, sizeof(list), "LV2_PATH='%s' '%s' --list-presets > /dev/null", lv2_path,
             getenv("CANTUS_RENDER"));
    assert_int_equal(system(list), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(note_ons_on_exact_ticks),
        cmocka_unit_test(through_tempo_changes),
        cmocka_unit_test(same_render_twice_and_a_picture),
        cmocka_unit_test(midi_in_plays_chords_into_the_plugin),
        cmocka_unit_test(refuses_what_it_cannot_do),
    };
    return cmocka_run_group_tests_name("render", tests, setup, teardown);
}
