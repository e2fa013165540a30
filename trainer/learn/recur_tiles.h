/* The recurrence's matrix products in single precision, one register tile
 * at a time, for the CPU found at run time: AVX-512, AVX2+FMA, or none (the
 * training kernel then uses its portable tile, lstm_train_kernel.inc).
 *
 * A tile is C[r][n] = sum over k < K of A[r * lda + k] * Bp[k * nc + n] for
 * r < rows <= mr and n < nc: `rows` rows of the left operand (rows of h or
 * of the gate gradients, one per sequence) times a panel of the right one
 * packed once per pass (W_hh's columns, nc of them contiguous per k), so
 * no step re-packs the weights. C is [mr][nc], row r of it undefined for
 * r >= rows. Each element is summed in k order, with fused multiply-adds,
 * starting from 0, or with `accumulate` from the rows of C as they are
 * (the products of two operands then add up in one chain). */
#ifndef CANTUS_RECUR_TILES_H
#define CANTUS_RECUR_TILES_H

#include <stddef.h>

#include "learn/recur_cells.h"

typedef void (*RecurTileFn)(const float *A, size_t lda, int rows, const float *Bp, int K, float *C,
                            int accumulate);

typedef struct {
    const char *name; /* "avx512", "avx2" */
    int mr, nc;       /* rows (at most 8) and columns of a tile; nc a multiple of 4 */
    RecurTileFn tile;
    /* The forward cells of a block of rows in this instruction set
     * (recur_cells.h), or NULL for the kernel's portable ones. */
    void (*forward_cells)(const CellsForward *c);
} RecurTiles;

/* The tiles for this CPU, or NULL where it has neither AVX-512F nor
 * AVX2+FMA (or the compiler cannot target them). */
const RecurTiles *recur_tiles_f(void);

#endif
