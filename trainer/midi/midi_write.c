/* The Standard MIDI File writer; see midi_write.h. */
#include "midi/midi_write.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "midi/smf_bytes.h"

/* The largest tempo a file can say is 0xFFFFFF microseconds per quarter. */
#define MAX_USEC_PER_QUARTER 0xFFFFFF

/* Bytes of a channel message: two for program change and channel pressure,
 * three for the others; 0 when it is not a well-formed channel message. */
static int message_length(const uint8_t bytes[3])
{
    if (bytes[0] < 0x80 || bytes[0] >= 0xF0) return 0;
    const int type = bytes[0] & 0xF0;
    const int length = type == 0xC0 || type == 0xD0 ? 2 : 3;
    for (int i = 1; i < length; i++)
        if (bytes[i] & 0x80) return 0;
    return length;
}

typedef struct {
    int64_t tick;
    int order; /* the caller's index: events of one tick keep their order */
    int kind;  /* at one tick: tempos (0) before channel messages (1) */
} Timed;

static int compare_timed(const void *a, const void *b)
{
    const Timed *x = a, *y = b;
    if (x->tick != y->tick) return x->tick < y->tick ? -1 : 1;
    if (x->kind != y->kind) return x->kind - y->kind;
    return x->order - y->order;
}

static long usec_per_quarter(double bpm)
{
    return lround(60e6 / bpm);
}

/* One sentence on what is wrong with the song, or NULL. */
static const char *check(const MidiWriteSong *song, char *what, size_t what_size)
{
    if (song->beats_per_bar < 1 || song->beats_per_bar > 255)
        return "the time signature needs 1..255 beats a bar";
    if (song->beat_unit < 0 || song->beat_unit > 64 || (song->beat_unit & (song->beat_unit - 1)))
        return "the time signature's beat must be a whole, half ... 64th note";
    if (song->n_tempos < 1 || song->tempos[0].tick != 0) return "the first tempo must be at tick 0";
    for (int i = 0; i < song->n_tempos; i++) {
        const MidiWriteTempo *t = &song->tempos[i];
        if (i > 0 && t->tick <= song->tempos[i - 1].tick) return "tempo changes must come in order";
        if (t->tick >= MIDI_WRITE_MAX_TICK) return "a tempo change lies beyond 2^30 ticks";
        if (!(t->bpm > 0 && isfinite(t->bpm)) || usec_per_quarter(t->bpm) < 1 ||
            usec_per_quarter(t->bpm) > MAX_USEC_PER_QUARTER) {
            snprintf(what, what_size, "a tempo of %g BPM does not fit a MIDI file (3.6..60000000)",
                     t->bpm);
            return what;
        }
    }
    if (song->n_events < 0 || (song->n_events > 0 && !song->events)) return "no events";
    for (int i = 0; i < song->n_events; i++) {
        const MidiWriteEvent *e = &song->events[i];
        if (e->tick < 0 || e->tick >= MIDI_WRITE_MAX_TICK || !message_length(e->bytes)) {
            snprintf(what, what_size, "event %d is not a channel message at 0..2^30 ticks", i);
            return what;
        }
    }
    if (song->end_tick >= MIDI_WRITE_MAX_TICK) return "the end lies beyond 2^30 ticks";
    return NULL;
}

/* The whole file in memory; false when memory ran out. */
static bool build(const MidiWriteSong *song, SmfBytes *file)
{
    const int n = song->n_tempos + song->n_events;
    Timed *timed = malloc((size_t)n * sizeof *timed);
    if (!timed) return false;
    for (int i = 0; i < song->n_tempos; i++)
        timed[i] = (Timed){song->tempos[i].tick, i, 0};
    for (int i = 0; i < song->n_events; i++)
        timed[song->n_tempos + i] = (Timed){song->events[i].tick, i, 1};
    qsort(timed, (size_t)n, sizeof *timed, compare_timed);

    SmfBytes track = {0};
    /* beats_per_bar / 2^power, 24 MIDI clocks a click, 8 32nds a quarter */
    uint8_t power = 0;
    while ((1 << power) < (song->beat_unit ? song->beat_unit : 4))
        power++;
    const uint8_t signature[] = {0x00,  0xFF, 0x58, 0x04, (uint8_t)song->beats_per_bar,
                                 power, 24,   8};
    smf_bytes_put(&track, signature, sizeof signature);
    int64_t now = 0;
    for (int i = 0; i < n; i++) {
        smf_bytes_put_vlq(&track, (uint32_t)(timed[i].tick - now));
        now = timed[i].tick;
        if (timed[i].kind == 0) {
            const long usec = usec_per_quarter(song->tempos[timed[i].order].bpm);
            const uint8_t tempo[] = {
                0xFF, 0x51, 0x03, (uint8_t)(usec >> 16), (uint8_t)(usec >> 8), (uint8_t)usec};
            smf_bytes_put(&track, tempo, sizeof tempo);
        } else {
            const uint8_t *bytes = song->events[timed[i].order].bytes;
            smf_bytes_put(&track, bytes, (size_t)message_length(bytes));
        }
    }
    free(timed);
    smf_bytes_put_vlq(&track, (uint32_t)(song->end_tick > now ? song->end_tick - now : 0));
    const uint8_t end_of_track[] = {0xFF, 0x2F, 0x00};
    smf_bytes_put(&track, end_of_track, sizeof end_of_track);

    const uint8_t header[] = {'M',
                              'T',
                              'h',
                              'd',
                              0,
                              0,
                              0,
                              6,
                              0,
                              0,
                              0,
                              1,
                              (uint8_t)(MIDI_WRITE_PPQN >> 8),
                              (uint8_t)MIDI_WRITE_PPQN};
    smf_bytes_put(file, header, sizeof header);
    smf_bytes_put(file, "MTrk", 4);
    smf_bytes_put_be(file, (uint32_t)track.length, 4);
    if (!track.failed) smf_bytes_put(file, track.bytes, track.length);
    free(track.bytes);
    return !track.failed && !file->failed;
}

static bool write_all(int fd, const uint8_t *bytes, size_t n)
{
    while (n > 0) {
        ssize_t done = write(fd, bytes, n);
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) return false;
        if (done == 0) {
            errno = EIO;
            return false;
        }
        bytes += done;
        n -= (size_t)done;
    }
    return true;
}

/* The folder's entry of the new name reaches the disk too; a file system
 * that cannot sync folders loses nothing by the attempt. */
static void sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *folder = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!folder) return;
    int fd = open(folder, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(folder);
}

int midi_write_file(const char *path, const MidiWriteSong *song, char *err, size_t err_size)
{
    char what[128];
    const char *problem = check(song, what, sizeof what);
    if (problem) {
        snprintf(err, err_size, "cannot write %s: %s", path, problem);
        return -1;
    }
    SmfBytes file = {0};
    if (!build(song, &file)) {
        free(file.bytes);
        snprintf(err, err_size, "cannot write %s: out of memory", path);
        return -1;
    }

    const size_t length = strlen(path) + 16;
    char *temp = malloc(length);
    if (!temp) {
        free(file.bytes);
        snprintf(err, err_size, "cannot write %s: out of memory", path);
        return -1;
    }
    snprintf(temp, length, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        snprintf(err, err_size, "cannot write %s: cannot create a temporary file beside it: %s",
                 path, strerror(errno));
        free(temp);
        free(file.bytes);
        return -1;
    }
    /* mkstemp makes 0600; the file is the user's music, for any program to read. */
    const char *failed = NULL;
    int error = 0;
    if (fchmod(fd, 0644) != 0)
        failed = "cannot set its mode", error = errno;
    else if (!write_all(fd, file.bytes, file.length))
        failed = "cannot write it", error = errno;
    else if (fsync(fd) != 0)
        failed = "cannot sync it", error = errno;
    if (close(fd) != 0 && !failed) failed = "cannot close it", error = errno;
    if (!failed && rename(temp, path) != 0) failed = "cannot rename it into place", error = errno;
    if (failed) {
        snprintf(err, err_size, "cannot write %s: %s: %s", path, failed, strerror(error));
        unlink(temp);
    } else {
        sync_folder(path);
    }
    free(temp);
    free(file.bytes);
    return failed ? -1 : 0;
}

int64_t midi_write_tick(double beat)
{
    return (int64_t)llround(beat * MIDI_WRITE_PPQN);
}
