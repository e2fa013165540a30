/* Test MIDI files, written with libsmf itself: notes and meta events on
 * tracks, at any ticks per quarter, format 0 or 1. */
#ifndef CANTUS_TEST_MIDI_FIXTURE_H
#define CANTUS_TEST_MIDI_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int track, channel, pitch;
    int start, end; /* ticks */
} FixNote;

typedef struct {
    int track, tick;
    int length;
    unsigned char bytes[16]; /* a whole event: FF type len data... */
} FixMeta;

/* Helpers for the usual meta events. */
FixMeta fixture_tempo(int track, int tick, double bpm);
FixMeta fixture_meter(int track, int tick, int numerator, int denominator);
FixMeta fixture_name(int track, const char *name); /* at tick 0, up to 12 bytes */

/* Writes the file; asserts (cmocka) that libsmf managed. */
void fixture_write(const char *path, int format, int ppqn, int n_tracks, const FixNote *notes,
                   int n_notes, const FixMeta *metas, int n_metas);

/* The bytes of a file (malloc'd). */
uint8_t *fixture_slurp(const char *path, size_t *size);

/* A fresh temporary folder (mkdtemp) and its removal with everything in it. */
char *fixture_tempdir(void);
void fixture_rmtree(const char *path);

/* A test's own scratch folder: fixture_dir_setup makes it (cmocka's
 * per-test setup), fixture_dir_teardown removes it with everything in it. */
extern char *fixture_dir;
int fixture_dir_setup(void **state);
int fixture_dir_teardown(void **state);

#endif
