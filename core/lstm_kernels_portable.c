/* The reference kernels: plain C that any compiler vectorises to the
 * baseline ISA, with libm's expf and tanhf. */
#include <math.h>

#include "half.h"
#include "lstm_kernels.h"
#include "model_internal.h"

static void matvec_portable(const float *panels, int rows, int cols, const float *x,
                            const float *init, float *out)
{
    for (int r0 = 0; r0 < rows; r0 += CANTUS_PANEL_ROWS) {
        int w = rows - r0 < CANTUS_PANEL_ROWS ? rows - r0 : CANTUS_PANEL_ROWS;
        const float *p = panels + (size_t)r0 * cols;
        float acc[CANTUS_PANEL_ROWS];
        for (int i = 0; i < w; i++)
            acc[i] = init[r0 + i];
        for (int j = 0; j < cols; j++) {
            float xj = x[j];
            for (int i = 0; i < w; i++)
                acc[i] += p[(size_t)j * w + i] * xj;
        }
        for (int i = 0; i < w; i++)
            out[r0 + i] = acc[i];
    }
}

static void matvec_f16_portable(const uint16_t *panels, int rows, int cols, const float *x,
                                const float *init, float *out)
{
    for (int r0 = 0; r0 < rows; r0 += CANTUS_PANEL_ROWS) {
        int w = rows - r0 < CANTUS_PANEL_ROWS ? rows - r0 : CANTUS_PANEL_ROWS;
        const uint16_t *p = panels + (size_t)r0 * cols;
        float acc[CANTUS_PANEL_ROWS];
        for (int i = 0; i < w; i++)
            acc[i] = init[r0 + i];
        for (int j = 0; j < cols; j++) {
            float xj = x[j];
            for (int i = 0; i < w; i++)
                acc[i] += cantus_half_to_float(p[(size_t)j * w + i]) * xj;
        }
        for (int i = 0; i < w; i++)
            out[r0 + i] = acc[i];
    }
}

static float sigmoid(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static void cell_portable(const float *gates, float *c, float *h, int H)
{
    for (int u = 0; u < H; u++) {
        float i = sigmoid(gates[u]);
        float f = sigmoid(gates[H + u]);
        float g = tanhf(gates[2 * H + u]);
        float o = sigmoid(gates[3 * H + u]);
        c[u] = f * c[u] + i * g;
        h[u] = o * tanhf(c[u]);
    }
}

static const CantusKernels portable = {"portable", matvec_portable, matvec_f16_portable,
                                       cell_portable};

const CantusKernels *cantus_kernels_portable(void)
{
    return &portable;
}
