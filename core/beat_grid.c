/* The beat grid's arithmetic; see beat_grid.h for the rounding rule. */
#include "beat_grid.h"

#include <math.h>

/* A rate the grid can count with (beat_grid.h): anything else is 1. */
static double usable_rate(double rate)
{
    return rate >= CANTUS_GRID_MIN_RATE && rate <= CANTUS_GRID_MAX_RATE ? rate : 1.0;
}

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

/* The frame of a position counted in steps (a whole step, or a swung one
 * a fraction later): the first whole frame at or after its instant. */
static int64_t frame_of_steps(const CantusBeatClock *clock, double rate, double steps)
{
    if (!(clock->beats_per_frame > 0.0)) return INT64_MAX;
    /* Measured in steps rather than beats so that rate 3 divides nothing. */
    const double steps_from_anchor = steps - clock->anchor_beat * rate;
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

int64_t cantus_grid_step_frame(const CantusBeatClock *clock, double rate, int64_t step)
{
    rate = usable_rate(rate);
    return frame_of_steps(clock, rate, (double)step);
}

/* The first step whose frame (by `frame_of`) is at or after `frame`,
 * from a guess off by at most one either way: settled against the very
 * function that places the notes, so the two never disagree. */
static int64_t settle(const CantusBeatClock *clock, const CantusGrid *grid, int64_t frame,
                      int64_t step,
                      int64_t (*frame_of)(const CantusBeatClock *, const CantusGrid *, int64_t))
{
    for (int i = 0;
         i < SETTLE_TRIES && step < CANTUS_GRID_STEP_LIMIT && frame_of(clock, grid, step) < frame;
         i++)
        step++;
    for (int i = 0; i < SETTLE_TRIES && step > -CANTUS_GRID_STEP_LIMIT &&
                    frame_of(clock, grid, step - 1) >= frame;
         i++)
        step--;
    return step;
}

static int64_t straight_frame(const CantusBeatClock *clock, const CantusGrid *grid, int64_t step)
{
    return cantus_grid_step_frame(clock, grid->rate, step);
}

int64_t cantus_grid_first_step_from(const CantusBeatClock *clock, double rate, int64_t frame)
{
    rate = usable_rate(rate);
    const int64_t step = clamp_to_step(ceil(cantus_grid_beat_at(clock, frame) * rate));
    if (!(clock->beats_per_frame > 0.0))
        return step; /* stopped: no step has a frame; the next one by position */
    const CantusGrid grid = {rate, 4.0, CANTUS_GRID_STRAIGHT};
    return settle(clock, &grid, frame, step, straight_frame);
}

int64_t cantus_grid_step_at_or_after_beat(double beat, double rate)
{
    rate = usable_rate(rate);
    /* The same tolerance as the frame rule, expressed in steps at a slow
     * tempo (20 BPM at 192 kHz: about 1.7e-6 steps a frame). */
    const double tolerance = CANTUS_GRID_EPSILON * 1e-6;
    return clamp_to_step(ceil(beat * rate - tolerance));
}

int64_t cantus_grid_bar_of_step(int64_t step, double rate, double beats_per_bar)
{
    rate = usable_rate(rate);
    if (!(beats_per_bar > 0.0)) beats_per_bar = 4.0;
    const double bar = (double)step / rate / beats_per_bar;
    return clamp_to_step(floor(bar + 1e-9));
}

int64_t cantus_grid_phrase_start(int64_t step, double rate, double beats_per_bar, int phrase_bars)
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

static double meter(const CantusGrid *grid)
{
    const double b = grid->beats_per_bar;
    return b > 0.0 && b <= 1e300 ? b : 4.0;
}

/* The first step of bar `bar` (at or after its first beat). */
static int64_t bar_first_step(const CantusGrid *grid, int64_t bar)
{
    return cantus_grid_step_at_or_after_beat((double)bar * meter(grid), grid->rate);
}

/* The bar holding `step`, by the same rule as bar_first_step, so that a
 * bar's steps run from its first step to the next bar's: floor division
 * can put a step a rounding away from a bar line on the other side. */
static int64_t bar_holding(const CantusGrid *grid, int64_t step)
{
    int64_t bar = cantus_grid_bar_of_step(step, grid->rate, meter(grid));
    if (bar > -CANTUS_GRID_STEP_LIMIT && step < bar_first_step(grid, bar))
        bar--;
    else if (bar < CANTUS_GRID_STEP_LIMIT && step >= bar_first_step(grid, bar + 1))
        bar++;
    return bar;
}

int64_t cantus_grid_step_in_bar(const CantusGrid *grid, int64_t step)
{
    const int64_t index = step - bar_first_step(grid, bar_holding(grid, step));
    return index < 0 ? 0 : index; /* only where doubles no longer count steps */
}

static double clamped_swing(const CantusGrid *grid)
{
    const double s = grid->swing;
    if (!(s > CANTUS_GRID_STRAIGHT)) return CANTUS_GRID_STRAIGHT; /* NaN too */
    return s < CANTUS_GRID_MAX_SWING ? s : CANTUS_GRID_MAX_SWING;
}

double cantus_grid_swing_delay(const CantusGrid *grid, int64_t step)
{
    const double swing = clamped_swing(grid);
    if (swing == CANTUS_GRID_STRAIGHT) return 0.0;
    return cantus_grid_step_in_bar(grid, step) % 2 == 1 ? 2.0 * swing - 1.0 : 0.0;
}

int64_t cantus_grid_swung_step_frame(const CantusBeatClock *clock, const CantusGrid *grid,
                                     int64_t step)
{
    /* From the anchor, as every step frame is: the delay is added to the
     * step's position, never to a frame. x + 0.0 == x, so straight steps
     * land exactly where cantus_grid_step_frame puts them. */
    return frame_of_steps(clock, usable_rate(grid->rate),
                          (double)step + cantus_grid_swing_delay(grid, step));
}

int64_t cantus_grid_swung_first_step_from(const CantusBeatClock *clock, const CantusGrid *grid,
                                          int64_t frame)
{
    /* The straight answer is at most one step later than the swung one (a
     * delay is under a step), and settle moves it. */
    const int64_t step = cantus_grid_first_step_from(clock, grid->rate, frame);
    if (!(clock->beats_per_frame > 0.0)) return step;
    return settle(clock, grid, frame, step, cantus_grid_swung_step_frame);
}

CantusStepPlace cantus_grid_step_place(const CantusGrid *grid, int64_t step)
{
    const int64_t bar = bar_holding(grid, step);
    /* Steps from the bar line to the step: a whole number when the bar line
     * is on the grid (any whole number of beats a bar), else with the bar
     * line's fraction of a step. */
    const double from_bar_line = (double)step - (double)bar * meter(grid) * usable_rate(grid->rate);
    const double tolerance = 1e-6;
    if (fabs(from_bar_line) < tolerance) return CANTUS_PLACE_DOWNBEAT;
    const double beats = from_bar_line / usable_rate(grid->rate);
    return fabs(beats - nearbyint(beats)) < tolerance ? CANTUS_PLACE_BEAT : CANTUS_PLACE_BETWEEN;
}
