/* Threads for independent slices of work (see slices.h). */
#include <pthread.h>

#include <cblas.h>

#include "learn/slices.h"

enum { MAX_SLICES = 64 };

typedef struct {
    SliceFn fn;
    void *ctx;
    int lo, hi;
} Slice;

static void *run_one(void *arg)
{
    Slice *s = arg;
    s->fn(s->ctx, s->lo, s->hi);
    return NULL;
}

void run_slices(int threads, int n, SliceFn fn, void *ctx)
{
    openblas_set_num_threads(1);
    if (threads > n) threads = n;
    if (threads > MAX_SLICES) threads = MAX_SLICES;
    if (threads <= 1) {
        fn(ctx, 0, n);
        return;
    }
    Slice slices[MAX_SLICES];
    pthread_t ids[MAX_SLICES];
    int started[MAX_SLICES] = {0};
    for (int i = 0; i < threads; i++)
        slices[i] =
            (Slice){fn, ctx, (int)((long)n * i / threads), (int)((long)n * (i + 1) / threads)};
    for (int i = 1; i < threads; i++)
        started[i] = pthread_create(&ids[i], NULL, run_one, &slices[i]) == 0;
    run_one(&slices[0]);
    /* A thread that could not start: its slice runs here, the result is the
     * same. */
    for (int i = 1; i < threads; i++) {
        if (started[i])
            pthread_join(ids[i], NULL);
        else
            run_one(&slices[i]);
    }
}
