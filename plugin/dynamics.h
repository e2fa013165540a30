/* Dynamics: the velocity of each step, from the `velocity` control shaped
 * by `accent` (the step's place in the bar the host counts) and `humanize`
 * (a variation drawn from a random stream of its own).
 *
 * Both are functions of the seed and the step index alone, never of the
 * pitch generator's state or of where playback started: a phrase gets the
 * same velocities on every replay and from any start, and changing either
 * control never changes a pitch (the pitch RNG is not touched).
 *
 * Real-time class: pure arithmetic, real-time safe.
 */
#ifndef CANTUS_PLUGIN_DYNAMICS_H
#define CANTUS_PLUGIN_DYNAMICS_H

#include <stdint.h>

#include "beat_grid.h"

/* At accent 100 %, what a beat and a step between beats lose against the
 * bar's downbeat: velocity x (1 - accent x cut). */
#define DYNAMICS_BEAT_CUT    0.25
#define DYNAMICS_BETWEEN_CUT 0.5

/* At humanize 100 %, velocities vary by up to this share either way. */
#define DYNAMICS_HUMANIZE_SPAN 0.25

/* The humanize stream's PCG32 stream number: the pitch generator uses 0
 * (the phrase) and 1 (the interim sequence). */
#define DYNAMICS_RNG_STREAM 2

typedef struct {
    int velocity;   /* 1..127 */
    float accent;   /* percent, 0..100 */
    float humanize; /* percent, 0..100 */
    uint32_t seed;
} CantusDynamics;

/* The humanize draw of a step, uniform in [0, 1): the first number of a
 * PCG32 seeded from (seed, step) on DYNAMICS_RNG_STREAM. */
double dynamics_humanize_draw(uint32_t seed, int64_t step);

/* round(velocity x (1 - accent/100 x cut(place))
 *                x (1 + humanize/100 x SPAN x (2 x draw - 1))), in 1..127. */
int dynamics_velocity(const CantusDynamics *dynamics, CantusStepPlace place, int64_t step);

#endif
