/* The beat grid's arithmetic; see beat_grid.h for the rounding rule. */
#include "beat_grid.h"

#include <math.h>

/* Frame counts beyond this are treated as "never" rather than overflowing. */
#define FRAME_LIMIT 9.0e18

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
    if (whole > FRAME_LIMIT) return INT64_MAX;
    if (whole < -FRAME_LIMIT) return INT64_MIN;
    return clock->anchor_frame + (int64_t)whole;
}

int64_t cantus_grid_first_step_from(const CantusBeatClock *clock, int rate, int64_t frame)
{
    int64_t step = (int64_t)ceil(cantus_grid_beat_at(clock, frame) * rate);
    if (!(clock->beats_per_frame > 0.0))
        return step; /* stopped: no step has a frame; the next one by position */
    /* The guess is off by at most one either way; settle it against the
     * very function that places the notes, so the two never disagree. */
    while (cantus_grid_step_frame(clock, rate, step) < frame)
        step++;
    while (cantus_grid_step_frame(clock, rate, step - 1) >= frame)
        step--;
    return step;
}

int64_t cantus_grid_step_at_or_after_beat(double beat, int rate)
{
    /* The same tolerance as the frame rule, expressed in steps at a slow
     * tempo (20 BPM at 192 kHz: about 1.7e-6 steps a frame). */
    const double tolerance = CANTUS_GRID_EPSILON * 1e-6;
    return (int64_t)ceil(beat * rate - tolerance);
}

int64_t cantus_grid_bar_of_step(int64_t step, int rate, double beats_per_bar)
{
    if (!(beats_per_bar > 0.0)) beats_per_bar = 4.0;
    const double bar = (double)step / rate / beats_per_bar;
    return (int64_t)floor(bar + 1e-9);
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
