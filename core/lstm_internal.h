/* For tests and benchmarks inside the tree: a state on chosen kernels, so
 * the portable and the AVX2 paths are both checked against PyTorch. */
#ifndef CANTUS_LSTM_INTERNAL_H
#define CANTUS_LSTM_INTERNAL_H

#include "lstm.h"
#include "lstm_kernels.h"

CantusLstmState *cantus_lstm_state_new_with_kernels(const CantusModel *model,
                                                    const CantusKernels *kernels,
                                                    CantusPrecision precision);
const char *cantus_lstm_state_kernel_name(const CantusLstmState *state);

#endif
