/* Counting the calls that real-time code must never make: every
 * malloc/calloc/realloc/free/posix_memalign/aligned_alloc/memalign, every
 * mmap/munmap, and every pthread_mutex_lock/trylock, made by the calling
 * thread between alloc_count_begin() and alloc_count_end().
 *
 * Linking this file into a test executable interposes those functions
 * (they forward to the real ones via dlsym(RTLD_NEXT)). It cannot coexist
 * with AddressSanitizer, which interposes the same symbols: build tests
 * that use it only when Meson's `sanitized` is false. */
#ifndef CANTUS_TESTS_ALLOC_COUNT_H
#define CANTUS_TESTS_ALLOC_COUNT_H

typedef struct {
    unsigned long allocs; /* malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign */
    unsigned long frees;
    unsigned long maps;  /* mmap, munmap */
    unsigned long locks; /* pthread_mutex_lock, pthread_mutex_trylock */
} AllocCounts;

/* Starts counting on this thread, from zero. */
void alloc_count_begin(void);
/* Stops counting on this thread and returns what was counted. */
AllocCounts alloc_count_end(void);
/* allocs + frees + maps + locks. */
unsigned long alloc_count_total(AllocCounts counts);

#endif
