/* Adam and clipping, the way PyTorch 1.13 computes them. */
#include <math.h>
#include <stdlib.h>

#include "learn/fastmath.h"
#include "learn/optimizer.h"

int adam_init(Adam *adam, size_t count, double lr)
{
    adam->lr = lr;
    adam->beta1 = 0.9;
    adam->beta2 = 0.999;
    adam->eps = 1e-8;
    adam->step = 0;
    adam->count = count;
    adam->m = calloc(count, sizeof *adam->m);
    adam->v = calloc(count, sizeof *adam->v);
    if (!adam->m || !adam->v) {
        adam_free(adam);
        return -1;
    }
    return 0;
}

void adam_free(Adam *adam)
{
    free(adam->m);
    free(adam->v);
    adam->m = adam->v = NULL;
}

CANTUS_VECTOR_CLONES static void adam_update(float *restrict param, const float *restrict grad,
                                             float *restrict m, float *restrict v, size_t n,
                                             float one_minus_beta1, float beta2,
                                             float one_minus_beta2, float step_size,
                                             float bias2_sqrt, float eps)
{
    /* PyTorch: exp_avg.lerp_(grad, 1 - beta1), exp_avg_sq.mul_(beta2)
     * .addcmul_(grad, grad, value=1 - beta2), then
     * denom = exp_avg_sq.sqrt() / bias_correction2_sqrt + eps,
     * param.addcdiv_(exp_avg, denom, value=-step_size). */
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        float mi = m[i] + one_minus_beta1 * (g - m[i]);
        float vi = v[i] * beta2 + one_minus_beta2 * g * g;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bias2_sqrt + eps;
        param[i] += -step_size * (mi / denom);
    }
}

void adam_step(Adam *adam, float *param, const float *grad)
{
    adam->step++;
    double bias1 = 1.0 - pow(adam->beta1, (double)adam->step);
    double bias2 = 1.0 - pow(adam->beta2, (double)adam->step);
    /* The scalars are formed in double and rounded once, as Python does
     * before handing them to the float kernels. */
    adam_update(param, grad, adam->m, adam->v, adam->count, (float)(1.0 - adam->beta1),
                (float)adam->beta2, (float)(1.0 - adam->beta2), (float)(adam->lr / bias1),
                (float)sqrt(bias2), (float)adam->eps);
}

double clip_grad_norm(float *grad, size_t count, double max_norm)
{
    double sum = 0;
    for (size_t i = 0; i < count; i++)
        sum += (double)grad[i] * grad[i];
    double norm = sqrt(sum);
    if (max_norm > 0) {
        double coef = max_norm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float)coef;
            for (size_t i = 0; i < count; i++)
                grad[i] *= c;
        }
    }
    return norm;
}
