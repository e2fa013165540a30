/* The beat grid's arithmetic; see beat_grid.h for the rounding rule. */
#include "beat_grid.h"

#include <math.h>

/* Frame counts beyond this are treated as "never" rather than overflowing. */
#define FRAME_LIMIT 9.0e18

/* The settle loops of cantus_grid_first_step_from move the first guess by
 * one step at most when the doubles hold every step; past that (a beat
 * beyond 2^53 / rate, where step + 1 == step as a double) they would spin
 * for ever. A few tries, then the guess stands. */
#define SETTLE_TRIES 4

/* A double as an int64_t without the undefined behaviour of an out-of-range
 * cast: NaN gives 0, everything else is clamped to +-CANTUS_GRID_STEP_LIMIT
 * (steps) so that the callers' step + 1 never overflows either. */
static int64_t clamp_to_step(double value)
{
    if (value != value) return 0;
    if (value >= (double)CANTUS_GRID_STEP_LIMIT) return CANTUS_GRID_STEP_LIMIT;
    if (value <= -(double)CANTUS_GRID_STEP_LIMIT) return -CANTUS_GRID_STEP_LIMIT;
    return (int64_t)value;
}

double cantus_grid_beats_per_frame(double bpm, double speed, double sample_rate)
{
    if (!(bpm > 0.0) || !(sample_rate > 0.0) || !isfinite(bpm * speed) || speed <= 0.0) return 0.0;
    return bpm * speed / 60.0 / sample_rate;
}

double cantus_grid_beat_at(const CantusBeatClock *clock, int64_t frame)
{
    return clock->anchor_beat + (double)(frame - clock->anchor_frame) * clock->beats_per_frame;
}

void cantus_grid_reanchor(CantusBeatClock *clock, int64_t frame, double beats_per_frame)
{
    clock->anchor_beat = cantus_grid_beat_at(clock, frame);
    clock->anchor_frame = frame;
    clock->beats_per_frame = beats_per_frame;
}

int64_t cantus_grid_step_frame(const CantusBeatClock *clock, int rate, int64_t step)
{
    if (!(clock->beats_per_frame > 0.0)) return INT64_MAX;
    /* Measured in steps rather than beats so that rate 3 divides nothing. */
    const double steps_from_anchor = (double)step - clock->anchor_beat * rate;
    const double t = steps_from_anchor / (clock->beats_per_frame * rate);
    const double whole = ceil(t - CANTUS_GRID_EPSILON);
    if (whole != whole || whole > FRAME_LIMIT) return INT64_MAX; /* NaN: never */
    if (whole < -FRAME_LIMIT) return INT64_MIN;
    const int64_t frames = (int64_t)whole;
    /* The anchor plus the distance, saturating rather than wrapping. */
    if (frames > 0 && clock->anchor_frame > INT64_MAX - frames) return INT64_MAX;
    if (frames < 0 && clock->anchor_frame < INT64_MIN - frames) return INT64_MIN;
    return clock->anchor_frame + frames;
}

int64_t cantus_grid_first_step_from(const CantusBeatClock *clock, int rate, int64_t frame)
{
    int64_t step = clamp_to_step(ceil(cantus_grid_beat_at(clock, frame) * rate));
    if (!(clock->beats_per_frame > 0.0))
        return step; /* stopped: no step has a frame; the next one by position */
    /* The guess is off by at most one either way; settle it against the
     * very function that places the notes, so the two never disagree. */
    for (int i = 0; i < SETTLE_TRIES && step < CANTUS_GRID_STEP_LIMIT &&
                    cantus_grid_step_frame(clock, rate, step) < frame;
         i++)
        step++;
    for (int i = 0; i < SETTLE_TRIES && step > -CANTUS_GRID_STEP_LIMIT &&
                    cantus_grid_step_frame(clock, rate, step - 1) >= frame;
         i++)
        step--;
    return step;
}

int64_t cantus_grid_step_at_or_after_beat(double beat, int rate)
{
    /* The same tolerance as the frame rule, expressed in steps at a slow
     * tempo (20 BPM at 192 kHz: about 1.7e-6 steps a frame). */
    const double tolerance = CANTUS_GRID_EPSILON * 1e-6;
    return clamp_to_step(ceil(beat * rate - tolerance));
}

int64_t cantus_grid_bar_of_step(int64_t step, int rate, double beats_per_bar)
{
    if (!(beats_per_bar > 0.0)) beats_per_bar = 4.0;
    const double bar = (double)step / rate / beats_per_bar;
    return clamp_to_step(floor(bar + 1e-9));
}

int64_t cantus_grid_phrase_start(int64_t step, int rate, double beats_per_bar, int phrase_bars)
{
    if (phrase_bars <= 0) return step;
    if (!(beats_per_bar > 0.0)) beats_per_bar = 4.0;
    const int64_t bar = cantus_grid_bar_of_step(step, rate, beats_per_bar);
    /* Floor division, so that bars before 0 (a count-in) phrase too. */
    int64_t phrase = bar / phrase_bars;
    if (bar % phrase_bars != 0 && bar < 0) phrase--;
    const double first_beat = (double)phrase * phrase_bars * beats_per_bar;
    return cantus_grid_step_at_or_after_beat(first_beat, rate);
}
