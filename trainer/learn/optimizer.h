/* Gradient clipping by global norm and Adam, exactly as PyTorch 1.13 computes
 * them (torch.nn.utils.clip_grad_norm_ and torch.optim.Adam's single-tensor
 * path), over one flat vector of parameters. */
#ifndef CANTUS_OPTIMIZER_H
#define CANTUS_OPTIMIZER_H

#include <stddef.h>

typedef struct {
    double lr, beta1, beta2, eps;
    long step; /* steps taken so far */
    size_t count;
    float *m; /* first moments */
    float *v; /* second moments */
} Adam;

/* Zeroed moments for count parameters, PyTorch's defaults but lr. -1 when
 * memory runs out. */
int adam_init(Adam *adam, size_t count, double lr);
void adam_free(Adam *adam);

/* One step: param -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
void adam_step(Adam *adam, float *param, const float *grad);

/* The global L2 norm of grad (accumulated in double, in a fixed order). If
 * it exceeds max_norm, grad is scaled by max_norm / (norm + 1e-6), as
 * PyTorch does. max_norm <= 0 disables clipping. Returns the norm before
 * clipping. */
double clip_grad_norm(float *grad, size_t count, double max_norm);

#endif
