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

/* The state's own memory a step touches: its block (h, c, gates, logits)
 * and, with CANTUS_PRECISION_F16, its binary16 weights (NULL, 0 without);
 * for benchmarks that flush it from the caches before a cold step. */
void cantus_lstm_state_memory(const CantusLstmState *state, const void **block, size_t *block_bytes,
                              const void **half, size_t *half_bytes);

#endif
