/* Reading a MIDI file into a list of notes with tick times.
 *
 * The bytes are checked and made canonical by smf_check() before libsmf
 * parses them; libsmf's own glib warnings are captured, so a caller sees one
 * reason per file. Beats come from ticks alone (ticks / ticks-per-quarter),
 * so tempo and meter changes never matter to the notes; the time signatures
 * are kept for the bar positions (melody.h). Drums (channel 10, index 9)
 * are counted and left out.
 */
#ifndef CANTUS_MIDI_READ_H
#define CANTUS_MIDI_READ_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int track;          /* 0-based index among the file's MTrk chunks */
    int channel;        /* 0..15, never 9 */
    int pitch;          /* 0..127 */
    int velocity;       /* 1..127 */
    int64_t start, end; /* ticks; end >= start */
} MidiNote;

/* A time signature: from `tick` on, bars of numerator notes of 1/denominator
 * (6/8: six eighths), the first starting at `tick`. */
typedef struct {
    int64_t tick;
    int numerator, denominator; /* numerator >= 1; denominator 1, 2, 4 ... 64 */
} MidiMeter;

typedef struct {
    int format; /* 0 or 1 */
    int ppqn;   /* ticks per quarter note */
    int n_tracks;
    char **track_names; /* n_tracks strings: track name and instrument name, "" when none */
    MidiNote *notes;    /* sorted by start, then track, then pitch */
    int n_notes;
    int drum_notes;   /* channel-10 notes left out */
    int64_t end_tick; /* time of the last end-of-track */
    /* Time signatures by tick, from every track; of several at one tick the
     * last read counts. None at tick 0 means 4/4 there, as MIDI says. */
    MidiMeter *meters;
    int n_meters;
} MidiSong;

#define MIDI_REASON_SIZE 256

/* Returns 0, or -1 with one reason (no file name, no newline) in reason. */
int midi_read_file(const char *path, MidiSong *song, char *reason, size_t reason_size);
int midi_read_memory(const uint8_t *bytes, size_t size, MidiSong *song, char *reason,
                     size_t reason_size);
void midi_song_free(MidiSong *song);

/* Sends libsmf's glib messages to a quiet handler that keeps the last one
 * (midi_read_* call this themselves). */
void midi_quiet_libsmf(void);
/* The last message libsmf logged since the previous call, or "" . */
const char *midi_libsmf_last_message(void);

#endif
