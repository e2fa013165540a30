/* Writes small valid model files through cantus_safetensors_write(), so the
 * tests depend on the format as the core writes and reads it. */
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"
#include "safetensors_write.h"
#include "tiny_model.h"

#define MAX_TENSORS (4 * 8 + 2)

static float *random_floats(CantusRng *rng, int n, float scale, float fixed)
{
    float *p = malloc((size_t)n * sizeof *p);
    if (!p) return NULL;
    for (int i = 0; i < n; i++)
        p[i] =
            fixed != 0.0f ? fixed : (float)((cantus_rng_uniform(rng) - 0.5) * 2.0 * (double)scale);
    return p;
}

int tiny_model_write(const char *path, const TinyModelSpec *spec)
{
    int vocab = spec->pitches + 2, h = spec->hidden;
    float scale = spec->scale != 0.0f ? spec->scale : 0.5f;
    CantusRng rng;
    cantus_rng_seed(&rng, spec->seed, 11);
    CantusSafetensorsWriteTensor tensors[MAX_TENSORS];
    char names[MAX_TENSORS][32];
    int n = 0;
    for (int k = 0; k < spec->layers; k++) {
        int in = k == 0 ? vocab : h;
        const struct {
            const char *kind;
            int rows, cols;
            float fixed;
        } parts[4] = {{"weight_ih", 4 * h, in, 0.0f},
                      {"weight_hh", 4 * h, h, 0.0f},
                      {"bias_ih", 4 * h, 0, spec->bias},
                      {"bias_hh", 4 * h, 0, spec->bias}};
        for (int p = 0; p < 4; p++) {
            snprintf(names[n], sizeof names[n], "lstm.%s_l%d", parts[p].kind, k);
            int count = parts[p].rows * (parts[p].cols ? parts[p].cols : 1);
            tensors[n] = (CantusSafetensorsWriteTensor){
                names[n], random_floats(&rng, count, scale, parts[p].fixed), parts[p].rows,
                parts[p].cols};
            n++;
        }
    }
    tensors[n] = (CantusSafetensorsWriteTensor){
        "fc.weight", random_floats(&rng, vocab * h, scale, 0.0f), vocab, h};
    n++;
    tensors[n] = (CantusSafetensorsWriteTensor){
        "fc.bias", random_floats(&rng, vocab, scale, spec->bias), vocab, 0};
    n++;

    char low[16], high[16], rest[16], hold[16];
    snprintf(low, sizeof low, "%d", spec->note_low);
    snprintf(high, sizeof high, "%d", spec->note_low + spec->pitches - 1);
    snprintf(rest, sizeof rest, "%d", spec->pitches);
    snprintf(hold, sizeof hold, "%d", spec->pitches + 1);
    const CantusSafetensorsWriteMeta meta[] = {
        {"cantus.format", "1"},           {"cantus.note_low", low},
        {"cantus.note_high", high},       {"cantus.rest_token", rest},
        {"cantus.hold_token", hold},      {"cantus.steps_per_beat", "1"},
        {"cantus.genre", "hostile-test"},
    };
    char err[512];
    int rc = cantus_safetensors_write(path, tensors, n, meta, (int)(sizeof meta / sizeof meta[0]),
                                      err, sizeof err);
    if (rc != 0) fprintf(stderr, "tiny_model_write: %s\n", err);
    for (int i = 0; i < n; i++)
        free((void *)tensors[i].data);
    return rc;
}

int tiny_model_write_default(const char *path, uint32_t seed)
{
    TinyModelSpec spec = {60, 12, 8, 1, seed, 0.0f, 0.0f};
    return tiny_model_write(path, &spec);
}
