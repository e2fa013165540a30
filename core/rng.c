/* PCG32 (XSH RR 64/32), exactly the reference pcg32_srandom_r/pcg32_random_r of
 * pcg-random.org, so that a seed means the same stream on every machine and in
 * every tool that reads the same paper. */
#include "rng.h"

#define PCG32_MULTIPLIER 6364136223846793005ULL

void cantus_rng_seed(CantusRng *rng, uint64_t seed, uint64_t stream)
{
    rng->state = 0u;
    rng->inc = (stream << 1u) | 1u;
    (void)cantus_rng_u32(rng);
    rng->state += seed;
    (void)cantus_rng_u32(rng);
}

uint32_t cantus_rng_u32(CantusRng *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG32_MULTIPLIER + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

double cantus_rng_uniform(CantusRng *rng)
{
    /* 32 bits scaled by 2^-32: exact in a double, never reaches 1. */
    return (double)cantus_rng_u32(rng) * (1.0 / 4294967296.0);
}
