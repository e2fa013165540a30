/* A training checkpoint: everything --resume needs to continue a run as if
 * it had never stopped (weights, Adam's moments and step, the sampling RNG,
 * the best weights so far and the early-stopping counters). Written
 * atomically (temporary file, fsync, rename) beside the model, as
 * MODEL.safetensors.ckpt; a checksum rejects a damaged file. */
#ifndef CANTUS_CHECKPOINT_H
#define CANTUS_CHECKPOINT_H

#include <stddef.h>

#include "learn/lstm_train.h"
#include "learn/optimizer.h"
#include "rng.h"

typedef struct {
    long step;           /* training steps done */
    CantusRng rng;       /* the batch sampler's generator after `step` steps */
    double best_val_nll; /* per token; HUGE_VAL before the first evaluation */
    double best_val_acc;
    double best_train_acc;
    long best_step;
    int evals_since_best; /* early-stopping counter */
    double seconds;       /* training time so far */
} TrainProgress;

/* params, adam and best must have the same shape. Returns 0, or -1 with a
 * sentence in err. */
int checkpoint_write(const char *path, const LstmParams_f *params, const Adam *adam,
                     const LstmParams_f *best, const TrainProgress *progress, char *err,
                     size_t err_size);

/* Reads a checkpoint into parameters and an optimizer already allocated with
 * the shape of this run; a different shape is an error. */
int checkpoint_read(const char *path, LstmParams_f *params, Adam *adam, LstmParams_f *best,
                    TrainProgress *progress, char *err, size_t err_size);

#endif
