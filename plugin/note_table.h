/* The notes the plugin has switched on and not yet off.
 *
 * Every note-on the plugin writes goes through this table together with the
 * frame of its note-off, so that whatever happens next (the gate ends, the
 * transport stops or jumps, the channel changes, the model is swapped, the
 * host deactivates or bypasses us, the user hits panic) the matching
 * note-off is sent, one by one (not a CC 123 a synth may ignore). A note-on
 * is never written when its note-off could not be remembered: a full table
 * releases its oldest note first.
 *
 * Real-time class: all functions are real-time safe (fixed-size table).
 */
#ifndef CANTUS_PLUGIN_NOTE_TABLE_H
#define CANTUS_PLUGIN_NOTE_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* A monophonic line with ties needs two at most; the slack is for safety. */
#define CANTUS_NOTE_TABLE_SIZE 16

/* Where MIDI goes: frame is the plugin's running frame count. write returns
 * false when the message could not be written; a sink must always have room
 * for the note-offs of a full table once it has accepted a note-on (the
 * plugin's output keeps that much in reserve), so only a note-on is ever
 * refused, and a refused note-on is not remembered. */
typedef struct {
    bool (*write)(void *handle, int64_t frame, const uint8_t message[3]);
    void *handle;
} CantusMidiSink;

typedef struct {
    uint8_t channel; /* 0..15 */
    uint8_t pitch;
    int64_t off_frame; /* INT64_MAX: held until something releases it */
} CantusNote;

typedef struct {
    CantusNote notes[CANTUS_NOTE_TABLE_SIZE];
    int count; /* notes[0..count-1], oldest first */
} CantusNoteTable;

void note_table_init(CantusNoteTable *table);

/* Writes a note-on at `frame` and remembers its note-off at off_frame. A
 * note of the same channel and pitch still sounding is released first.
 * False when the sink refused the note-on (nothing is then sounding). */
bool note_table_note_on(CantusNoteTable *table, const CantusMidiSink *sink, int64_t frame,
                        uint8_t channel, uint8_t pitch, uint8_t velocity, int64_t off_frame);

/* The earliest pending note-off frame, INT64_MAX when none. */
int64_t note_table_next_off(const CantusNoteTable *table);

/* Writes (at `frame`) the note-offs of every note due at or before it. */
void note_table_release_due(CantusNoteTable *table, const CantusMidiSink *sink, int64_t frame);

/* Writes note-offs for every sounding note at `frame`. */
void note_table_release_all(CantusNoteTable *table, const CantusMidiSink *sink, int64_t frame);

/* Moves the note-off of a sounding note (a tie); false when not sounding. */
bool note_table_extend(CantusNoteTable *table, uint8_t channel, uint8_t pitch, int64_t off_frame);

bool note_table_is_sounding(const CantusNoteTable *table, uint8_t channel, uint8_t pitch);

/* The note-off frame of a sounding note, -1 when not sounding. */
int64_t note_table_off_frame(const CantusNoteTable *table, uint8_t channel, uint8_t pitch);

#endif
