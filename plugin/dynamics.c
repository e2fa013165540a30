/* Dynamics; see dynamics.h. */
#include "dynamics.h"

#include <math.h>

#include "rng.h"

/* SplitMix64's finaliser: spreads (seed, step) over the whole 64-bit seed,
 * so neighbouring steps and seeds start unrelated PCG32 states. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double dynamics_humanize_draw(uint32_t seed, int64_t step)
{
    CantusRng rng;
    cantus_rng_seed(&rng, mix(mix(seed + 0x9E3779B97F4A7C15ull) ^ (uint64_t)step),
                    DYNAMICS_RNG_STREAM);
    return cantus_rng_uniform(&rng);
}

static double unit(float percent)
{
    /* The ports are clamped already; NaN and the rest are for other callers. */
    if (!(percent > 0.0f)) return 0.0;
    return percent < 100.0f ? percent / 100.0 : 1.0;
}

int dynamics_velocity(const CantusDynamics *dynamics, CantusStepPlace place, int64_t step)
{
    double velocity = dynamics->velocity;
    const double accent = unit(dynamics->accent);
    if (place == CANTUS_PLACE_BEAT)
        velocity *= 1.0 - accent * DYNAMICS_BEAT_CUT;
    else if (place == CANTUS_PLACE_BETWEEN)
        velocity *= 1.0 - accent * DYNAMICS_BETWEEN_CUT;
    const double humanize = unit(dynamics->humanize);
    if (humanize > 0.0) {
        const double draw = dynamics_humanize_draw(dynamics->seed, step);
        velocity *= 1.0 + humanize * DYNAMICS_HUMANIZE_SPAN * (2.0 * draw - 1.0);
    }
    const long rounded = lround(velocity);
    return rounded < 1 ? 1 : rounded > 127 ? 127 : (int)rounded;
}
