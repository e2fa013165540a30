/* The active-note table; see note_table.h. */
#include "note_table.h"

#include <lv2/midi/midi.h>

static void write_note_off(const CantusMidiSink *sink, int64_t frame, const CantusNote *note)
{
    const uint8_t message[3] = {(uint8_t)(LV2_MIDI_MSG_NOTE_OFF | note->channel), note->pitch, 0};
    sink->write(sink->handle, frame, message);
}

static void remove_at(CantusNoteTable *table, int index)
{
    for (int i = index; i + 1 < table->count; i++)
        table->notes[i] = table->notes[i + 1];
    table->count--;
}

static int find(const CantusNoteTable *table, uint8_t channel, uint8_t pitch)
{
    for (int i = 0; i < table->count; i++)
        if (table->notes[i].channel == channel && table->notes[i].pitch == pitch) return i;
    return -1;
}

void note_table_init(CantusNoteTable *table)
{
    table->count = 0;
}

bool note_table_note_on(CantusNoteTable *table, const CantusMidiSink *sink, int64_t frame,
                        uint8_t channel, uint8_t pitch, uint8_t velocity, int64_t off_frame)
{
    channel &= 0x0F;
    pitch &= 0x7F;
    /* A note-on with velocity 0 is a note-off to MIDI: never send one. */
    if (velocity == 0) velocity = 1;
    velocity &= 0x7F;

    const int same = find(table, channel, pitch);
    if (same >= 0) {
        write_note_off(sink, frame, &table->notes[same]);
        remove_at(table, same);
    }
    if (table->count == CANTUS_NOTE_TABLE_SIZE) {
        write_note_off(sink, frame, &table->notes[0]);
        remove_at(table, 0);
    }
    const uint8_t message[3] = {(uint8_t)(LV2_MIDI_MSG_NOTE_ON | channel), pitch, velocity};
    if (!sink->write(sink->handle, frame, message)) return false;
    table->notes[table->count++] = (CantusNote){channel, pitch, off_frame};
    return true;
}

int64_t note_table_next_off(const CantusNoteTable *table)
{
    int64_t next = INT64_MAX;
    for (int i = 0; i < table->count; i++)
        if (table->notes[i].off_frame < next) next = table->notes[i].off_frame;
    return next;
}

void note_table_release_due(CantusNoteTable *table, const CantusMidiSink *sink, int64_t frame)
{
    for (int i = 0; i < table->count;) {
        if (table->notes[i].off_frame <= frame) {
            write_note_off(sink, frame, &table->notes[i]);
            remove_at(table, i);
        } else {
            i++;
        }
    }
}

void note_table_release_all(CantusNoteTable *table, const CantusMidiSink *sink, int64_t frame)
{
    for (int i = 0; i < table->count; i++)
        write_note_off(sink, frame, &table->notes[i]);
    table->count = 0;
}

bool note_table_extend(CantusNoteTable *table, uint8_t channel, uint8_t pitch, int64_t off_frame)
{
    const int index = find(table, channel, pitch);
    if (index < 0) return false;
    table->notes[index].off_frame = off_frame;
    return true;
}

bool note_table_is_sounding(const CantusNoteTable *table, uint8_t channel, uint8_t pitch)
{
    return find(table, channel, pitch) >= 0;
}

int64_t note_table_off_frame(const CantusNoteTable *table, uint8_t channel, uint8_t pitch)
{
    const int index = find(table, channel, pitch);
    return index < 0 ? -1 : table->notes[index].off_frame;
}
