/* libFuzzer harness: whole files into the model loader.
 *
 * A model file comes from anywhere (a download, a preset someone shared, a
 * half-copied file), and the plugin loads it inside a studio session, so the
 * loader must turn every possible byte string into either a model or one
 * clear sentence. When a file is accepted, everything the plugin will do with
 * it is done here too: a state is made, a few tokens are stepped (in range,
 * out of range, REST/HOLD), and a token is sampled at several temperatures.
 * A loaded model promises finite weights, so its logits must be finite: a
 * NaN here would reach the sampler on the audio thread.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lstm.h"
#include "model.h"
#include "rng.h"
#include "sampler.h"

/* Set by FUZZ_MODEL_TOLERATE_NONFINITE=1 (never in CI): lets a long run look
 * past an open, already reported non-finite-logit finding for other bugs. */
static int tolerate_nonfinite;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *env = getenv("FUZZ_MODEL_TOLERATE_NONFINITE");
    tolerate_nonfinite = env && env[0] == '1';
    return 0;
}

static void fail(const char *what, int step, int token)
{
    fprintf(stderr, "fuzz_model: %s (step %d, token %d)\n", what, step, token);
    abort();
}

static void check_info(const CantusModelInfo *info)
{
    if (info->vocab < 1 || info->vocab > CANTUS_MAX_VOCAB || info->hidden < 1 ||
        info->hidden > CANTUS_MAX_HIDDEN || info->layers < 1 || info->layers > CANTUS_MAX_LAYERS)
        fail("accepted a model with dimensions outside the caps", 0, 0);
    if (info->pitch_tokens != info->note_high - info->note_low + 1 || info->pitch_tokens < 1 ||
        info->pitch_tokens > info->vocab)
        fail("accepted a model whose pitch range does not fit its vocabulary", 0, 0);
    if (info->note_low < 0 || info->note_high > 127)
        fail("accepted a model whose pitches are not MIDI pitches", 0, 0);
    if (info->rest_token >= info->vocab || info->hold_token >= info->vocab ||
        (info->rest_token >= 0 && info->rest_token < info->pitch_tokens) ||
        (info->hold_token >= 0 && info->hold_token < info->pitch_tokens))
        fail("accepted a model whose REST/HOLD token collides or is out of range", 0, 0);
    if (info->steps_per_beat < 1) fail("accepted a model with steps_per_beat < 1", 0, 0);
}

static void exercise(const CantusModel *model)
{
    const CantusModelInfo *info = cantus_model_info(model);
    check_info(info);

    CantusState *state = cantus_state_new(model);
    if (!state) fail("cantus_state_new failed on an accepted model", 0, 0);

    int vocab = info->vocab;
    uint8_t *mask = calloc((size_t)vocab, 1);
    double *scratch = calloc((size_t)vocab, sizeof *scratch);
    if (!mask || !scratch) abort();
    CantusMaskSpec spec = {info->note_low, info->note_high, 0, CANTUS_SCALE_MAJOR, true, 0, 0};
    if (cantus_mask_build(info, &spec, mask) < 1) fail("the mask allows no token", 0, 0);

    CantusRng rng;
    cantus_rng_seed(&rng, 7, 1);
    /* Out-of-range tokens are part of the contract ("a zero input vector"). */
    const int tokens[] = {0, vocab - 1, info->rest_token, info->hold_token, -5, vocab, 1 << 30};
    const float temperatures[] = {1.0f, 0.0f, 1e-6f, 50.0f, NAN, INFINITY};
    int token = 0;
    for (int step = 0; step < 10; step++) {
        int fed = step < 7 ? tokens[step] : token;
        const float *logits = cantus_state_step(state, fed);
        for (int v = 0; v < vocab; v++)
            if (!isfinite(logits[v]) && !tolerate_nonfinite)
                fail("a finite model produced a non-finite logit", step, fed);
        token = cantus_sample(logits, mask, vocab, temperatures[step % 6], &rng, scratch);
        if (token < 0 || token >= vocab || !mask[token])
            fail("the sampler returned a masked or out-of-range token", step, token);
        int pitch = cantus_token_pitch(info, token);
        if (pitch != -1 && (pitch < info->note_low || pitch > info->note_high))
            fail("a token mapped to a pitch outside the model's range", step, token);
    }
    for (int p = -3; p < 131; p += 7) {
        int t = cantus_pitch_token(info, p);
        if (t < -1 || t >= info->pitch_tokens)
            fail("cantus_pitch_token left the pitch tokens", p, t);
    }
    cantus_state_prefetch(state);
    cantus_state_reset(state);
    free(scratch);
    free(mask);
    cantus_state_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CANTUS_ERROR_SIZE];
    err[0] = '\0';
    CantusModel *model = cantus_model_load_memory(data, size, "fuzz.safetensors", err, sizeof err);
    if (!model) {
        /* A refusal must say why, in one sentence. */
        size_t len = strnlen(err, sizeof err);
        if (len == 0 || len == sizeof err || strchr(err, '\n'))
            fail("a refused file gave no one-line reason", 0, 0);
        return 0;
    }
    exercise(model);
    cantus_model_free(model);
    return 0;
}
