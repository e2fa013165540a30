/* libFuzzer harness: bytes into the MIDI reader's front door.
 *
 * Debian's libsmf trusts the lengths it reads, so the reader walks every byte
 * with smf_check() first and hands libsmf only the canonical copy smf_check()
 * writes. This harness checks the promises that design rests on:
 *   - smf_check() never crashes or reads out of bounds, whatever the bytes,
 *     and a refusal comes with a one-line reason;
 *   - what it accepts, libsmf survives: smf_load_from_memory() on the clean
 *     copy returns (a model or a refusal) and every event can be walked
 *     (libsmf is not instrumented, so a bad read in it shows as a crash or an
 *     abort, not an ASan report);
 *   - the clean copy is a fixed point: checking it again accepts it and gives
 *     the same bytes back, so "clean" means one thing.
 */
#include <smf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi/midi_read.h"
#include "midi/smf_check.h"

/* Set by FUZZ_MIDI_TOLERATE_NONCANONICAL=1 (never in CI): skips the
 * fixed-point check, so that a long run can look past a clean copy that
 * smf_check itself refuses (once: delta times of dropped events carried past
 * the 4-byte VLQ limit; fuzz/corpus/midi/finding_carry_overflows_vlq.mid,
 * replayed by the replay-fuzz-midi test) for other bugs. */
static int tolerate_noncanonical;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* libsmf reports every oddity through g_critical/g_warning: millions of
     * lines per fuzzing minute. Its verdict is what matters here. */
    midi_quiet_libsmf();
    const char *env = getenv("FUZZ_MIDI_TOLERATE_NONCANONICAL");
    tolerate_noncanonical = env && env[0] == '1';
    return 0;
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_midi: %s\n", what);
    abort();
}

static void check_song(const MidiSong *song)
{
    if (song->format < 0 || song->format > 1 || song->ppqn <= 0 || song->n_tracks < 0 ||
        song->n_notes < 0 || song->drum_notes < 0 || (song->n_notes > 0 && !song->notes))
        fail("a read song has impossible header fields");
    for (int t = 0; t < song->n_tracks; t++)
        if (!song->track_names || !song->track_names[t]) fail("a track has no name string");
    for (int i = 0; i < song->n_notes; i++) {
        const MidiNote *n = &song->notes[i];
        if (n->track < 0 || n->track >= song->n_tracks || n->channel < 0 || n->channel > 15 ||
            n->channel == 9 || n->pitch < 0 || n->pitch > 127 || n->velocity < 1 ||
            n->velocity > 127 || n->end < n->start || n->start < 0)
            fail("a note breaks the promises of midi_read.h");
        if (i > 0) {
            const MidiNote *p = &song->notes[i - 1];
            if (p->start > n->start ||
                (p->start == n->start &&
                 (p->track > n->track || (p->track == n->track && p->pitch > n->pitch))))
                fail("notes are not sorted by start, track, pitch");
        }
    }
}

static void read_song(const uint8_t *data, size_t size)
{
    MidiSong song;
    memset(&song, 0, sizeof song);
    char reason[MIDI_REASON_SIZE];
    reason[0] = '\0';
    if (midi_read_memory(data, size, &song, reason, sizeof reason) != 0) {
        size_t len = strnlen(reason, sizeof reason);
        if (len == 0 || len == sizeof reason || strchr(reason, '\n'))
            fail("midi_read_memory refused a file without a one-line reason");
        return;
    }
    check_song(&song);
    midi_song_free(&song);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_song(data, size);

    uint8_t *clean = NULL;
    size_t clean_size = 0;
    char reason[256];
    reason[0] = '\0';
    if (smf_check(data, size, &clean, &clean_size, reason, sizeof reason) != 0) {
        size_t len = strnlen(reason, sizeof reason);
        if (len == 0 || len == sizeof reason || strchr(reason, '\n'))
            fail("a refused file gave no one-line reason");
        if (clean) fail("a refused file still returned a clean copy");
        return 0;
    }
    if (!clean || clean_size == 0 || clean_size > SMF_CHECK_MAX_FILE)
        fail("an accepted file gave no clean copy");

    uint8_t *again = NULL;
    size_t again_size = 0;
    if (tolerate_noncanonical) {
        /* Straight on to libsmf with the copy as it is. */
    } else if (smf_check(clean, clean_size, &again, &again_size, reason, sizeof reason) != 0) {
        fprintf(stderr, "fuzz_midi: second check refused its own clean copy: %s\n", reason);
        abort();
    }
    if (!tolerate_noncanonical &&
        (again_size != clean_size || memcmp(again, clean, clean_size) != 0))
        fail("the clean copy is not a fixed point of smf_check");
    free(again);

    /* libsmf may still refuse a clean copy on musical grounds (the reader
     * then skips the file with a reason); what it must not do is crash. */
    smf_t *smf = smf_load_from_memory(clean, (int)clean_size);
    if (!smf) {
        free(clean);
        return 0;
    }
    smf_event_t *event;
    long events = 0;
    while ((event = smf_get_next_event(smf)) != NULL)
        events++;
    (void)events;
    smf_delete(smf);
    free(clean);
    return 0;
}
