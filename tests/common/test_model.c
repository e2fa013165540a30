/* The tests' model writer; see test_model.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"
#include "safetensors_write.h"
#include "test_model.h"

#define MAX_LAYERS  8
#define MAX_TENSORS (4 * MAX_LAYERS + 2)

static float *random_floats(CantusRng *rng, int n, float scale, float fixed)
{
    float *p = malloc((size_t)n * sizeof *p);
    if (!p) return NULL;
    for (int i = 0; i < n; i++)
        p[i] =
            fixed != 0.0f ? fixed : (float)((cantus_rng_uniform(rng) - 0.5) * 2.0 * (double)scale);
    return p;
}

static int cut_to_two_thirds(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || truncate(path, st.st_size * 2 / 3) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

int test_model_write(const char *path, const TestModelSpec *spec)
{
    const int vocab = spec->pitches + 2, h = spec->hidden;
    const int layers = spec->layers > 0 ? spec->layers : 1;
    const float scale = spec->scale != 0.0f ? spec->scale : 0.5f;
    const int fc_cols = spec->flaw == FLAW_SHAPE ? h + 1 : h;
    if (layers > MAX_LAYERS) {
        fprintf(stderr, "test_model_write: %d layers, at most %d\n", layers, MAX_LAYERS);
        return -1;
    }
    CantusRng rng;
    cantus_rng_seed(&rng, spec->seed, 11);
    CantusSafetensorsWriteTensor tensors[MAX_TENSORS];
    char names[MAX_TENSORS][32];
    int n = 0;
    for (int k = 0; k < layers; k++) {
        const int in = k == 0 ? vocab + spec->bar_steps : h;
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
            const int count = parts[p].rows * (parts[p].cols ? parts[p].cols : 1);
            tensors[n] = (CantusSafetensorsWriteTensor){
                names[n], random_floats(&rng, count, scale, parts[p].fixed), parts[p].rows,
                parts[p].cols};
            n++;
        }
    }
    tensors[n++] = (CantusSafetensorsWriteTensor){
        "fc.weight", random_floats(&rng, vocab * fc_cols, scale, 0.0f), vocab, fc_cols};
    tensors[n++] = (CantusSafetensorsWriteTensor){
        "fc.bias", random_floats(&rng, vocab, scale, spec->bias), vocab, 0};
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (!tensors[i].data) rc = -1;
    if (rc == 0 && spec->flaw == FLAW_NAN) ((float *)tensors[1].data)[2 * h * h] = NAN;

    char low[16], high[16], rest[16], hold[16], steps[16], bar[16];
    snprintf(bar, sizeof bar, "%d", spec->bar_steps);
    snprintf(steps, sizeof steps, "%d", spec->steps_per_beat > 0 ? spec->steps_per_beat : 1);
    snprintf(low, sizeof low, "%d", spec->note_low);
    snprintf(high, sizeof high, "%d", spec->note_low + spec->pitches - 1);
    snprintf(rest, sizeof rest, "%d", spec->pitches);
    snprintf(hold, sizeof hold, "%d", spec->pitches + 1);
    const CantusSafetensorsWriteMeta meta[] = {
        {"cantus.format", "1"},         {"cantus.note_low", low},
        {"cantus.note_high", high},     {"cantus.rest_token", rest},
        {"cantus.hold_token", hold},    {"cantus.steps_per_beat", steps},
        {"cantus.label", "test model"}, {"cantus.bar_steps", bar}, /* last: only when used */
    };
    char err[512] = "out of memory";
    if (rc == 0)
        rc = cantus_safetensors_write(
            path, tensors, n, meta,
            (int)(sizeof meta / sizeof meta[0]) - (spec->bar_steps > 0 ? 0 : 1), err, sizeof err);
    if (rc != 0) fprintf(stderr, "test_model_write: %s\n", err);
    for (int i = 0; i < n; i++)
        free((void *)tensors[i].data);
    if (rc == 0 && spec->flaw == FLAW_TRUNCATED) rc = cut_to_two_thirds(path);
    return rc;
}

CantusModelInfo test_model_info(int note_low, int pitches)
{
    return (CantusModelInfo){.vocab = pitches + 2,
                             .hidden = 8,
                             .layers = 1,
                             .note_low = note_low,
                             .note_high = note_low + pitches - 1,
                             .pitch_tokens = pitches,
                             .rest_token = pitches,
                             .hold_token = pitches + 1,
                             .steps_per_beat = 1};
}

int test_model_write_default(const char *path, uint32_t seed)
{
    return test_model_write(
        path,
        &(TestModelSpec){.note_low = 60, .pitches = 12, .hidden = 8, .layers = 1, .seed = seed});
}
