/* libsmf does the parsing; this file decides what is a note. A note starts
 * at a note-on with velocity > 0 and ends at the next note-off (or note-on
 * with velocity 0) of the same channel and pitch in the same track; a second
 * note-on of a sounding pitch ends the first one there (a re-attack), and a
 * note still sounding at the end of its track ends there. */
#include "midi/midi_read.h"

#include <errno.h>
#include <smf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi/smf_check.h"

#define DRUM_CHANNEL 9

static char libsmf_message[MIDI_REASON_SIZE];
static bool libsmf_quiet;

static void keep_libsmf_message(const gchar *domain, GLogLevelFlags level, const gchar *message,
                                gpointer data)
{
    (void)domain;
    (void)level;
    (void)data;
    snprintf(libsmf_message, sizeof libsmf_message, "%s", message ? message : "");
}

void midi_quiet_libsmf(void)
{
    /* libsmf logs through glib's default domain with g_critical/g_warning;
     * the trainer is single-threaded while reading, and nothing else in
     * cantus-train uses glib, so the default handler is ours to take. */
    if (!libsmf_quiet) {
        g_log_set_default_handler(keep_libsmf_message, NULL);
        libsmf_quiet = true;
    }
}

const char *midi_libsmf_last_message(void)
{
    return libsmf_message;
}

void midi_song_free(MidiSong *song)
{
    if (!song) return;
    if (song->track_names)
        for (int i = 0; i < song->n_tracks; i++)
            free(song->track_names[i]);
    free(song->track_names);
    free(song->notes);
    free(song->meters);
    memset(song, 0, sizeof *song);
}

static int compare_notes(const void *a, const void *b)
{
    const MidiNote *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->track != y->track) return x->track - y->track;
    if (x->pitch != y->pitch) return x->pitch - y->pitch;
    return x->channel - y->channel;
}

typedef struct {
    MidiNote *notes;
    int n, cap;
} NoteList;

static int add_note(NoteList *list, MidiNote note)
{
    if (list->n == list->cap) {
        int cap = list->cap ? list->cap * 2 : 256;
        MidiNote *notes = realloc(list->notes, (size_t)cap * sizeof *notes);
        if (!notes) return -1;
        list->notes = notes;
        list->cap = cap;
    }
    list->notes[list->n++] = note;
    return list->n - 1;
}

/* Appends "text" to a track's name, separated by " / " (track name, then
 * instrument name), as the melody heuristic reads both. */
static char *append_name(char *name, const unsigned char *text, int length)
{
    size_t old = name ? strlen(name) : 0;
    char *joined = realloc(name, old + (size_t)length + 4);
    if (!joined) return name;
    if (old) {
        memcpy(joined + old, " / ", 3);
        old += 3;
    }
    for (int i = 0; i < length; i++) /* names are shown and matched: keep them printable */
        joined[old + (size_t)i] = (text[i] >= 32 && text[i] < 127) ? (char)text[i] : '?';
    joined[old + (size_t)length] = '\0';
    return joined;
}

/* smf_check lets through only well-formed time signatures (FF 58 04 nn dd
 * cc bb with nn > 0 and dd <= 6). */
static int add_meter(MidiSong *song, int64_t tick, const unsigned char *m)
{
    MidiMeter *grown = realloc(song->meters, (size_t)(song->n_meters + 1) * sizeof *grown);
    if (!grown) return -1;
    song->meters = grown;
    grown[song->n_meters++] = (MidiMeter){tick, m[3], 1 << m[4]};
    return 0;
}

static int compare_meters(const void *a, const void *b)
{
    const MidiMeter *x = a, *y = b;
    return x->tick < y->tick ? -1 : x->tick > y->tick;
}

static int read_track(smf_track_t *track, int index, NoteList *list, MidiSong *song)
{
    int active[16][128];
    memset(active, -1, sizeof active);
    int64_t last = 0;
    char *name = NULL;

    for (int e = 1; e <= track->number_of_events; e++) {
        smf_event_t *event = smf_track_get_event_by_number(track, e);
        if (!event || event->midi_buffer_length < 1) continue;
        const unsigned char *m = event->midi_buffer;
        int64_t t = event->time_pulses;
        if (t > last) last = t;
        if (m[0] == 0xff) {
            /* canonical meta events: FF type len(1 byte, < 128) text */
            if (event->midi_buffer_length >= 3 && (m[1] == 0x03 || m[1] == 0x04)) {
                int length = m[2];
                if (length > event->midi_buffer_length - 3) length = event->midi_buffer_length - 3;
                name = append_name(name, m + 3, length);
            }
            if (event->midi_buffer_length == 7 && m[1] == 0x58 && m[2] == 4 &&
                add_meter(song, t, m) != 0) {
                free(name);
                return -1;
            }
            continue;
        }
        int kind = m[0] & 0xf0, channel = m[0] & 0x0f;
        if ((kind != 0x90 && kind != 0x80) || event->midi_buffer_length < 3) continue;
        int pitch = m[1] & 0x7f, velocity = m[2] & 0x7f;
        bool on = kind == 0x90 && velocity > 0;
        if (channel == DRUM_CHANNEL) {
            song->drum_notes += on;
            continue;
        }
        int *slot = &active[channel][pitch];
        if (*slot >= 0) {
            list->notes[*slot].end = t;
            *slot = -1;
        }
        if (on) {
            MidiNote note = {index, channel, pitch, velocity, t, t};
            *slot = add_note(list, note);
            if (*slot < 0) {
                free(name);
                return -1;
            }
        }
    }
    for (int c = 0; c < 16; c++)
        for (int p = 0; p < 128; p++)
            if (active[c][p] >= 0) list->notes[active[c][p]].end = last;
    if (last > song->end_tick) song->end_tick = last;
    song->track_names[index] = name ? name : calloc(1, 1);
    return song->track_names[index] ? 0 : -1;
}

int midi_read_memory(const uint8_t *bytes, size_t size, MidiSong *song, char *reason,
                     size_t reason_size)
{
    memset(song, 0, sizeof *song);
    midi_quiet_libsmf();

    uint8_t *clean;
    size_t clean_size;
    if (smf_check(bytes, size, &clean, &clean_size, reason, reason_size) != 0) return -1;

    libsmf_message[0] = '\0';
    smf_t *smf = smf_load_from_memory(clean, (int)clean_size);
    free(clean);
    if (!smf) {
        snprintf(reason, reason_size, "libsmf could not read it: %s",
                 libsmf_message[0] ? libsmf_message : "no reason given");
        return -1;
    }

    song->format = smf->format;
    song->ppqn = smf->ppqn;
    song->n_tracks = smf->number_of_tracks;
    song->track_names = calloc((size_t)(song->n_tracks > 0 ? song->n_tracks : 1), sizeof(char *));
    NoteList list = {0};
    int status = song->track_names ? 0 : -1;
    for (int i = 0; i < song->n_tracks && status == 0; i++) {
        smf_track_t *track = smf_get_track_by_number(smf, i + 1);
        if (!track) {
            song->track_names[i] = calloc(1, 1);
            continue;
        }
        status = read_track(track, i, &list, song);
    }
    smf_delete(smf);
    if (status != 0) {
        free(list.notes);
        midi_song_free(song);
        snprintf(reason, reason_size, "out of memory");
        return -1;
    }
    if (list.n > 1) qsort(list.notes, (size_t)list.n, sizeof *list.notes, compare_notes);
    /* A stable order for equal ticks: qsort is not stable, so sort by tick
     * with insertion (a song has a handful of time signatures). */
    for (int i = 1; i < song->n_meters; i++)
        for (int j = i; j > 0 && compare_meters(&song->meters[j - 1], &song->meters[j]) > 0; j--) {
            MidiMeter swap = song->meters[j];
            song->meters[j] = song->meters[j - 1];
            song->meters[j - 1] = swap;
        }
    song->notes = list.notes;
    song->n_notes = list.n;
    return 0;
}

int midi_read_file(const char *path, MidiSong *song, char *reason, size_t reason_size)
{
    memset(song, 0, sizeof *song);
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(reason, reason_size, "cannot open: %s", strerror(errno));
        return -1;
    }
    uint8_t *bytes = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            if (cap > SMF_CHECK_MAX_FILE) {
                free(bytes);
                fclose(file);
                snprintf(reason, reason_size, "file is larger than %u MiB",
                         SMF_CHECK_MAX_FILE >> 20);
                return -1;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(bytes, cap);
            if (!grown) {
                free(bytes);
                fclose(file);
                snprintf(reason, reason_size, "out of memory");
                return -1;
            }
            bytes = grown;
        }
        size_t got = fread(bytes + size, 1, cap - size, file);
        size += got;
        if (got == 0) break;
    }
    bool failed = ferror(file);
    fclose(file);
    if (failed) {
        free(bytes);
        snprintf(reason, reason_size, "read error");
        return -1;
    }
    int status = midi_read_memory(bytes, size, song, reason, reason_size);
    free(bytes);
    return status;
}
