#include "midi_fixture.h"

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <smf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

FixMeta fixture_tempo(int track, int tick, double bpm)
{
    long us = lround(60e6 / bpm);
    FixMeta m = {track, tick, 6, {0xff, 0x51, 0x03, us >> 16 & 0xff, us >> 8 & 0xff, us & 0xff}};
    return m;
}

FixMeta fixture_meter(int track, int tick, int numerator, int denominator)
{
    int power = 0;
    while ((1 << power) < denominator)
        power++;
    FixMeta m = {track, tick, 7, {0xff, 0x58, 0x04, numerator, power, 24, 8}};
    return m;
}

FixMeta fixture_name(int track, const char *name)
{
    FixMeta m = {track, 0, 0, {0xff, 0x03, 0}};
    size_t n = strlen(name);
    if (n > 12) n = 12;
    m.bytes[2] = (unsigned char)n;
    memcpy(m.bytes + 3, name, n);
    m.length = 3 + (int)n;
    return m;
}

typedef struct {
    int tick, order;
    int length;
    unsigned char bytes[16];
} Ev;

static int compare_ev(const void *a, const void *b)
{
    const Ev *x = a, *y = b;
    if (x->tick != y->tick) return x->tick - y->tick;
    return x->order - y->order;
}

void fixture_write(const char *path, int format, int ppqn, int n_tracks, const FixNote *notes,
                   int n_notes, const FixMeta *metas, int n_metas)
{
    smf_t *smf = smf_new();
    assert_non_null(smf);
    assert_int_equal(smf_set_ppqn(smf, ppqn), 0);
    Ev *evs = calloc((size_t)(2 * n_notes + n_metas + 1), sizeof *evs);
    assert_non_null(evs);
    for (int t = 0; t < n_tracks; t++) {
        smf_track_t *track = smf_track_new();
        assert_non_null(track);
        smf_add_track(smf, track);
        int n = 0, seq = 0;
        for (int i = 0; i < n_metas; i++)
            if (metas[i].track == t) {
                evs[n] = (Ev){metas[i].tick, seq++, metas[i].length, {0}};
                memcpy(evs[n++].bytes, metas[i].bytes, (size_t)metas[i].length);
            }
        for (int i = 0; i < n_notes; i++)
            if (notes[i].track == t) {
                /* offs sort before ons at one tick (order < 1e6), keeping input order */
                evs[n++] = (Ev){notes[i].start,
                                2000000 + seq++,
                                3,
                                {0x90 | notes[i].channel, notes[i].pitch, 90}};
                evs[n++] = (Ev){
                    notes[i].end, 1000000 + seq++, 3, {0x80 | notes[i].channel, notes[i].pitch, 0}};
            }
        qsort(evs, (size_t)n, sizeof *evs, compare_ev);
        int last = 0;
        for (int i = 0; i < n; i++) {
            smf_event_t *event = smf_event_new_from_pointer(evs[i].bytes, evs[i].length);
            assert_non_null(event);
            smf_track_add_event_pulses(track, event, evs[i].tick);
            last = evs[i].tick;
        }
        assert_int_equal(smf_track_add_eot_pulses(track, last), 0);
    }
    assert_int_equal(smf_set_format(smf, format), 0);
    free(evs);
    assert_int_equal(smf_save(smf, path), 0);
    smf_delete(smf);
}

uint8_t *fixture_slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)n + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

char *fixture_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(256);
    assert_non_null(path);
    snprintf(path, 256, "%s/cantus-midi-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    return path;
}

void fixture_rmtree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char child[1024];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                fixture_rmtree(child);
            else
                unlink(child);
        }
        closedir(dir);
    }
    rmdir(path);
}

char *fixture_dir;

int fixture_dir_setup(void **state)
{
    (void)state;
    fixture_dir = fixture_tempdir();
    return 0;
}

int fixture_dir_teardown(void **state)
{
    (void)state;
    fixture_rmtree(fixture_dir);
    free(fixture_dir);
    fixture_dir = NULL;
    return 0;
}
