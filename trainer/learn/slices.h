/* Work split into contiguous slices run on threads of our own: used for
 * the parts of a training step whose rows are independent (the recurrence
 * of each sequence of a batch, softmax rows, gradient columns). Each slice
 * is a fixed function of (n, threads), so results do not depend on timing:
 * the same thread count gives the same bytes. */
#ifndef CANTUS_SLICES_H
#define CANTUS_SLICES_H

typedef void (*SliceFn)(void *ctx, int lo, int hi);

/* Calls fn(ctx, lo, hi) over [0, n) in `threads` slices at once (the caller
 * runs the first); threads <= 1 calls fn(ctx, 0, n) directly. OpenBLAS is
 * set to one thread and left so: the training kernel cuts every GEMM into
 * slices itself, and OpenBLAS's own threads, spinning between calls, would
 * only compete with ours for the cores. */
void run_slices(int threads, int n, SliceFn fn, void *ctx);

#endif
