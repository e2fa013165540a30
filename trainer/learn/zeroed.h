/* Zeroed memory aligned to the cache line, for the training kernel's
 * arrays. calloc hands large blocks out 16 bytes past a page boundary, so
 * every 64-byte vector load or store of a row would straddle two cache
 * lines; on a line boundary each touches one. Freed with free(). */
#ifndef CANTUS_ZEROED_H
#define CANTUS_ZEROED_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CANTUS_CACHE_LINE = 64 };

static inline void *zeroed_lines(size_t count, size_t size)
{
    if (size && count > (SIZE_MAX - CANTUS_CACHE_LINE) / size) return NULL;
    /* aligned_alloc wants a multiple of the alignment. */
    size_t bytes = (count * size + CANTUS_CACHE_LINE - 1) / CANTUS_CACHE_LINE * CANTUS_CACHE_LINE;
    void *p = aligned_alloc(CANTUS_CACHE_LINE, bytes ? bytes : CANTUS_CACHE_LINE);
    if (p) memset(p, 0, bytes);
    return p;
}

#endif
