/* The notes run() played, on their way to the inline display: a ring with
 * one producer (the audio thread, which never waits) and one consumer (the
 * host's GUI thread, in render()). Lock-free, C11 atomics only, nothing
 * allocated: it lives inside the plugin instance.
 *
 * The producer overwrites the oldest events when the consumer falls behind
 * (a host that never renders): run() must not wait, and the display only
 * needs the last bars. The consumer notices and skips what it lost.
 *
 * Each event is one 64-bit atomic word, so it is never read half-written;
 * a word the producer overwrote while the consumer read it is recognised by
 * the `claimed` counter (the seqlock pattern) and dropped.
 */
#ifndef CANTUS_PLUGIN_NOTE_RING_H
#define CANTUS_PLUGIN_NOTE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A power of two; 4 s of 64-frame cycles at rate 4 is far fewer events. */
#define NOTE_RING_SIZE 1024

/* run() must never take a lock: the atomics below must be real ones. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

typedef struct {
    int64_t frame; /* the display's frame count, 0 .. 2^55 - 1 */
    uint8_t pitch; /* 0..127 */
    bool on;       /* note-on, else note-off */
} NoteRingEvent;

typedef struct {
    _Atomic uint64_t slots[NOTE_RING_SIZE];
    _Atomic uint64_t claimed;   /* events the producer has begun to write */
    _Atomic uint64_t published; /* events written whole */
    uint64_t read;              /* the consumer's own: events taken or skipped */
} NoteRing;

void note_ring_init(NoteRing *ring);

/* Producer (run()): real-time safe, wait-free. */
void note_ring_push(NoteRing *ring, NoteRingEvent event);

/* Consumer: up to `cap` events not taken yet, oldest first. Events the
 * producer overwrote before they were taken are added to *lost. */
int note_ring_take(NoteRing *ring, NoteRingEvent *out, int cap, uint64_t *lost);

#endif
