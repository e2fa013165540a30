/* clflush per cache line, then mfence so no later load can be served before
 * the lines are gone. x86 only; elsewhere the benchmarks say they cannot
 * measure cold steps rather than measure something warmer. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cache_flush.h"

#define LINE 64

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

int bench_cache_flush_available(void)
{
    __builtin_cpu_init();
    /* clflush is part of SSE2, which every x86-64 CPU has. */
    return __builtin_cpu_supports("sse2");
}

void bench_cache_flush(const void *start, size_t bytes)
{
    if (!start || bytes == 0) return;
    uintptr_t first = (uintptr_t)start & ~(uintptr_t)(LINE - 1);
    uintptr_t end = (uintptr_t)start + bytes;
    _mm_mfence();
    for (uintptr_t line = first; line < end; line += LINE)
        _mm_clflush((const void *)line);
    _mm_mfence();
}
#else
int bench_cache_flush_available(void)
{
    return 0;
}

void bench_cache_flush(const void *start, size_t bytes)
{
    (void)start;
    (void)bytes;
}
#endif

size_t bench_cache_flush_process_data(const void *skip, size_t skip_bytes)
{
    if (!bench_cache_flush_available()) return 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) return 0;
    uintptr_t skip_start = (uintptr_t)skip, skip_end = skip_start + skip_bytes;
    size_t flushed = 0;
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3) continue;
        /* Private and writable: what the process itself wrote (the kernel's
         * [vvar] and [vsyscall] pages are not writable). */
        if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p') continue;
        uintptr_t a = start, b = end;
        if (skip_bytes && a < skip_end && skip_start < b) {
            if (a < skip_start) {
                bench_cache_flush((const void *)a, skip_start - a);
                flushed += skip_start - a;
            }
            if (skip_end < b) {
                bench_cache_flush((const void *)skip_end, b - skip_end);
                flushed += b - skip_end;
            }
            continue;
        }
        bench_cache_flush((const void *)a, b - a);
        flushed += b - a;
    }
    fclose(maps);
    return flushed;
}
