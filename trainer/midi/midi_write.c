#include "midi/midi_write.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <smf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "midi/midi_read.h"

typedef struct {
    int64_t tick;
    int order; /* at one tick: note-offs (0) before note-ons (1) */
    unsigned char bytes[3];
} Timed;

static int compare_timed(const void *a, const void *b)
{
    const Timed *x = a, *y = b;
    if (x->tick != y->tick) return x->tick < y->tick ? -1 : 1;
    if (x->order != y->order) return x->order - y->order;
    return memcmp(x->bytes, y->bytes, 3);
}

static int add_bytes(smf_track_t *track, const void *bytes, int length, int64_t tick)
{
    /* libsmf copies the bytes into an event of its own. */
    smf_event_t *event = smf_event_new_from_pointer((void *)bytes, length);
    if (!event) return -1;
    smf_track_add_event_pulses(track, event, (int)tick);
    return 0;
}

static smf_t *build(const MidiWriteNote *notes, int n_notes, int ppqn, double bpm, int channel)
{
    smf_t *smf = smf_new();
    if (!smf) return NULL;
    smf_track_t *track = smf_track_new();
    Timed *timed = malloc(((size_t)n_notes * 2 + 1) * sizeof *timed);
    if (!track || !timed || smf_set_format(smf, 0) != 0 || smf_set_ppqn(smf, ppqn) != 0) {
        if (track) smf_track_delete(track);
        free(timed);
        smf_delete(smf);
        return NULL;
    }
    smf_add_track(smf, track);

    long tempo = lround(60e6 / bpm); /* microseconds per quarter note */
    unsigned char tempo_event[6] = {0xff,
                                    0x51,
                                    0x03,
                                    (unsigned char)(tempo >> 16),
                                    (unsigned char)(tempo >> 8),
                                    (unsigned char)tempo};
    /* 4/4, 24 MIDI clocks per click, 8 32nds per quarter */
    unsigned char meter_event[7] = {0xff, 0x58, 0x04, 4, 2, 24, 8};
    int failed = add_bytes(track, tempo_event, 6, 0) || add_bytes(track, meter_event, 7, 0);

    int n = 0;
    int64_t last = 0;
    for (int i = 0; i < n_notes; i++) {
        const MidiWriteNote *note = &notes[i];
        timed[n++] = (Timed){note->start,
                             1,
                             {(unsigned char)(0x90 | channel), (unsigned char)note->pitch,
                              (unsigned char)note->velocity}};
        timed[n++] =
            (Timed){note->end, 0, {(unsigned char)(0x80 | channel), (unsigned char)note->pitch, 0}};
        if (note->end > last) last = note->end;
    }
    qsort(timed, (size_t)n, sizeof *timed, compare_timed);
    for (int i = 0; i < n && !failed; i++)
        failed = add_bytes(track, timed[i].bytes, 3, timed[i].tick);
    free(timed);
    if (failed || smf_track_add_eot_pulses(track, (int)last) != 0) {
        smf_delete(smf);
        return NULL;
    }
    return smf;
}

int midi_write_file(const char *path, const MidiWriteNote *notes, int n_notes, int ppqn, double bpm,
                    int channel, char *err, size_t err_size)
{
    midi_quiet_libsmf();
    for (int i = 0; i < n_notes; i++)
        if (notes[i].pitch < 0 || notes[i].pitch > 127 || notes[i].velocity < 1 ||
            notes[i].velocity > 127 || notes[i].start < 0 || notes[i].end <= notes[i].start ||
            notes[i].end > (1 << 30)) {
            snprintf(err, err_size, "cannot write %s: note %d is malformed", path, i);
            return -1;
        }
    if (ppqn < 1 || ppqn > 0x7fff || !(bpm > 0 && bpm < 10000) || channel < 0 || channel > 15) {
        snprintf(err, err_size, "cannot write %s: bad ticks per quarter, tempo or channel", path);
        return -1;
    }
    smf_t *smf = build(notes, n_notes, ppqn, bpm, channel);
    if (!smf) {
        snprintf(err, err_size, "cannot write %s: libsmf could not build the file: %s", path,
                 midi_libsmf_last_message());
        return -1;
    }

    size_t length = strlen(path);
    char *temp = malloc(length + 16);
    if (!temp) {
        smf_delete(smf);
        snprintf(err, err_size, "cannot write %s: out of memory", path);
        return -1;
    }
    snprintf(temp, length + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        snprintf(err, err_size, "cannot write %s: cannot create a temporary file: %s", path,
                 strerror(errno));
        free(temp);
        smf_delete(smf);
        return -1;
    }
    close(fd);
    int saved = smf_save(smf, temp);
    smf_delete(smf);
    /* smf_save closes its stream without syncing; sync before the rename so
     * that a crash cannot leave the new name pointing at an empty file. */
    if (saved == 0) {
        fd = open(temp, O_RDONLY);
        saved = fd < 0 || fsync(fd) != 0;
        if (fd >= 0) close(fd);
    }
    if (saved != 0 || rename(temp, path) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", path,
                 saved ? "libsmf could not save it" : strerror(errno));
        unlink(temp);
        free(temp);
        return -1;
    }
    free(temp);
    return 0;
}
