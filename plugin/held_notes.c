/* The notes held on the MIDI input; see held_notes.h for the rules. */
#include "held_notes.h"

void held_notes_clear(CantusHeldNotes *held)
{
    *held = (CantusHeldNotes){0};
}

static bool set_bit(CantusHeldNotes *held, int channel, int pitch, bool on)
{
    uint64_t *word = &held->bits[channel][pitch >> 6];
    const uint64_t bit = UINT64_C(1) << (pitch & 63);
    const uint64_t before = *word;
    *word = on ? before | bit : before & ~bit;
    return *word != before;
}

bool held_notes_apply(CantusHeldNotes *held, const uint8_t *message, uint32_t size)
{
    if (size < 3 || message[1] >= 0x80 || message[2] >= 0x80) return false;
    const int channel = message[0] & 0x0F;
    switch (message[0] & 0xF0) {
    case 0x90:
        return set_bit(held, channel, message[1], message[2] > 0);
    case 0x80:
        return set_bit(held, channel, message[1], false);
    case 0xB0:
        if (message[1] != 120 && message[1] != 123) return false;
        if (!held->bits[channel][0] && !held->bits[channel][1]) return false;
        held->bits[channel][0] = held->bits[channel][1] = 0;
        return true;
    default:
        /* Other messages, and a data byte where the status belongs. */
        return false;
    }
}

bool held_notes_is_held(const CantusHeldNotes *held, int channel, int pitch)
{
    if (channel < 0 || channel > 15 || pitch < 0 || pitch > 127) return false;
    return held->bits[channel][pitch >> 6] >> (pitch & 63) & 1u;
}

int held_notes_count(const CantusHeldNotes *held)
{
    int count = 0;
    for (int c = 0; c < 16; c++)
        count += __builtin_popcountll(held->bits[c][0]) + __builtin_popcountll(held->bits[c][1]);
    return count;
}

uint16_t held_notes_pitch_classes(const CantusHeldNotes *held)
{
    uint64_t any[2] = {0, 0};
    for (int c = 0; c < 16; c++) {
        any[0] |= held->bits[c][0];
        any[1] |= held->bits[c][1];
    }
    uint16_t classes = 0;
    for (int pitch = 0; pitch < 128 && (any[0] | any[1]); pitch++)
        if (any[pitch >> 6] >> (pitch & 63) & 1u) classes |= (uint16_t)(1u << (pitch % 12));
    return classes;
}
