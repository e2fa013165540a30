/* The training loop (see train_loop.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "learn/evaluate.h"
#include "learn/lstm_params.h"
#include "learn/optimizer.h"
#include "learn/progress.h"
#include "learn/train_loop.h"

volatile sig_atomic_t train_stop_requested = 0;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    const TrainConfig *cfg;
    LstmParams_f params, grad, best;
    LstmWork_f work;
    Adam adam;
    BatchSampler sampler;
    int *tokens, *targets, *positions;
    TrainProgress progress;
    /* training figures since the last evaluation */
    double window_nll;
    long window_tokens, window_correct;
    double last_train_acc;
} Run;

static void run_free(Run *r)
{
    lstm_params_free_f(&r->params);
    lstm_params_free_f(&r->grad);
    lstm_params_free_f(&r->best);
    lstm_work_free_f(&r->work);
    adam_free(&r->adam);
    batch_sampler_free(&r->sampler);
    free(r->tokens);
    free(r->targets);
    free(r->positions);
}

/* Validation, and what follows from it: a new best, or one more evaluation
 * without improvement. Without a validation split the latest weights are
 * the best. Returns -1 on a failure explained on log. */
static int evaluate_and_keep(Run *r, const TokenSeq *val, int n_val, SaveBest save, void *save_ctx,
                             Progress *bar)
{
    double train_acc = r->window_tokens ? (double)r->window_correct / r->window_tokens : 0;
    double train_nll = r->window_tokens ? r->window_nll / r->window_tokens : 0;
    if (r->window_tokens) r->last_train_acc = train_acc;
    r->window_nll = 0;
    r->window_tokens = r->window_correct = 0;

    EvalResult ev = {0, 0, 0};
    if (n_val > 0 && evaluate_sequences(&r->params, &r->work, val, n_val, &ev) != 0) {
        progress_fail(bar, "out of memory during validation");
        return -1;
    }
    double val_nll = ev.tokens ? ev.nll / ev.tokens : NAN;
    double val_acc = ev.tokens ? (double)ev.correct / ev.tokens : NAN;
    int improved = ev.tokens == 0 || val_nll < r->progress.best_val_nll;
    progress_eval(bar, r->progress.step, train_nll, train_acc, val_nll, val_acc, improved);
    if (improved) {
        memcpy(r->best.data, r->params.data, r->params.count * sizeof(float));
        r->progress.best_val_nll = ev.tokens ? val_nll : HUGE_VAL;
        r->progress.best_val_acc = val_acc;
        r->progress.best_train_acc = r->last_train_acc;
        r->progress.best_step = r->progress.step;
        r->progress.evals_since_best = 0;
        char err[512];
        if (save(save_ctx, &r->best, &r->progress, err, sizeof err) != 0) {
            progress_fail(bar, err);
            return -1;
        }
    } else {
        r->progress.evals_since_best++;
    }
    return 0;
}

static int save_checkpoint(Run *r, Progress *bar)
{
    char err[512];
    if (checkpoint_write(r->cfg->checkpoint, &r->params, &r->adam, &r->best, &r->progress, err,
                         sizeof err) != 0) {
        progress_fail(bar, err);
        return -1;
    }
    return 0;
}

int train_model(const TrainConfig *cfg, int vocab, const TokenSeq *train, int n_train,
                const TokenSeq *val, int n_val, SaveBest save, void *save_ctx, FILE *log,
                TrainProgress *done)
{
    Run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    openblas_set_num_threads(1); /* the kernel makes its own threads */
    const int T = cfg->seq, B = cfg->batch;
    const int P = cfg->bar_steps;
    if (lstm_params_alloc_bars_f(&r.params, vocab, P, cfg->hidden, cfg->layers) ||
        lstm_params_alloc_bars_f(&r.grad, vocab, P, cfg->hidden, cfg->layers) ||
        lstm_params_alloc_bars_f(&r.best, vocab, P, cfg->hidden, cfg->layers) ||
        (P > 0 && !(r.positions = malloc((size_t)T * B * sizeof *r.positions))) ||
        lstm_work_alloc_f(&r.work, vocab, cfg->hidden, cfg->layers, T, B) ||
        adam_init(&r.adam, r.params.count, cfg->lr) ||
        !(r.tokens = malloc((size_t)T * B * sizeof *r.tokens)) ||
        !(r.targets = malloc((size_t)T * B * sizeof *r.targets))) {
        fprintf(log, "cantus-train: out of memory for a model of H=%d L=%d, batch %d x %d\n",
                cfg->hidden, cfg->layers, B, T);
        run_free(&r);
        return 1;
    }
    r.work.threads = cfg->threads;
    if (batch_sampler_init(&r.sampler, train, n_train, T) != 0) {
        fprintf(log, "cantus-train: no training sequence has two tokens or more\n");
        run_free(&r);
        return 1;
    }

    /* Two PCG32 streams of one seed: initialisation and batch sampling. */
    CantusRng init_rng;
    cantus_rng_seed(&init_rng, cfg->seed, 1);
    lstm_params_init(&r.params, &init_rng);
    memcpy(r.best.data, r.params.data, r.params.count * sizeof(float));
    cantus_rng_seed(&r.progress.rng, cfg->seed, 2);
    r.progress.best_val_nll = HUGE_VAL;
    r.progress.best_val_acc = NAN;
    r.progress.best_train_acc = NAN;
    if (cfg->resume) {
        char err[512];
        if (checkpoint_read(cfg->checkpoint, &r.params, &r.adam, &r.best, &r.progress, err,
                            sizeof err) != 0) {
            fprintf(log, "cantus-train: %s\n", err);
            run_free(&r);
            return 1;
        }
        fprintf(log, "cantus-train: resuming at step %ld (best validation NLL %.4f at step %ld)\n",
                r.progress.step, r.progress.best_val_nll, r.progress.best_step);
    }

    Progress bar;
    progress_begin(&bar, log, r.progress.step, cfg->steps, (long)T * B);
    double started = now_seconds() - r.progress.seconds;
    int status = 0, evaluated_last = 0;
    while (r.progress.step < cfg->steps && !train_stop_requested) {
        batch_sample_at(&r.sampler, &r.progress.rng, B, r.tokens, r.positions, r.targets);
        long counted = 0, correct = 0;
        double nll = lstm_forward_at_f(&r.params, &r.work, T, B, r.tokens, r.positions, r.targets,
                                       0, &counted, &correct);
        lstm_backward_at_f(&r.params, &r.grad, &r.work, T, B, r.tokens, r.positions, r.targets,
                           1.0 / (double)(counted > 0 ? counted : 1));
        clip_grad_norm(r.grad.data, r.grad.count, cfg->clip);
        adam_step(&r.adam, r.params.data, r.grad.data);
        r.progress.step++;
        r.window_nll += nll;
        r.window_tokens += counted;
        r.window_correct += correct;
        r.progress.seconds = now_seconds() - started;
        progress_step(&bar, r.progress.step, counted ? nll / counted : 0,
                      counted ? (double)correct / counted : 0);
        evaluated_last = 0;
        if (r.progress.step % cfg->eval_every == 0 || r.progress.step == cfg->steps) {
            evaluated_last = 1;
            if (evaluate_and_keep(&r, val, n_val, save, save_ctx, &bar) != 0 ||
                save_checkpoint(&r, &bar) != 0) {
                status = 1;
                break;
            }
            if (n_val > 0 && cfg->patience > 0 && r.progress.evals_since_best >= cfg->patience) {
                progress_note(&bar, "stopping early: no improvement in %d evaluations",
                              cfg->patience);
                break;
            }
        }
    }
    if (status == 0 && !evaluated_last) {
        /* Stopped on request between evaluations, or resumed past the end:
         * this step's weights get their chance to be the best. */
        if (train_stop_requested)
            progress_note(&bar, "interrupted at step %ld: saving the best model so far",
                          r.progress.step);
        if (evaluate_and_keep(&r, val, n_val, save, save_ctx, &bar) != 0 ||
            save_checkpoint(&r, &bar) != 0)
            status = 1;
    }
    if (status == 0) {
        /* The best model once more, with the final time: also when this run
         * (a resumed one, say) never improved on it and the file is gone. */
        char err[512];
        if (save(save_ctx, &r.best, &r.progress, err, sizeof err) != 0) {
            progress_fail(&bar, err);
            status = 1;
        }
    }
    progress_end(&bar);
    *done = r.progress;
    run_free(&r);
    return status;
}
