/* Re-laying-out the weights at load time, so the step reads each weight
 * exactly once, in address order, in panels sized for the registers (see
 * model_internal.h). Nothing here is on the audio thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static const CantusTensor *tensor(const CantusModel *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return &m->tensors[i];
    return NULL;
}

static const CantusTensor *layer_tensor(const CantusModel *m, const char *kind, int layer)
{
    char name[64];
    snprintf(name, sizeof name, "lstm.%s_l%d", kind, layer);
    return tensor(m, name);
}

/* Packs [a | b] (b may be NULL) with `rows` real rows into panels of
 * padded_rows rows. a has a_cols columns, b has b_cols. */
static void pack_panels(float *dst, const float *a, int a_cols, const float *b, int b_cols,
                        int rows, int padded_rows)
{
    int cols = a_cols + b_cols;
    for (int r0 = 0; r0 < padded_rows; r0 += CANTUS_PANEL_ROWS) {
        int w = padded_rows - r0 < CANTUS_PANEL_ROWS ? padded_rows - r0 : CANTUS_PANEL_ROWS;
        float *panel = dst + (size_t)r0 * cols;
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < w; i++) {
                int r = r0 + i;
                float v = 0.0f;
                if (r < rows)
                    v = j < a_cols ? a[(size_t)r * a_cols + j] : b[(size_t)r * b_cols + j - a_cols];
                panel[(size_t)j * w + i] = v;
            }
        }
    }
}

static size_t aligned_floats(size_t n)
{
    size_t per_line = CANTUS_ALIGNMENT / sizeof(float);
    return (n + per_line - 1) / per_line * per_line;
}

int cantus_model_pack(CantusModel *m)
{
    const CantusModelInfo *info = &m->info;
    int H = info->hidden, V = info->vocab, L = info->layers, P = info->bar_steps;
    int I = V + P; /* columns of W_ih_l0: tokens, then bar positions */
    int R = cantus_round_up(4 * H, CANTUS_ROW_ALIGN);
    int VR = cantus_round_up(V, CANTUS_ROW_ALIGN);

    /* Sizes first, then one block: fewer allocations, and prefetching walks
     * a single range. */
    size_t input_rows = aligned_floats((size_t)V * R);
    size_t position_rows = aligned_floats((size_t)P * R);
    size_t layer_bias = aligned_floats((size_t)R);
    size_t total = input_rows + position_rows;
    for (int k = 0; k < L; k++)
        total += aligned_floats((size_t)R * (k == 0 ? H : 2 * H)) + layer_bias;
    total += aligned_floats((size_t)VR * H) + aligned_floats((size_t)VR);

    float *block = NULL;
    if (posix_memalign((void **)&block, CANTUS_ALIGNMENT, total * sizeof(float)) != 0) return -1;
    memset(block, 0, total * sizeof(float));

    CantusPacked *p = &m->packed;
    p->gate_rows = R;
    p->logit_rows = VR;
    p->base = block;
    p->floats = total;

    float *cursor = block;
    for (int k = 0; k < L; k++) {
        const float *w_ih = layer_tensor(m, "weight_ih", k)->data;
        const float *w_hh = layer_tensor(m, "weight_hh", k)->data;
        const float *b_ih = layer_tensor(m, "bias_ih", k)->data;
        const float *b_hh = layer_tensor(m, "bias_hh", k)->data;
        CantusPackedLayer *pl = &p->layer[k];

        float *bias = NULL;
        if (k == 0) {
            float *rows = cursor;
            cursor += input_rows;
            for (int t = 0; t < V; t++)
                for (int r = 0; r < 4 * H; r++)
                    rows[(size_t)t * R + r] = w_ih[(size_t)r * I + t] + b_ih[r] + b_hh[r];
            pl->input_rows = rows;
            float *positions = cursor;
            cursor += position_rows;
            for (int q = 0; q < P; q++)
                for (int r = 0; r < 4 * H; r++)
                    positions[(size_t)q * R + r] = w_ih[(size_t)r * I + V + q];
            pl->position_rows = P > 0 ? positions : NULL;
            float *panels = cursor;
            cursor += aligned_floats((size_t)R * H);
            pack_panels(panels, w_hh, H, NULL, 0, 4 * H, R);
            pl->panels = panels;
            pl->cols = H;
        } else {
            float *panels = cursor;
            cursor += aligned_floats((size_t)R * 2 * H);
            pack_panels(panels, w_ih, H, w_hh, H, 4 * H, R);
            pl->input_rows = NULL;
            pl->position_rows = NULL;
            pl->panels = panels;
            pl->cols = 2 * H;
        }
        bias = cursor;
        cursor += layer_bias;
        for (int r = 0; r < 4 * H; r++)
            bias[r] = b_ih[r] + b_hh[r];
        pl->bias = bias;
    }

    float *fc_panels = cursor;
    cursor += aligned_floats((size_t)VR * H);
    pack_panels(fc_panels, tensor(m, "fc.weight")->data, H, NULL, 0, V, VR);
    float *fc_bias = cursor;
    memcpy(fc_bias, tensor(m, "fc.bias")->data, (size_t)V * sizeof(float));
    p->fc_panels = fc_panels;
    p->fc_bias = fc_bias;
    return 0;
}

const CantusPacked *cantus_model_packed(const CantusModel *model)
{
    return &model->packed;
}
