/* The test MIDI sink; see recorder.h. */
#include "recorder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "midi_ledger.h"

static bool record(void *handle, int64_t frame, const uint8_t message[3])
{
    Recorder *recorder = handle;
    assert_true(recorder->count < recorder->capacity);
    /* A refusing sink (the output buffer full) takes offs but no ons. */
    if (recorder->refuse_note_ons && (message[0] & 0xF0) == 0x90) return false;
    RecordedEvent *event = &recorder->events[recorder->count++];
    event->frame = frame;
    memcpy(event->message, message, 3);
    return true;
}

void recorder_init(Recorder *recorder, size_t capacity)
{
    recorder->events = calloc(capacity, sizeof(RecordedEvent));
    assert_non_null(recorder->events);
    recorder->count = 0;
    recorder->capacity = capacity;
    recorder->refuse_note_ons = false;
}

void recorder_free(Recorder *recorder)
{
    free(recorder->events);
    recorder->events = NULL;
}

CantusMidiSink recorder_sink(Recorder *recorder)
{
    return (CantusMidiSink){record, recorder};
}

bool recorded_is_on(const RecordedEvent *event)
{
    return (event->message[0] & 0xF0) == 0x90 && event->message[2] > 0;
}

bool recorded_is_off(const RecordedEvent *event)
{
    return (event->message[0] & 0xF0) == 0x80 ||
           ((event->message[0] & 0xF0) == 0x90 && event->message[2] == 0);
}

int recorder_check(const Recorder *recorder)
{
    MidiLedger ledger;
    ledger_init(&ledger);
    int64_t last_frame = INT64_MIN;
    int64_t last_on_frame = INT64_MIN;
    for (size_t i = 0; i < recorder->count; i++) {
        const RecordedEvent *event = &recorder->events[i];
        assert_true(event->frame >= last_frame);
        last_frame = event->frame;
        if (!ledger_message(&ledger, event->frame, event->message, 3))
            fail_msg("event %zu: %s", i, ledger.first_error);
        if (recorded_is_on(event)) last_on_frame = event->frame;
        /* Offs first at a frame: none after an on at the same frame. */
        if (recorded_is_off(event)) assert_true(event->frame != last_on_frame);
    }
    return ledger_sounding(&ledger);
}

size_t recorder_note_ons(const Recorder *recorder, int64_t *frames, uint8_t *pitches, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < recorder->count && n < max; i++) {
        if (!recorded_is_on(&recorder->events[i])) continue;
        if (frames) frames[n] = recorder->events[i].frame;
        if (pitches) pitches[n] = recorder->events[i].message[1];
        n++;
    }
    return n;
}
