/* The trainer's side of a model's weights: PyTorch's default initialisation,
 * and the conversion between the training layout (LstmParams_f) and a Cantus
 * model file (PyTorch's tensor names and layouts, DESIGN.md). */
#ifndef CANTUS_LSTM_PARAMS_H
#define CANTUS_LSTM_PARAMS_H

#include <stddef.h>

#include "learn/lstm_train.h"
#include "model.h"
#include "rng.h"
#include "safetensors_write.h"

/* U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias: what nn.LSTM does, and
 * what nn.Linear(H, V) comes to (kaiming_uniform with a = sqrt 5 on a fan-in
 * of H, and the same bound for its bias). */
void lstm_params_init(LstmParams_f *p, CantusRng *rng);

/* Widens float parameters into double ones of the same shape. */
void lstm_params_to_double(LstmParams_d *dst, const LstmParams_f *src);

/* Writes the weights as a Cantus model file, atomically (temp + rename), with
 * the metadata given. Returns 0, or -1 with a sentence in err. */
int lstm_params_save(const LstmParams_f *p, const char *path,
                     const CantusSafetensorsWriteMeta *meta, int n_meta, char *err,
                     size_t err_size);

/* Allocates p and fills it from a loaded model. Returns 0, or -1 with a
 * sentence in err. */
int lstm_params_from_model(LstmParams_f *p, const CantusModel *model, char *err, size_t err_size);

#endif
