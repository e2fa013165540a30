/* Declarations of one precision of the training kernel; lstm_train.h
 * includes this twice. No include guard on purpose. */
#define LT_CAT2(a, b) a##b
#define LT_CAT(a, b)  LT_CAT2(a, b)
#define LT(name)      LT_CAT(name, LSTM_TEMPLATE_SUFFIX)

/* Every weight of the network, in one contiguous block (`data`, `count`
 * values) so that the optimizer, clipping and checkpoints see one vector.
 * The pointers below index into it, in this order: emb; per layer w_ih
 * (layers >= 1), w_hh, b_ih, b_hh; fc_w, fc_b. */
typedef struct {
    int vocab, hidden, layers;
    int bar_steps; /* P: positions in the bar as more one-hot inputs; 0 without */
    size_t count;
    LSTM_TEMPLATE_REAL *data;
    /* weight_ih_l0 transposed, [V + P][4H]: a token's input contribution is
     * one contiguous row (a gather), and its gradient a row scatter-add;
     * rows V .. V+P-1 are the bar positions', gathered the same way. */
    LSTM_TEMPLATE_REAL *emb;
    LSTM_TEMPLATE_REAL *w_ih[CANTUS_MAX_LAYERS]; /* [4H][H]; NULL for layer 0 */
    LSTM_TEMPLATE_REAL *w_hh[CANTUS_MAX_LAYERS]; /* [4H][H] */
    LSTM_TEMPLATE_REAL *b_ih[CANTUS_MAX_LAYERS]; /* [4H] */
    LSTM_TEMPLATE_REAL *b_hh[CANTUS_MAX_LAYERS]; /* [4H] */
    LSTM_TEMPLATE_REAL *fc_w;                    /* [V][H] */
    LSTM_TEMPLATE_REAL *fc_b;                    /* [V] */
} LT(LstmParams);

/* Activations kept for the backward pass and its scratch, for snippets of
 * up to `steps` steps and `batch` sequences. */
typedef struct {
    int vocab, hidden, layers, steps, batch;
    /* Threads (1 after alloc): each GEMM over all steps is cut into row
     * slices, and the recurrence into slices of the batch (slices.h). */
    int threads;
    LSTM_TEMPLATE_REAL *gates[CANTUS_MAX_LAYERS]; /* [T][B][4H], activated */
    LSTM_TEMPLATE_REAL *h[CANTUS_MAX_LAYERS];     /* [T+1][B][H] */
    LSTM_TEMPLATE_REAL *c[CANTUS_MAX_LAYERS];     /* [T+1][B][H] */
    LSTM_TEMPLATE_REAL *tc[CANTUS_MAX_LAYERS];    /* [T][B][H], tanh(c) */
    LSTM_TEMPLATE_REAL *probs;                    /* [T][B][V] */
    LSTM_TEMPLATE_REAL *dh;                       /* [T][B][H] */
    LSTM_TEMPLATE_REAL *dg;                       /* [T][B][4H] */
    LSTM_TEMPLATE_REAL *dc;                       /* [B][H] */
    LSTM_TEMPLATE_REAL *bias0;                    /* [4H], b_ih + b_hh of a layer */
    LSTM_TEMPLATE_REAL *zeros;                    /* [4H] of 0 */
    /* W_hh of the layer being stepped (and its W_ih, forward), packed once
     * per pass into the panels the recurrence's register tiles read. */
    LSTM_TEMPLATE_REAL *w_pack;
    LSTM_TEMPLATE_REAL *acc_rows; /* [B][64], the tiles' sums of a panel for each sequence */
    /* Each slice's own sums of the bias and input-row gradients, added in
     * slice order after the recurrence (grown on first use). */
    LSTM_TEMPLATE_REAL *grad_part;
    size_t grad_part_len;
} LT(LstmWork);

/* Allocates zeroed parameters; returns -1 when memory runs out. */
int LT(lstm_params_alloc)(LT(LstmParams) * p, int vocab, int hidden, int layers);
/* The same for a model with bar_steps positions in the bar (0: as above). */
int LT(lstm_params_alloc_bars)(LT(LstmParams) * p, int vocab, int bar_steps, int hidden,
                               int layers);
void LT(lstm_params_free)(LT(LstmParams) * p);

int LT(lstm_work_alloc)(LT(LstmWork) * w, int vocab, int hidden, int layers, int steps, int batch);
void LT(lstm_work_free)(LT(LstmWork) * w);

/* The forward pass over T <= steps and B <= batch. With keep_state the
 * initial h, c (block 0 of w->h, w->c) are used as they are, else zeroed.
 * Returns the summed negative log-likelihood (nats) over positions with a
 * target; *counted and *correct (may be NULL) receive how many positions
 * had a target and at how many the most likely token was the target. */
double LT(lstm_forward)(const LT(LstmParams) * p, LT(LstmWork) * w, int T, int B, const int *tokens,
                        const int *targets, int keep_state, long *counted, long *correct);
/* The same with each input's position in the bar ([T][B], or NULL): a
 * position outside [0, bar_steps) is no position input, as in the core. */
double LT(lstm_forward_at)(const LT(LstmParams) * p, LT(LstmWork) * w, int T, int B,
                           const int *tokens, const int *positions, const int *targets,
                           int keep_state, long *counted, long *correct);

/* The gradient of loss_scale * (summed NLL of the last forward pass) into
 * grad (overwritten). loss_scale = 1/counted gives PyTorch's mean. The
 * initial state is treated as a constant. */
void LT(lstm_backward)(const LT(LstmParams) * p, LT(LstmParams) * grad, LT(LstmWork) * w, int T,
                       int B, const int *tokens, const int *targets, double loss_scale);
/* The gradient of the last lstm_forward_at, given the same positions. */
void LT(lstm_backward_at)(const LT(LstmParams) * p, LT(LstmParams) * grad, LT(LstmWork) * w, int T,
                          int B, const int *tokens, const int *positions, const int *targets,
                          double loss_scale);

/* Copies the final state of the last forward pass over T steps into
 * block 0, so the next forward (keep_state) continues the sequences. */
void LT(lstm_carry_state)(LT(LstmWork) * w, int T, int B);

#undef LT_CAT2
#undef LT_CAT
#undef LT
