/* The interposer behind alloc_count.h. The real functions are found lazily
 * with dlsym(RTLD_NEXT); dlsym itself may call calloc before the real one
 * is known, so those first few calls are served from a static arena that
 * free() recognises and ignores. Counters are per thread, so a worker
 * thread allocating in the background never fails a test of run(). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "alloc_count.h"

static _Thread_local int counting;
static _Thread_local AllocCounts counts;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
static int (*real_mutex_lock)(pthread_mutex_t *);
static int (*real_mutex_trylock)(pthread_mutex_t *);

static _Alignas(16) unsigned char arena[16384];
static size_t arena_used;
static int resolving;

static void *arena_alloc(size_t size)
{
    size = (size + 15u) & ~(size_t)15u;
    if (arena_used + size > sizeof arena) return NULL;
    void *p = arena + arena_used;
    arena_used += size;
    return p;
}

static int in_arena(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

/* dlsym returns void *; converting it to a function pointer is what POSIX
 * requires dlsym to support. */
#define RESOLVE(var, name) memcpy(&(var), &(void *){dlsym(RTLD_NEXT, name)}, sizeof(var))

static void resolve(void)
{
    if (real_free || resolving) return;
    resolving = 1;
    RESOLVE(real_calloc, "calloc");
    RESOLVE(real_malloc, "malloc");
    RESOLVE(real_realloc, "realloc");
    RESOLVE(real_posix_memalign, "posix_memalign");
    RESOLVE(real_aligned_alloc, "aligned_alloc");
    RESOLVE(real_memalign, "memalign");
    RESOLVE(real_mmap, "mmap");
    RESOLVE(real_munmap, "munmap");
    RESOLVE(real_mutex_lock, "pthread_mutex_lock");
    RESOLVE(real_mutex_trylock, "pthread_mutex_trylock");
    RESOLVE(real_free, "free");
    resolving = 0;
}

void alloc_count_begin(void)
{
    resolve();
    memset(&counts, 0, sizeof counts);
    counting = 1;
}

AllocCounts alloc_count_end(void)
{
    counting = 0;
    return counts;
}

unsigned long alloc_count_total(AllocCounts c)
{
    return c.allocs + c.frees + c.maps + c.locks;
}

void *malloc(size_t size)
{
    resolve();
    if (!real_malloc) return arena_alloc(size);
    if (counting) counts.allocs++;
    return real_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    resolve();
    if (!real_calloc) return arena_alloc(n * size); /* the arena is zeroed static memory */
    if (counting) counts.allocs++;
    return real_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    resolve();
    if (counting) counts.allocs++;
    if (in_arena(p)) {
        void *q = real_malloc(size);
        size_t left = (size_t)(arena + sizeof arena - (unsigned char *)p);
        if (q) memcpy(q, p, size < left ? size : left);
        return q;
    }
    return real_realloc(p, size);
}

void free(void *p)
{
    if (!p || in_arena(p)) return;
    resolve();
    if (counting) counts.frees++;
    real_free(p);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    resolve();
    if (counting) counts.allocs++;
    return real_posix_memalign(out, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    resolve();
    if (counting) counts.allocs++;
    return real_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size)
{
    resolve();
    if (counting) counts.allocs++;
    return real_memalign(alignment, size);
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    resolve();
    if (counting) counts.maps++;
    return real_mmap(addr, length, prot, flags, fd, offset);
}

int munmap(void *addr, size_t length)
{
    resolve();
    if (counting) counts.maps++;
    return real_munmap(addr, length);
}

int pthread_mutex_lock(pthread_mutex_t *mutex)
{
    resolve();
    if (counting) counts.locks++;
    return real_mutex_lock(mutex);
}

int pthread_mutex_trylock(pthread_mutex_t *mutex)
{
    resolve();
    if (counting) counts.locks++;
    return real_mutex_trylock(mutex);
}
