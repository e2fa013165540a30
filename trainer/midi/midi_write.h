/* Writing a one-track MIDI file of notes with libsmf: a tempo, a 4/4 time
 * signature and the notes, saved to a temporary file beside the target and
 * renamed over it, so no half-written .mid is ever left behind. */
#ifndef CANTUS_MIDI_WRITE_H
#define CANTUS_MIDI_WRITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int pitch;          /* 0..127 */
    int velocity;       /* 1..127 */
    int64_t start, end; /* ticks; end > start */
} MidiWriteNote;

/* Format 0, ppqn ticks per quarter, bpm beats (quarters) per minute, every
 * note on channel (0..15). Returns 0, or -1 with one sentence in err. */
int midi_write_file(const char *path, const MidiWriteNote *notes, int n_notes, int ppqn, double bpm,
                    int channel, char *err, size_t err_size);

#endif
