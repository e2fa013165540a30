/* PyTorch's initialisation and the model-file layout of the weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/lstm_params.h"

void lstm_params_init(LstmParams_f *p, CantusRng *rng)
{
    double bound = 1.0 / sqrt((double)p->hidden);
    for (size_t i = 0; i < p->count; i++)
        p->data[i] = (float)(bound * (2.0 * cantus_rng_uniform(rng) - 1.0));
}

void lstm_params_to_double(LstmParams_d *dst, const LstmParams_f *src)
{
    for (size_t i = 0; i < src->count; i++)
        dst->data[i] = src->data[i];
}

int lstm_params_save(const LstmParams_f *p, const char *path,
                     const CantusSafetensorsWriteMeta *meta, int n_meta, char *err, size_t err_size)
{
    const int V = p->vocab, H = p->hidden, G = 4 * H, I = V + p->bar_steps;
    /* The file holds weight_ih_l0 as PyTorch does, [4H][V + P]. */
    float *w_ih0 = malloc((size_t)G * I * sizeof *w_ih0);
    if (!w_ih0) {
        snprintf(err, err_size, "out of memory writing %s", path);
        return -1;
    }
    for (int v = 0; v < I; v++)
        for (int j = 0; j < G; j++)
            w_ih0[(size_t)j * I + v] = p->emb[(size_t)v * G + j];

    char names[CANTUS_MAX_LAYERS][4][32];
    CantusSafetensorsWriteTensor refs[4 * CANTUS_MAX_LAYERS + 2];
    int n = 0;
    for (int k = 0; k < p->layers; k++) {
        snprintf(names[k][0], sizeof names[k][0], "lstm.weight_ih_l%d", k);
        snprintf(names[k][1], sizeof names[k][1], "lstm.weight_hh_l%d", k);
        snprintf(names[k][2], sizeof names[k][2], "lstm.bias_ih_l%d", k);
        snprintf(names[k][3], sizeof names[k][3], "lstm.bias_hh_l%d", k);
        refs[n++] = (CantusSafetensorsWriteTensor){names[k][0], k == 0 ? w_ih0 : p->w_ih[k], G,
                                                   k == 0 ? I : H};
        refs[n++] = (CantusSafetensorsWriteTensor){names[k][1], p->w_hh[k], G, H};
        refs[n++] = (CantusSafetensorsWriteTensor){names[k][2], p->b_ih[k], G, 0};
        refs[n++] = (CantusSafetensorsWriteTensor){names[k][3], p->b_hh[k], G, 0};
    }
    refs[n++] = (CantusSafetensorsWriteTensor){"fc.weight", p->fc_w, V, H};
    refs[n++] = (CantusSafetensorsWriteTensor){"fc.bias", p->fc_b, V, 0};
    int rc = cantus_safetensors_write(path, refs, n, meta, n_meta, err, err_size);
    free(w_ih0);
    return rc;
}

/* Copies one tensor after checking its shape; cols 1 means a vector. */
static int take(const CantusModel *model, const char *name, float *dst, int rows, int cols,
                int transpose, char *err, size_t err_size)
{
    int r = 0, c = 0;
    const float *src = cantus_model_tensor(model, name, &r, &c);
    if (!src || r != rows || c != cols) {
        snprintf(err, err_size, "the model's tensor %s is missing or not [%d, %d]", name, rows,
                 cols);
        return -1;
    }
    if (!transpose) {
        memcpy(dst, src, (size_t)rows * cols * sizeof *dst);
        return 0;
    }
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            dst[(size_t)j * rows + i] = src[(size_t)i * cols + j];
    return 0;
}

int lstm_params_from_model(LstmParams_f *p, const CantusModel *model, char *err, size_t err_size)
{
    const CantusModelInfo *info = cantus_model_info(model);
    if (lstm_params_alloc_bars_f(p, info->vocab, info->bar_steps, info->hidden, info->layers)) {
        snprintf(err, err_size, "out of memory for the model's weights");
        return -1;
    }
    const int V = p->vocab, H = p->hidden, G = 4 * H;
    int bad = take(model, "lstm.weight_ih_l0", p->emb, G, V + p->bar_steps, 1, err, err_size);
    for (int k = 0; k < p->layers && !bad; k++) {
        char name[32];
        if (k > 0) {
            snprintf(name, sizeof name, "lstm.weight_ih_l%d", k);
            bad |= take(model, name, p->w_ih[k], G, H, 0, err, err_size);
        }
        snprintf(name, sizeof name, "lstm.weight_hh_l%d", k);
        bad |= !bad && take(model, name, p->w_hh[k], G, H, 0, err, err_size);
        snprintf(name, sizeof name, "lstm.bias_ih_l%d", k);
        bad |= !bad && take(model, name, p->b_ih[k], G, 1, 0, err, err_size);
        snprintf(name, sizeof name, "lstm.bias_hh_l%d", k);
        bad |= !bad && take(model, name, p->b_hh[k], G, 1, 0, err, err_size);
    }
    bad |= !bad && take(model, "fc.weight", p->fc_w, V, H, 0, err, err_size);
    bad |= !bad && take(model, "fc.bias", p->fc_b, V, 1, 0, err, err_size);
    if (bad) {
        lstm_params_free_f(p);
        return -1;
    }
    return 0;
}
