/* The training loop: batches, forward, backward, clipping, Adam; validation
 * every K steps, the best weights kept, early stopping, checkpoints, and a
 * clean stop on request (SIGINT/SIGTERM). Knows token sequences, not MIDI. */
#ifndef CANTUS_TRAIN_LOOP_H
#define CANTUS_TRAIN_LOOP_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "learn/batch.h"
#include "learn/checkpoint.h"
#include "learn/lstm_train.h"

typedef struct {
    int layers, hidden;
    int bar_steps; /* P: positions in the bar as inputs (the sequences carry them); 0 without */
    long steps;    /* total training steps (a resumed run counts those done) */
    int batch, seq, threads, eval_every, patience;
    double lr, clip;
    uint64_t seed;
    int resume;             /* continue from the checkpoint */
    const char *checkpoint; /* its path */
} TrainConfig;

/* Receives the best weights whenever validation improves (and at the end):
 * writes the model file. Returns 0, or -1 with a sentence in err. */
typedef int (*SaveBest)(void *ctx, const LstmParams_f *best, const TrainProgress *progress,
                        char *err, size_t err_size);

/* Set from a signal handler: the loop finishes its step, evaluates, saves
 * the best model so far and a checkpoint, and returns. */
extern volatile sig_atomic_t train_stop_requested;

/* Trains; progress on `log` (a bar when it is a terminal, lines otherwise).
 * Returns 0 (finished, stopped early or on request), or 1 after explaining a
 * failure on log. *done receives the final progress. */
int train_model(const TrainConfig *cfg, int vocab, const TokenSeq *train, int n_train,
                const TokenSeq *val, int n_val, SaveBest save, void *save_ctx, FILE *log,
                TrainProgress *done);

#endif
