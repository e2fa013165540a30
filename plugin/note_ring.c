/* The played-notes ring; see note_ring.h. */
#include "note_ring.h"

#define FRAME_BITS 55
#define FRAME_MASK ((UINT64_C(1) << FRAME_BITS) - 1)
#define ON_BIT     (UINT64_C(1) << 63)

static uint64_t pack(NoteRingEvent event)
{
    const uint64_t frame = event.frame < 0 ? 0 : (uint64_t)event.frame & FRAME_MASK;
    return (event.on ? ON_BIT : 0) | ((uint64_t)(event.pitch & 0x7F) << FRAME_BITS) | frame;
}

static NoteRingEvent unpack(uint64_t word)
{
    return (NoteRingEvent){
        .frame = (int64_t)(word & FRAME_MASK),
        .pitch = (uint8_t)((word >> FRAME_BITS) & 0x7F),
        .on = (word & ON_BIT) != 0,
    };
}

void note_ring_init(NoteRing *ring)
{
    for (int i = 0; i < NOTE_RING_SIZE; i++)
        atomic_init(&ring->slots[i], 0);
    atomic_init(&ring->claimed, 0);
    atomic_init(&ring->published, 0);
    ring->read = 0;
}

void note_ring_push(NoteRing *ring, NoteRingEvent event)
{
    const uint64_t n = atomic_load_explicit(&ring->claimed, memory_order_relaxed);
    /* Claimed before the slot is touched: a consumer that sees the new word
     * then sees this count too (fence to fence), and knows it for new. */
    atomic_store_explicit(&ring->claimed, n + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&ring->slots[n & (NOTE_RING_SIZE - 1)], pack(event),
                          memory_order_relaxed);
    atomic_store_explicit(&ring->published, n + 1, memory_order_release);
}

int note_ring_take(NoteRing *ring, NoteRingEvent *out, int cap, uint64_t *lost)
{
    const uint64_t published = atomic_load_explicit(&ring->published, memory_order_acquire);
    uint64_t start = ring->read;
    if (published - start > NOTE_RING_SIZE) start = published - NOTE_RING_SIZE;
    uint64_t count = published - start;
    if (cap < 0) cap = 0;
    if (count > (uint64_t)cap) count = (uint64_t)cap;

    uint64_t words[NOTE_RING_SIZE];
    for (uint64_t i = 0; i < count; i++)
        words[i] = atomic_load_explicit(&ring->slots[(start + i) & (NOTE_RING_SIZE - 1)],
                                        memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    const uint64_t claimed = atomic_load_explicit(&ring->claimed, memory_order_relaxed);

    /* Slots below claimed - SIZE may hold newer events than we wanted. */
    const uint64_t valid_from = claimed > NOTE_RING_SIZE ? claimed - NOTE_RING_SIZE : 0;
    uint64_t skip = valid_from > start ? valid_from - start : 0;
    if (skip > count) skip = count;
    if (lost) *lost += (start - ring->read) + skip;
    int taken = 0;
    for (uint64_t i = skip; i < count; i++)
        out[taken++] = unpack(words[i]);
    ring->read = start + count;
    return taken;
}
