/* The forward LSTM cell of the recurrence for the rows of one block and
 * the 16 units of one panel, written for AVX-512 (recur_cells.c). The
 * training kernel's portable cell (lstm_train_kernel.inc) does the same
 * maths; this one exists because the compiler's vectorisation of that one
 * keeps a vector division in each of the five activations (the divider
 * shares the FMA port) and re-checks pointer aliasing for every row. Here
 * a reciprocal is the CPU's 14-bit estimate and one Newton step, and the
 * rows are known not to overlap. (The backward cell has no division; an
 * AVX-512 version of it measured slower than the compiler's.)
 *
 * Row r of every per-row array is at the base + r times its stride (H for
 * the cell states, G = 4H for the gates); gate q of a unit is at + q·H from
 * the unit, as everywhere in the kernel. Bases point at the panel's first
 * unit j0, but for the gathered input rows, which every panel shares. */
#ifndef CANTUS_RECUR_CELLS_H
#define CANTUS_RECUR_CELLS_H

typedef struct {
    const float *acc;                  /* [rows][64]: i, f, g, o sums of 16 units */
    const float *bias;                 /* b_ih + b_hh */
    const float *const *e, *const *e2; /* per row: layer 0's gathered rows (or zeros), whole */
    int j0;                            /* the panel's first unit in e and e2 */
    const float *cp;                   /* c(t-1) */
    float *cn, *tn, *hn;               /* c(t), tanh c(t), h(t) */
    float *g;                          /* activated gates */
    int rows, H;
} CellsForward;

/* 16 units per row (the forward tile's U). */
void recur_cells_forward_avx512(const CellsForward *c);

#endif
