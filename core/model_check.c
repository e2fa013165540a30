/* What a model file means, checked on top of the safetensors framing:
 * the cantus.* metadata, the tensor names (layers numbered from l0 without
 * gaps), and shapes consistent with one another and with the vocabulary.
 *
 * Tensors other than the LSTM's and the dense layer's are rejected, not
 * ignored: an extra tensor usually means a different architecture (a
 * bidirectional LSTM's *_reverse weights, a projection, an embedding) whose
 * outputs this step would silently get wrong. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_check.h"
#include "model_error.h"

static const char *const lstm_kinds[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};

/* A metadata integer: optional '-', then digits, nothing else, in [lo, hi]. */
static int metadata_int(const CantusSafetensorsReadFile *f, const char *name, const char *key,
                        int lo, int hi, int *out, char *err, size_t err_size)
{
    const char *s = cantus_safetensors_read_metadata(f, key);
    if (!s) {
        cantus_model_error(err, err_size, name, "required metadata key '%s' is missing", key);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    bool digits_only = *s && (*s == '-' || (*s >= '0' && *s <= '9'));
    if (!digits_only || *end != '\0' || errno != 0 || v < lo || v > hi) {
        cantus_model_error(err, err_size, name,
                           "metadata key '%s' is '%s', expected an integer in %d..%d", key, s, lo,
                           hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cantus_check_metadata(const CantusSafetensorsReadFile *f, const char *name,
                          CantusModelInfo *info, char *err, size_t err_size)
{
    const char *format = cantus_safetensors_read_metadata(f, "cantus.format");
    if (!format) {
        cantus_model_error(err, err_size, name, "required metadata key 'cantus.format' is missing");
        return -1;
    }
    if (strcmp(format, "1") != 0) {
        cantus_model_error(err, err_size, name,
                           "metadata key 'cantus.format' is '%s', expected '1'", format);
        return -1;
    }
    if (metadata_int(f, name, "cantus.note_low", 0, 127, &info->note_low, err, err_size) ||
        metadata_int(f, name, "cantus.note_high", 0, 127, &info->note_high, err, err_size) ||
        metadata_int(f, name, "cantus.rest_token", -1, CANTUS_MAX_VOCAB, &info->rest_token, err,
                     err_size) ||
        metadata_int(f, name, "cantus.hold_token", -1, CANTUS_MAX_VOCAB, &info->hold_token, err,
                     err_size) ||
        metadata_int(f, name, "cantus.steps_per_beat", 1, 16, &info->steps_per_beat, err, err_size))
        return -1;
    /* Optional: every model written before the metre input loads as it did. */
    info->bar_steps = 0;
    if (cantus_safetensors_read_metadata(f, "cantus.bar_steps") &&
        metadata_int(f, name, "cantus.bar_steps", 0, CANTUS_MAX_BAR_STEPS, &info->bar_steps, err,
                     err_size))
        return -1;
    if (info->note_low > info->note_high) {
        cantus_model_error(err, err_size, name,
                           "metadata key 'cantus.note_low' (%d) is above 'cantus.note_high' (%d)",
                           info->note_low, info->note_high);
        return -1;
    }
    int P = info->note_high - info->note_low + 1;
    info->pitch_tokens = P;

    /* REST and HOLD, where present, take the indices right after the pitch
     * tokens, in either order. */
    int rest = info->rest_token, hold = info->hold_token;
    int specials = (rest >= 0) + (hold >= 0);
    bool rest_ok = rest < 0 || (rest >= P && rest < P + specials && rest != hold);
    bool hold_ok = hold < 0 || (hold >= P && hold < P + specials && hold != rest);
    if (!rest_ok || !hold_ok) {
        cantus_model_error(err, err_size, name,
                           "metadata key '%s' is %d, but REST and HOLD must be -1 or the indices "
                           "right after the %d pitch tokens",
                           rest_ok ? "cantus.hold_token" : "cantus.rest_token",
                           rest_ok ? hold : rest, P);
        return -1;
    }
    info->vocab = P + specials; /* checked against fc.weight later */
    return 0;
}

/* "lstm.<kind>_l<k>" with k a plain decimal; returns k, -1 when the name is
 * not of that form, -2 when k is past the layer cap. */
static int lstm_layer_of(const char *tname, int *kind)
{
    for (int i = 0; i < 4; i++) {
        char prefix[32];
        int n = snprintf(prefix, sizeof prefix, "lstm.%s_l", lstm_kinds[i]);
        if (strncmp(tname, prefix, (size_t)n) != 0) continue;
        const char *digits = tname + n;
        size_t len = strlen(digits);
        if (len == 0 || len > 6 || strspn(digits, "0123456789") != len ||
            (len > 1 && digits[0] == '0'))
            return -1;
        int k = atoi(digits);
        *kind = i;
        return k < CANTUS_MAX_LAYERS ? k : -2;
    }
    return -1;
}

int cantus_check_layers(const CantusSafetensorsReadFile *f, const char *name, int *layers,
                        char *err, size_t err_size)
{
    bool seen[CANTUS_MAX_LAYERS][4] = {{false}};
    int top = -1;
    for (int i = 0; i < f->n_tensors; i++) {
        const char *tname = f->tensors[i].name;
        if (strcmp(tname, "fc.weight") == 0 || strcmp(tname, "fc.bias") == 0) continue;
        int kind = 0;
        int k = lstm_layer_of(tname, &kind);
        if (k == -2) {
            cantus_model_error(err, err_size, name,
                               "tensor '%s' names a layer past the cap of %d layers", tname,
                               CANTUS_MAX_LAYERS);
            return -1;
        }
        if (k < 0) {
            cantus_model_error(err, err_size, name,
                               "tensor '%s' is not part of a Cantus model (an nn.LSTM named "
                               "'lstm' and an nn.Linear named 'fc')",
                               tname);
            return -1;
        }
        seen[k][kind] = true;
        if (k > top) top = k;
    }
    if (top < 0) top = 0; /* reports lstm.weight_ih_l0 as missing below */
    for (int k = 0; k <= top; k++) {
        for (int i = 0; i < 4; i++) {
            if (!seen[k][i]) {
                cantus_model_error(err, err_size, name,
                                   "tensor 'lstm.%s_l%d' is missing (layers must be numbered "
                                   "from l0 without gaps)",
                                   lstm_kinds[i], k);
                return -1;
            }
        }
    }
    *layers = top + 1;
    return 0;
}

static const CantusSafetensorsReadTensor *require(const CantusSafetensorsReadFile *f,
                                                  const char *name, const char *tname, char *err,
                                                  size_t err_size)
{
    const CantusSafetensorsReadTensor *t = cantus_safetensors_read_find(f, tname);
    if (!t) cantus_model_error(err, err_size, name, "tensor '%s' is missing", tname);
    return t;
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
    if (ndim == 1)
        snprintf(buf, size, "[%lld]", (long long)shape[0]);
    else
        snprintf(buf, size, "[%lld, %lld]", (long long)shape[0], (long long)shape[1]);
}

static int expect_shape(const CantusSafetensorsReadTensor *t, const char *name, int ndim,
                        int64_t rows, int64_t cols, char *err, size_t err_size)
{
    if (t->ndim == ndim && t->shape[0] == rows && (ndim == 1 || t->shape[1] == cols)) return 0;
    char got[64], want[64];
    int64_t expected[2] = {rows, cols};
    format_shape(got, sizeof got, t->ndim, t->shape);
    format_shape(want, sizeof want, ndim, expected);
    cantus_model_error(err, err_size, name, "tensor '%s' has shape %s, expected %s", t->name, got,
                       want);
    return -1;
}

/* H and V by majority over every shape that implies them, so that one bad
 * tensor is the one reported, against what all the others agree on. */
typedef struct {
    int64_t value[4 * CANTUS_MAX_LAYERS * 2 + 4];
    int count[4 * CANTUS_MAX_LAYERS * 2 + 4];
    int n;
} Votes;

static void vote(Votes *v, int64_t x)
{
    for (int i = 0; i < v->n; i++) {
        if (v->value[i] == x) {
            v->count[i]++;
            return;
        }
    }
    if (v->n < (int)(sizeof v->value / sizeof v->value[0])) {
        v->value[v->n] = x;
        v->count[v->n++] = 1;
    }
}

static int64_t winner(const Votes *v)
{
    int best = -1;
    for (int i = 0; i < v->n; i++)
        if (best < 0 || v->count[i] > v->count[best]) best = i;
    return best < 0 ? -1 : v->value[best];
}

static const CantusSafetensorsReadTensor *layer_tensor(const CantusSafetensorsReadFile *f,
                                                       const char *kind, int k)
{
    char tname[64];
    snprintf(tname, sizeof tname, "lstm.%s_l%d", kind, k);
    return cantus_safetensors_read_find(f, tname);
}

static void vote_gate_rows(Votes *h, const CantusSafetensorsReadTensor *t)
{
    if (t->shape[0] % 4 == 0) vote(h, t->shape[0] / 4);
}

/* Layer 0's input is V token columns and then P position columns. A
 * column count that fits the gate rows but not V + P is a metre mismatch,
 * said as such (the other shapes agree on V, so cantus.bar_steps is what
 * disagrees). */
static int check_input_columns(const CantusSafetensorsReadTensor *ih, const char *name, int64_t H,
                               int64_t V, int P, char *err, size_t err_size)
{
    if (ih->ndim != 2 || ih->shape[0] != 4 * H || ih->shape[1] == V + P) return 0;
    cantus_model_error(err, err_size, name,
                       "tensor 'lstm.weight_ih_l0' has %lld columns, but 'cantus.bar_steps' is %d: "
                       "expected %lld tokens + %d bar positions = %lld",
                       (long long)ih->shape[1], P, (long long)V, P, (long long)(V + P));
    return -1;
}

/* A size the tensors voted for, within 1..max; the error names the tensor
 * that says it first: "... give a vocabulary of 0 tokens, outside 1..512". */
static int check_voted_size(int64_t size, int max, const char *tensor, const char *what,
                            const char *unit, const char *name, char *err, size_t err_size)
{
    if (size >= 1 && size <= max) return 0;
    cantus_model_error(err, err_size, name,
                       "tensor '%s' and the others give %s %lld%s, outside 1..%d", tensor, what,
                       (long long)size, unit, max);
    return -1;
}

int cantus_check_shapes(const CantusSafetensorsReadFile *f, const char *name, CantusModelInfo *info,
                        char *err, size_t err_size)
{
    const CantusSafetensorsReadTensor *fcw = require(f, name, "fc.weight", err, err_size);
    const CantusSafetensorsReadTensor *fcb =
        fcw ? require(f, name, "fc.bias", err, err_size) : NULL;
    if (!fcb) return -1;

    Votes hv = {0}, vv = {0};
    for (int k = 0; k < info->layers; k++) {
        const CantusSafetensorsReadTensor *ih = layer_tensor(f, "weight_ih", k),
                                          *hh = layer_tensor(f, "weight_hh", k);
        vote_gate_rows(&hv, ih);
        vote_gate_rows(&hv, hh);
        vote_gate_rows(&hv, layer_tensor(f, "bias_ih", k));
        vote_gate_rows(&hv, layer_tensor(f, "bias_hh", k));
        if (hh->ndim == 2) vote(&hv, hh->shape[1]);
        if (ih->ndim == 2) vote(k == 0 ? &vv : &hv, ih->shape[1] - (k == 0 ? info->bar_steps : 0));
    }
    if (fcw->ndim == 2) {
        vote(&vv, fcw->shape[0]);
        vote(&hv, fcw->shape[1]);
    }
    vote(&vv, fcb->shape[0]);
    int64_t H = winner(&hv), V = winner(&vv);
    if (check_voted_size(H, CANTUS_MAX_HIDDEN, "lstm.weight_hh_l0", "a hidden size of", "", name,
                         err, err_size) ||
        check_voted_size(V, CANTUS_MAX_VOCAB, "fc.weight", "a vocabulary of", " tokens", name, err,
                         err_size))
        return -1;
    if (check_input_columns(layer_tensor(f, "weight_ih", 0), name, H, V, info->bar_steps, err,
                            err_size))
        return -1;
    for (int k = 0; k < info->layers; k++) {
        char tname[64];
        int64_t in = k == 0 ? V + info->bar_steps : H;
        snprintf(tname, sizeof tname, "lstm.weight_ih_l%d", k);
        if (expect_shape(cantus_safetensors_read_find(f, tname), name, 2, 4 * H, in, err, err_size))
            return -1;
        snprintf(tname, sizeof tname, "lstm.weight_hh_l%d", k);
        if (expect_shape(cantus_safetensors_read_find(f, tname), name, 2, 4 * H, H, err, err_size))
            return -1;
        snprintf(tname, sizeof tname, "lstm.bias_ih_l%d", k);
        if (expect_shape(cantus_safetensors_read_find(f, tname), name, 1, 4 * H, 0, err, err_size))
            return -1;
        snprintf(tname, sizeof tname, "lstm.bias_hh_l%d", k);
        if (expect_shape(cantus_safetensors_read_find(f, tname), name, 1, 4 * H, 0, err, err_size))
            return -1;
    }
    if (expect_shape(fcw, name, 2, V, H, err, err_size)) return -1;
    if (expect_shape(fcb, name, 1, V, 0, err, err_size)) return -1;

    if (V != info->vocab) {
        cantus_model_error(err, err_size, name,
                           "tensor 'fc.weight' has %lld rows, but the metadata gives %d pitch "
                           "tokens%s%s = %d tokens",
                           (long long)V, info->pitch_tokens, info->rest_token >= 0 ? " + REST" : "",
                           info->hold_token >= 0 ? " + HOLD" : "", info->vocab);
        return -1;
    }
    info->hidden = (int)H;
    return 0;
}
