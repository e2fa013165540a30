/* One step of a stacked LSTM and its dense layer, PyTorch's maths:
 *
 *   gates = W_ih x + b_ih + W_hh h + b_hh          (rows i | f | g | o)
 *   c' = sigmoid(f) c + sigmoid(i) tanh(g),  h' = sigmoid(o) tanh(c')
 *   logits = W_fc h'_top + b_fc
 *
 * Layer 0's input is one-hot, so W_ih x is one column of W_ih; the loader
 * stored that column (with both biases added) as a contiguous row. A metre
 * model's input also has a one-hot bar position: one more stored column,
 * added to the token's row (a gather, never a dense product). Deeper
 * layers multiply [W_ih | W_hh] by [h_below | h] in one pass, which is why
 * each layer keeps its input and its own h side by side in one buffer.
 *
 * Everything the step touches is allocated in cantus_lstm_state_new; the step
 * itself only reads the model and writes the state. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "half.h"
#include "lstm_internal.h"
#include "model_internal.h"

struct CantusLstmState {
    const CantusModel *model;
    const CantusPacked *packed;
    const CantusKernels *kernels;
    int H, L, V, P;
    float *xh[CANTUS_MAX_LAYERS]; /* layer 0: [h0]; layer k: [h_{k-1} | h_k] */
    float *c[CANTUS_MAX_LAYERS];
    float *gates;
    float *input; /* layer 0's token row plus position row, when there is a position */
    float *logits;
    float *block;
    size_t block_floats;
    /* CANTUS_PRECISION_F16 only: the state's own binary16 copy of every
     * layer's panels and of the dense panels, in the same panel layout. */
    uint16_t *half;
    size_t half_count;
    const uint16_t *half_panels[CANTUS_MAX_LAYERS];
    const uint16_t *half_fc;
};

static size_t line_floats(size_t n)
{
    size_t per_line = CANTUS_ALIGNMENT / sizeof(float);
    return (n + per_line - 1) / per_line * per_line;
}

/* Converts the packed float panels to binary16; -1 when memory runs out or
 * a weight does not fit. Zero padding stays zero. */
static int make_half_weights(CantusLstmState *s)
{
    const CantusPacked *p = s->packed;
    size_t count = 0;
    for (int k = 0; k < s->L; k++)
        count += (size_t)p->gate_rows * p->layer[k].cols;
    count += (size_t)p->logit_rows * s->H;
    if (posix_memalign((void **)&s->half, CANTUS_ALIGNMENT, count * sizeof(uint16_t)) != 0)
        return -1;
    s->half_count = count;
    uint16_t *cursor = s->half;
    for (int k = 0; k <= s->L; k++) {
        const float *src = k < s->L ? p->layer[k].panels : p->fc_panels;
        size_t n =
            k < s->L ? (size_t)p->gate_rows * p->layer[k].cols : (size_t)p->logit_rows * s->H;
        for (size_t i = 0; i < n; i++) {
            if (!(src[i] >= -CANTUS_HALF_MAX && src[i] <= CANTUS_HALF_MAX)) return -1;
            cursor[i] = cantus_float_to_half(src[i]);
        }
        if (k < s->L)
            s->half_panels[k] = cursor;
        else
            s->half_fc = cursor;
        cursor += n;
    }
    return 0;
}

CantusLstmState *cantus_lstm_state_new_with_kernels(const CantusModel *model,
                                                    const CantusKernels *kernels,
                                                    CantusPrecision precision)
{
    if (!model || !kernels ||
        (precision != CANTUS_PRECISION_F32 && precision != CANTUS_PRECISION_F16))
        return NULL;
    CantusLstmState *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    const CantusModelInfo *info = cantus_model_info(model);
    s->model = model;
    s->packed = cantus_model_packed(model);
    s->kernels = kernels;
    s->H = info->hidden;
    s->L = info->layers;
    s->V = info->vocab;
    s->P = info->bar_steps;

    size_t total = 0;
    for (int k = 0; k < s->L; k++)
        total += line_floats((size_t)s->packed->layer[k].cols) + line_floats((size_t)s->H);
    total +=
        2 * line_floats((size_t)s->packed->gate_rows) + line_floats((size_t)s->packed->logit_rows);
    if (posix_memalign((void **)&s->block, CANTUS_ALIGNMENT, total * sizeof(float)) != 0) {
        free(s);
        return NULL;
    }
    s->block_floats = total;
    float *cursor = s->block;
    for (int k = 0; k < s->L; k++) {
        s->xh[k] = cursor;
        cursor += line_floats((size_t)s->packed->layer[k].cols);
        s->c[k] = cursor;
        cursor += line_floats((size_t)s->H);
    }
    s->gates = cursor;
    cursor += line_floats((size_t)s->packed->gate_rows);
    s->input = cursor;
    cursor += line_floats((size_t)s->packed->gate_rows);
    s->logits = cursor;
    if (precision == CANTUS_PRECISION_F16 && make_half_weights(s) != 0) {
        cantus_lstm_state_free(s);
        return NULL;
    }
    cantus_lstm_state_reset(s);
    return s;
}

CantusLstmState *cantus_lstm_state_new_precision(const CantusModel *model,
                                                 CantusPrecision precision)
{
    const CantusKernels *kernels = cantus_kernels_avx2();
    return cantus_lstm_state_new_with_kernels(model, kernels ? kernels : cantus_kernels_portable(),
                                              precision);
}

CantusLstmState *cantus_lstm_state_new(const CantusModel *model)
{
    return cantus_lstm_state_new_precision(model, CANTUS_PRECISION_F32);
}

void cantus_lstm_state_free(CantusLstmState *state)
{
    if (!state) return;
    free(state->half);
    free(state->block);
    free(state);
}

const CantusModel *cantus_lstm_state_model(const CantusLstmState *state)
{
    return state->model;
}

const char *cantus_lstm_state_kernel_name(const CantusLstmState *state)
{
    return state->kernels->name;
}

void cantus_lstm_state_memory(const CantusLstmState *state, const void **block, size_t *block_bytes,
                              const void **half, size_t *half_bytes)
{
    *block = state->block;
    *block_bytes = state->block_floats * sizeof(float);
    *half = state->half;
    *half_bytes = state->half_count * sizeof(uint16_t);
}

void cantus_lstm_state_reset(CantusLstmState *state)
{
    memset(state->block, 0, state->block_floats * sizeof(float));
}

static float *layer_h(const CantusLstmState *s, int k)
{
    return s->xh[k] + (k == 0 ? 0 : s->H);
}

/* Flush-to-zero and denormals-are-zero for the step only: a denormal in a
 * decaying cell state can cost a hundred cycles per operation, and the
 * host's thread keeps whatever floating-point mode it had. */
typedef unsigned int FpMode;

static FpMode fp_enter(void)
{
#if defined(__x86_64__) || defined(__i386__)
    FpMode saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return saved;
#else
    return 0;
#endif
}

static void fp_leave(FpMode saved)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(saved);
#else
    (void)saved;
#endif
}

/* Layer 0's pre-activation before the recurrence: W_ih x + b_ih + b_hh for
 * x = [one_hot(token) | one_hot(position)], each part zero when out of range. */
static const float *layer0_input(CantusLstmState *s, int token, int position)
{
    const CantusPacked *p = s->packed;
    const CantusPackedLayer *pl = &p->layer[0];
    const float *row = pl->bias;
    if (token >= 0 && token < s->V) row = pl->input_rows + (size_t)token * p->gate_rows;
    if (position < 0 || position >= s->P) return row;
    const float *column = pl->position_rows + (size_t)position * p->gate_rows;
    for (int r = 0; r < p->gate_rows; r++)
        s->input[r] = row[r] + column[r];
    return s->input;
}

const float *cantus_lstm_state_step(CantusLstmState *s, int token)
{
    return cantus_lstm_state_step_at(s, token, -1);
}

const float *cantus_lstm_state_step_at(CantusLstmState *s, int token, int position)
{
    FpMode mode = fp_enter();
    const CantusPacked *p = s->packed;
    const CantusKernels *kern = s->kernels;
    const int H = s->H;

    for (int k = 0; k < s->L; k++) {
        const CantusPackedLayer *pl = &p->layer[k];
        const float *init = pl->bias;
        if (k == 0)
            init = layer0_input(s, token, position);
        else
            memcpy(s->xh[k], layer_h(s, k - 1), (size_t)H * sizeof(float));
        if (s->half)
            kern->matvec_f16(s->half_panels[k], p->gate_rows, pl->cols, s->xh[k], init, s->gates);
        else
            kern->matvec(pl->panels, p->gate_rows, pl->cols, s->xh[k], init, s->gates);
        kern->cell(s->gates, s->c[k], layer_h(s, k), H);
    }
    const float *top = layer_h(s, s->L - 1);
    if (s->half)
        kern->matvec_f16(s->half_fc, p->logit_rows, H, top, p->fc_bias, s->logits);
    else
        kern->matvec(p->fc_panels, p->logit_rows, H, top, p->fc_bias, s->logits);
    fp_leave(mode);
    return s->logits;
}

const float *cantus_lstm_state_logits(const CantusLstmState *state)
{
    return state->logits;
}

const float *cantus_lstm_state_h(const CantusLstmState *state, int layer)
{
    if (layer < 0 || layer >= state->L) return NULL;
    return layer_h(state, layer);
}

const float *cantus_lstm_state_c(const CantusLstmState *state, int layer)
{
    if (layer < 0 || layer >= state->L) return NULL;
    return state->c[layer];
}

static void prefetch_range(const void *p, size_t size)
{
    const char *bytes = p;
    for (size_t off = 0; off < size; off += 64)
        __builtin_prefetch(bytes + off, 0, 3);
}

void cantus_lstm_state_prefetch(const CantusLstmState *state)
{
    /* Everything but layer 0's input rows: of those the step reads one row
     * (a few cache lines), and which one is not known until the token is. */
    const CantusPacked *p = state->packed;
    for (int k = 0; k < state->L; k++) {
        if (!state->half)
            prefetch_range(p->layer[k].panels,
                           (size_t)p->gate_rows * p->layer[k].cols * sizeof(float));
        prefetch_range(p->layer[k].bias, (size_t)p->gate_rows * sizeof(float));
    }
    if (state->half)
        prefetch_range(state->half, state->half_count * sizeof(uint16_t));
    else
        prefetch_range(p->fc_panels, (size_t)p->logit_rows * state->H * sizeof(float));
    prefetch_range(p->fc_bias, (size_t)p->logit_rows * sizeof(float));
    prefetch_range(state->block, state->block_floats * sizeof(float));
}
