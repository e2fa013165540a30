/* The notes held on the MIDI input (a chord played on a keyboard, or a
 * chord track routed in), for the `harmony` control.
 *
 * One 128-bit set per channel, so a note-off on one channel never releases
 * the same pitch held on another; the chord is the union of the sixteen.
 * Each LV2 MIDI event is read as one message from its first byte:
 *   note-on (velocity > 0)         the pitch is held on its channel;
 *   note-off, note-on velocity 0   it is released (a pitch not held: nothing);
 *   CC 120 / 123 (all sound / all notes off)   the channel's set is emptied;
 * anything else — other messages, a message cut short, a data byte where
 * the status belongs (running status has no place in an LV2 event: each
 * event is a whole message), a data byte of 0x80 or more, bytes after the
 * first message — is ignored. So no input can leave a bit set that no
 * note-on set, or put one outside 0..127. The sustain pedal is not followed.
 *
 * Real-time class: everything here is real-time safe (no allocation).
 */
#ifndef CANTUS_PLUGIN_HELD_NOTES_H
#define CANTUS_PLUGIN_HELD_NOTES_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t bits[16][2]; /* [channel][pitch / 64], bit pitch % 64 */
} CantusHeldNotes;

void held_notes_clear(CantusHeldNotes *held);

/* Applies one MIDI event's bytes; true when the set changed. */
bool held_notes_apply(CantusHeldNotes *held, const uint8_t *message, uint32_t size);

bool held_notes_is_held(const CantusHeldNotes *held, int channel, int pitch);

/* How many (channel, pitch) pairs are held. */
int held_notes_count(const CantusHeldNotes *held);

/* The pitch classes held on any channel (bit 0 = C), 0 when none. */
uint16_t held_notes_pitch_classes(const CantusHeldNotes *held);

#endif
