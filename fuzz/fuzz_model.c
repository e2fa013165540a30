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
 *
 * The header (as its length says, or all bytes after the length when it says
 * more) also goes straight into core's JSON reader (core/json.c), whose
 * answer is checked against the text itself: every
 * string is valid UTF-8 without NUL and re-escapes to a JSON string that
 * reads back the same, every key is found by lookup, every integer is the
 * one its text says, a refusal names a place inside the text.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lstm.h"
#include "model.h"
#include "rng.h"
#include "sampler.h"

/* Set by FUZZ_MODEL_TOLERATE_NONFINITE=1 (never in CI): lets a long run look
 * past non-finite logits for other bugs (once: finite weights whose sums
 * overflow to NaN; regression test weights_whose_products_overflow in
 * tests/hostile/test_model_overflow.c). */
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

    CantusLstmState *state = cantus_lstm_state_new(model);
    if (!state) fail("cantus_lstm_state_new failed on an accepted model", 0, 0);

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
        const float *logits = cantus_lstm_state_step(state, fed);
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
    cantus_lstm_state_prefetch(state);
    cantus_lstm_state_reset(state);
    free(scratch);
    free(mask);
    cantus_lstm_state_free(state);
}

static void check_string(const CantusJson *doc, int node)
{
    const char *s = cantus_json_string(doc, node);
    if (!s || strlen(s) != doc->nodes[node].count) fail("a JSON string's length is wrong", node, 0);
    size_t n = cantus_json_write_string(NULL, s);
    if (n == (size_t)-1) fail("the JSON reader returned a string that is not UTF-8", node, 0);
    char *text = malloc(n + 2);
    if (!text) abort();
    text[0] = '[';
    cantus_json_write_string(text + 1, s);
    text[n + 1] = ']';
    CantusJson again;
    CantusJsonError err;
    if (cantus_json_parse(text, n + 2, &again, &err) != 0 ||
        strcmp(cantus_json_string(&again, cantus_json_first(&again, 0)), s) != 0)
        fail("a JSON string did not survive escaping and reading back", node, 0);
    cantus_json_free(&again);
    free(text);
}

static void check_json(const char *text, size_t len)
{
    CantusJson doc;
    CantusJsonError err = {"", 0};
    if (cantus_json_parse(text, len, &doc, &err) != 0) {
        if (doc.nodes || !err.text[0] || strchr(err.text, '\n') || err.pos > len)
            fail("a JSON refusal gave no reason or a place outside the text", (int)err.pos, 0);
        return;
    }
    if (doc.n_nodes < 1) fail("an accepted JSON text has no nodes", 0, 0);
    for (uint32_t i = 0; i < doc.n_nodes; i++) {
        const CantusJsonNode *n = &doc.nodes[i];
        if (n->pos >= len) fail("a JSON node lies outside the text", (int)i, 0);
        if (n->type == CANTUS_JSON_STRING) check_string(&doc, (int)i);
        if (n->type == CANTUS_JSON_INTEGER) {
            /* An int64 is at most 20 characters; the text is not terminated. */
            char digits[24] = "";
            size_t k = 0;
            while (
                k < sizeof digits - 1 && n->pos + k < len &&
                (text[n->pos + k] == '-' || (text[n->pos + k] >= '0' && text[n->pos + k] <= '9')))
                digits[k] = text[n->pos + k], k++;
            long long v = strtoll(digits, NULL, 10);
            if (v != n->u.integer) fail("a JSON integer differs from its text", (int)i, 0);
        }
        if (n->type == CANTUS_JSON_ARRAY || n->type == CANTUS_JSON_OBJECT) {
            int count = 0;
            for (int c = cantus_json_first(&doc, (int)i); c >= 0; c = cantus_json_next(&doc, c)) {
                if ((uint32_t)c <= i || (uint32_t)c >= doc.n_nodes)
                    fail("a JSON child index points backwards or outside", (int)i, c);
                if (n->type == CANTUS_JSON_OBJECT) {
                    if (!cantus_json_is(&doc, c, CANTUS_JSON_STRING))
                        fail("a JSON member key is not a string", (int)i, c);
                    if (cantus_json_object_get(&doc, (int)i, cantus_json_string(&doc, c)) !=
                        cantus_json_value(c))
                        fail("a JSON key is not found by lookup (a duplicate kept?)", (int)i, c);
                }
                count++;
            }
            if (count != cantus_json_size(&doc, (int)i))
                fail("a JSON container's size differs from its children", (int)i, count);
        }
    }
    cantus_json_free(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8) {
        /* The header as the length says, or all that follows when it says more. */
        uint64_t len = 0;
        for (int i = 7; i >= 0; i--)
            len = len << 8 | data[i];
        if (len > size - 8) len = size - 8;
        if (len <= CANTUS_MAX_HEADER) check_json((const char *)data + 8, (size_t)len);
    }

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
