/* Cold caches for benchmarks: every cache line of a range written back and
 * evicted from every level (clflush), then a fence, so the next access goes
 * to DRAM whatever the size of the last-level cache. Streaming a buffer
 * "several times the L3" does not do that on a machine whose L3 is larger
 * than the buffer. Shared by the step benchmark, the plugin's benchmark and
 * (as a shared module loaded through ctypes) PyTorch's step benchmark. */
#ifndef CANTUS_BENCH_CACHE_FLUSH_H
#define CANTUS_BENCH_CACHE_FLUSH_H

#include <stddef.h>

/* 1 where this build and CPU can flush cache lines (x86 with clflush), else
 * 0: the benchmarks then print that they cannot measure cold steps. */
int bench_cache_flush_available(void);

/* Flushes every line of [start, start + bytes) from the caches and fences.
 * Does nothing where bench_cache_flush_available() is 0. */
void bench_cache_flush(const void *start, size_t bytes);

/* Flushes every line of every private writable mapping of this process
 * (heap, anonymous mappings, libraries' data) except [skip, skip +
 * skip_bytes): for a benchmark that cannot reach the memory it wants cold,
 * such as a plugin's model behind lilv. Returns the bytes flushed, 0 where
 * flushing is not available or /proc/self/maps cannot be read. */
size_t bench_cache_flush_process_data(const void *skip, size_t skip_bytes);

#endif
