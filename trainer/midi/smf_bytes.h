/* The bytes of a Standard MIDI File being built: a buffer that grows, and
 * the file's two ways of writing a number (big-endian, and the
 * variable-length quantity of delta times and meta lengths). The writer
 * (midi_write.c) and the checker's canonical copy (smf_check.c) build
 * their files with it. */
#ifndef CANTUS_SMF_BYTES_H
#define CANTUS_SMF_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *bytes; /* malloc'd; the owner frees it */
    size_t length, capacity;
    bool failed; /* out of memory: what follows is not added */
} SmfBytes;

void smf_bytes_put(SmfBytes *b, const void *bytes, size_t n);
void smf_bytes_put_byte(SmfBytes *b, uint8_t byte);
/* The low `count` bytes of value, most significant first. */
void smf_bytes_put_be(SmfBytes *b, uint32_t value, int count);
/* 7 bits a byte, most significant first, the high bit set on all but the
 * last: 1 to 5 bytes. */
void smf_bytes_put_vlq(SmfBytes *b, uint32_t value);

#endif
