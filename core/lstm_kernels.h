/* The two hot loops of a step, in a portable version and an AVX2+FMA one.
 * The state picks one when it is created, so a step pays one indirect call
 * per product, never a CPU check. Internal to core/. */
#ifndef CANTUS_LSTM_KERNELS_H
#define CANTUS_LSTM_KERNELS_H

#include <stdint.h>

typedef struct {
    const char *name;
    /* out[0..rows) = init[0..rows) + M x, M in the panel layout of
     * model_internal.h with `rows` (a multiple of 8) rows and `cols` columns. */
    void (*matvec)(const float *panels, int rows, int cols, const float *x, const float *init,
                   float *out);
    /* The same with the weights in IEEE half precision (the opt-in
     * CANTUS_PRECISION_F16 mode); accumulation stays in float. */
    void (*matvec_f16)(const uint16_t *panels, int rows, int cols, const float *x,
                       const float *init, float *out);
    /* PyTorch's LSTM cell from the pre-activations gates[i | f | g | o]
     * (H each): c = sigmoid(f) c + sigmoid(i) tanh(g); h = sigmoid(o) tanh(c). */
    void (*cell)(const float *gates, float *c, float *h, int H);
} CantusKernels;

const CantusKernels *cantus_kernels_portable(void);
#if defined(__x86_64__) || defined(__i386__)
extern const CantusKernels cantus_avx2_kernels; /* call only where the CPU has them */
#endif
/* NULL when this build or this CPU lacks AVX2, FMA or F16C. */
const CantusKernels *cantus_kernels_avx2(void);

#endif
