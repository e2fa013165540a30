/* The MIDI ledger: see midi_ledger.h for what counts as an error and why. */
#include <stdio.h>
#include <string.h>

#include "midi_ledger.h"

void ledger_init(MidiLedger *ledger)
{
    memset(ledger, 0, sizeof *ledger);
}

void ledger_ignore_channel(MidiLedger *ledger, int channel)
{
    if (channel < 0 || channel > 15) return;
    ledger->ignored[channel] = true;
    memset(ledger->sounding[channel], 0, sizeof ledger->sounding[channel]);
}

/* Bytes a channel or system message takes, status included; 0 when the
 * length is not fixed (sysex) or the status is undefined. */
static uint32_t message_length(uint8_t status)
{
    switch (status & 0xF0) {
    case 0x80:
    case 0x90:
    case 0xA0:
    case 0xB0:
    case 0xE0:
        return 3;
    case 0xC0:
    case 0xD0:
        return 2;
    default:
        break;
    }
    switch (status) {
    case 0xF1:
    case 0xF3:
        return 2;
    case 0xF2:
        return 3;
    case 0xF6:
    case 0xF8:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0xFE:
    case 0xFF:
        return 1;
    default:
        return 0;
    }
}

bool midi_message_valid(const uint8_t *msg, uint32_t size)
{
    if (size == 0 || !(msg[0] & 0x80)) return false;
    if (msg[0] == 0xF0) {
        /* A whole sysex: F0, data bytes, F7. */
        if (size < 2 || msg[size - 1] != 0xF7) return false;
        for (uint32_t i = 1; i + 1 < size; i++)
            if (msg[i] & 0x80) return false;
        return true;
    }
    uint32_t length = message_length(msg[0]);
    if (length == 0 || size != length) return false;
    for (uint32_t i = 1; i < size; i++)
        if (msg[i] & 0x80) return false;
    return true;
}

static void note_error(MidiLedger *ledger, const char *what, int64_t frame, const uint8_t *msg,
                       uint32_t size)
{
    if (ledger->first_error[0]) return;
    snprintf(ledger->first_error, sizeof ledger->first_error,
             "%s at frame %lld: %u bytes %02x %02x %02x", what, (long long)frame, size,
             size > 0 ? msg[0] : 0, size > 1 ? msg[1] : 0, size > 2 ? msg[2] : 0);
}

bool ledger_message(MidiLedger *ledger, int64_t frame, const uint8_t *msg, uint32_t size)
{
    if (!midi_message_valid(msg, size)) {
        ledger->invalid++;
        note_error(ledger, "invalid MIDI message", frame, msg, size);
        return false;
    }
    uint8_t kind = msg[0] & 0xF0;
    int channel = msg[0] & 0x0F;
    if (kind != 0x80 && kind != 0x90) return true;
    int pitch = msg[1];
    bool on = kind == 0x90 && msg[2] > 0;
    if (on)
        ledger->note_ons++;
    else
        ledger->note_offs++;
    if (ledger->ignored[channel]) return true;
    if (on) {
        if (ledger->sounding[channel][pitch]) {
            ledger->double_ons++;
            note_error(ledger, "note-on of a pitch already sounding", frame, msg, size);
            return false;
        }
        ledger->sounding[channel][pitch] = 1;
        ledger->on_frame[channel][pitch] = frame;
        return true;
    }
    if (!ledger->sounding[channel][pitch]) {
        ledger->stray_offs++;
        note_error(ledger, "note-off of a pitch not sounding", frame, msg, size);
        return false;
    }
    ledger->sounding[channel][pitch] = 0;
    return true;
}

int ledger_sounding(const MidiLedger *ledger)
{
    int n = 0;
    for (int c = 0; c < 16; c++)
        for (int p = 0; p < 128; p++)
            n += ledger->sounding[c][p];
    return n;
}

long ledger_errors(const MidiLedger *ledger)
{
    return ledger->invalid + ledger->double_ons + ledger->stray_offs;
}
