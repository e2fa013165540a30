/* What a loaded model holds, for core/ only: the original tensors (for
 * cantus_model_tensor) and the same weights re-laid-out for the step. */
#ifndef CANTUS_MODEL_INTERNAL_H
#define CANTUS_MODEL_INTERNAL_H

#include "json.h"
#include "model.h"

/* Matrices for the step are stored in row panels: rows [r0, r0 + w) of a
 * matrix with `cols` columns sit at floats [r0 * cols, (r0 + w) * cols),
 * column by column (w consecutive floats per column). A matrix-vector
 * product then streams the weights once, front to back, while w/8 vector
 * accumulators stay in registers. w is CANTUS_PANEL_ROWS except for the
 * last panel, which takes what is left; rows are padded with zero weights
 * to a multiple of CANTUS_ROW_ALIGN. */
#define CANTUS_PANEL_ROWS 64
#define CANTUS_ROW_ALIGN  8
#define CANTUS_ALIGNMENT  64 /* bytes: a cache line, and enough for AVX-512 */

typedef struct {
    /* Layer 0 only: for each token t, the row W_ih[:, t] + b_ih + b_hh, so
     * the one-hot input is a contiguous read of one row and the biases are
     * already in it. NULL for deeper layers. */
    const float *input_rows;
    /* Layer 0 of a metre model only: for each bar position p, the row
     * W_ih[:, V + p] (no biases: the token row has them). NULL otherwise. */
    const float *position_rows;
    const float *panels; /* [W_ih | W_hh] (deeper layers) or W_hh (layer 0) */
    const float *bias;   /* b_ih + b_hh; layer 0 uses it for an out-of-range token */
    int cols;            /* H for layer 0, 2H for deeper layers */
} CantusPackedLayer;

typedef struct {
    int gate_rows;  /* 4H rounded up to CANTUS_ROW_ALIGN */
    int logit_rows; /* V rounded up to CANTUS_ROW_ALIGN */
    CantusPackedLayer layer[CANTUS_MAX_LAYERS];
    const float *fc_panels;
    const float *fc_bias;
    const float *base; /* the one aligned block holding all of the above */
    size_t floats;
} CantusPacked;

typedef struct {
    const char *name; /* owned by the model's header */
    int rows, cols;   /* cols is 1 for a vector */
    const float *data;
} CantusTensor;

#define CANTUS_MAX_TENSORS (4 * CANTUS_MAX_LAYERS + 2)

struct CantusModel {
    CantusModelInfo info;
    CantusJson header; /* the file's header: owns tensor names and metadata strings */
    int metadata;      /* its __metadata__ node, or -1 */
    CantusTensor tensors[CANTUS_MAX_TENSORS];
    int n_tensors;
    float *original; /* the tensors' data, one block */
    CantusPacked packed;
};

/* Lays the weights out for the step; -1 when memory runs out. */
int cantus_model_pack(CantusModel *model);

const CantusPacked *cantus_model_packed(const CantusModel *model);

static inline int cantus_round_up(int n, int to)
{
    return (n + to - 1) / to * to;
}

#endif
