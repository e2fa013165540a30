/* See smf_bytes.h. */
#include "midi/smf_bytes.h"

#include <stdlib.h>
#include <string.h>

void smf_bytes_put(SmfBytes *b, const void *bytes, size_t n)
{
    if (b->failed) return;
    if (b->length + n > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while (capacity < b->length + n)
            capacity *= 2;
        uint8_t *grown = realloc(b->bytes, capacity);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->bytes = grown;
        b->capacity = capacity;
    }
    memcpy(b->bytes + b->length, bytes, n);
    b->length += n;
}

void smf_bytes_put_byte(SmfBytes *b, uint8_t byte)
{
    smf_bytes_put(b, &byte, 1);
}

void smf_bytes_put_be(SmfBytes *b, uint32_t value, int count)
{
    for (int i = count - 1; i >= 0; i--)
        smf_bytes_put_byte(b, (uint8_t)(value >> (8 * i)));
}

void smf_bytes_put_vlq(SmfBytes *b, uint32_t value)
{
    uint8_t bytes[5];
    int n = 0;
    bytes[4 - n++] = value & 0x7f;
    while ((value >>= 7) != 0)
        bytes[4 - n++] = (uint8_t)(0x80 | (value & 0x7f));
    smf_bytes_put(b, bytes + 5 - n, (size_t)n);
}
