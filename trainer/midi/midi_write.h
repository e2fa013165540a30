/* Writing a Standard MIDI File: the one writer of cantus-train generate and
 * cantus-render. One format-0 track holds the time signature, the tempo map
 * and the channel messages, at MIDI_WRITE_PPQN ticks per quarter note.
 *
 * The file appears whole or not at all: the bytes go to a temporary file in
 * the target's folder (so the rename never crosses file systems), are
 * synced to the disk, the temporary file gets mode 0644 (a musician's
 * normal readable file, whatever the umask) and is renamed over the target,
 * and the folder is synced. On any failure the temporary file is removed
 * and the target is left as it was.
 *
 * No libsmf here: the bytes are few and simple, and writing them ourselves
 * lets one descriptor be written, synced and closed. The reader
 * (midi_read.h, through smf_check and libsmf) reads every file back.
 */
#ifndef CANTUS_MIDI_WRITE_H
#define CANTUS_MIDI_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* A tick is over 20 frames at 48 kHz at any tempo up to 150 BPM, so a
 * player's step (which falls less than a frame after its beat) rounds back
 * to its exact tick; 960 is divisible by every rate 1..4 and by 3. */
#define MIDI_WRITE_PPQN 960

/* Ticks must stay below this (the reader's bound on a track's length). */
#define MIDI_WRITE_MAX_TICK ((int64_t)1 << 30)

typedef struct {
    int64_t tick; /* from here on */
    double bpm;   /* quarter notes per minute */
} MidiWriteTempo;

typedef struct {
    int64_t tick;
    uint8_t bytes[3]; /* a channel message: status 0x80..0xEF, then its one or two data bytes */
} MidiWriteEvent;

typedef struct {
    int beats_per_bar; /* the time signature, beats_per_bar / beat_unit: 1..255 */
    int beat_unit;     /* its note value: 1, 2, 4 ... 64; 0 is 4 */
    const MidiWriteTempo *tempos;
    int n_tempos; /* at least one; the first at tick 0, ticks rising */
    const MidiWriteEvent *events;
    int n_events;     /* any order: written by tick, events of one tick in the order given */
    int64_t end_tick; /* the track's end; the last event's tick when later */
} MidiWriteSong;

/* The tick of a beat (quarter notes from the start): round(beat x PPQN). */
int64_t midi_write_tick(double beat);

/* Returns 0, or -1 with one sentence (naming the file) in err. */
int midi_write_file(const char *path, const MidiWriteSong *song, char *err, size_t err_size);

#endif
