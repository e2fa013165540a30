/* A ledger of the MIDI a plugin writes, checked message by message: the one
 * note ledger of the tests, shared by the run() fuzz harness, the soak
 * driver, the hostile-host tests, the plugin tests' recorder and the host
 * tests' fixture.
 *
 * What is an error (the contract a synth downstream relies on):
 *   - a message that is not exactly one valid MIDI message (status byte
 *     first, data bytes below 0x80, the length its status implies);
 *   - a note-on of a pitch already sounding on that channel: synths either
 *     stack a second voice (which the single note-off then leaves hanging)
 *     or cut the first note short, so the line is never what was meant;
 *   - a note-off of a pitch that is not sounding: harmless to most synths,
 *     but it means the plugin's note table and reality disagree, and in
 *     follow mode it silences a note the player holds; counted apart
 *     (`stray_offs`) and treated as an error by the callers that can tell
 *     the plugin's notes from notes passed through.
 * A note-on with velocity 0 is a note-off, as MIDI says. */
#ifndef CANTUS_TESTS_COMMON_MIDI_LEDGER_H
#define CANTUS_TESTS_COMMON_MIDI_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint8_t sounding[16][128]; /* 1 while a note sounds */
    int64_t on_frame[16][128]; /* when it started */
    bool ignored[16];          /* channels not checked for balance */
    long note_ons, note_offs;
    long invalid;    /* not a valid MIDI message */
    long double_ons; /* note-on while sounding */
    long stray_offs; /* note-off while silent */
    char first_error[256];
} MidiLedger;

void ledger_init(MidiLedger *ledger);

/* Stop checking note balance on a channel (notes another party plays there). */
void ledger_ignore_channel(MidiLedger *ledger, int channel);

/* True when msg is exactly one valid MIDI message. */
bool midi_message_valid(const uint8_t *msg, uint32_t size);

/* Records one message written at an absolute frame. Returns false when it
 * was an error of any kind (first_error then says which, for the first). */
bool ledger_message(MidiLedger *ledger, int64_t frame, const uint8_t *msg, uint32_t size);

/* Notes sounding on checked channels. */
int ledger_sounding(const MidiLedger *ledger);

/* Errors of any kind so far. */
long ledger_errors(const MidiLedger *ledger);

#endif
