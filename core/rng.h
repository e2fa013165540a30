/* PCG32 (O'Neill, pcg-random.org): a small per-instance generator whose
 * stream is the same on every machine for the same seed. Never rand().
 *
 * Real-time class: all functions are real-time safe (pure arithmetic).
 */
#ifndef CANTUS_RNG_H
#define CANTUS_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t state;
    uint64_t inc;
} CantusRng;

void cantus_rng_seed(CantusRng *rng, uint64_t seed, uint64_t stream);
uint32_t cantus_rng_u32(CantusRng *rng);
/* Uniform in [0, 1), 32 random bits, as a double. */
double cantus_rng_uniform(CantusRng *rng);

#ifdef __cplusplus
}
#endif

#endif
