/* The beat grid: where, to the sample frame, each step of a rhythm falls.
 *
 * A position is a double count of beats, anchored at an integer frame and
 * extrapolated from there with a constant number of beats per frame. Frames
 * per beat are never accumulated as integers (the LV2 book's eg-metro drifts
 * by ~0.85 frames a beat at 130 BPM, 48 kHz, that way); the frame of step k
 * is computed afresh from the anchor every time, so the error never grows
 * with the number of steps.
 *
 * Which frame is "the" frame of a step: the step falls at the exact real
 * time t (in frames since the anchor); its note sounds on the first whole
 * frame at or after t, that is ceil(t). Doubles carry a rounding error of a
 * few units in the last place, so t is taken as exact when it lies within
 * CANTUS_GRID_EPSILON frames above a whole frame: at 130 BPM and 48 kHz the
 * k-th beat lands on ceil(k * 60 * 48000 / 130) computed exactly.
 *
 * Real-time class: everything here is pure arithmetic, real-time safe.
 */
#ifndef CANTUS_BEAT_GRID_H
#define CANTUS_BEAT_GRID_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A thousandth of a frame (about 20 ns at 48 kHz): far below anything
 * audible, far above the rounding error of a double position. */
#define CANTUS_GRID_EPSILON 1e-3

/* Steps per beat the grid accepts. A rate is a double because a model's
 * steps are counted per quarter note while the host's beat is its
 * time:beatUnit: a model of 1 step a quarter plays 0.5 steps an eighth in
 * 6/8, one of 3 steps a quarter 1.5. Every rate from a whole number of
 * steps a quarter (1..16) and a beat unit 1..64 is in range; a rate
 * outside it (or NaN) is taken as 1. */
#define CANTUS_GRID_MIN_RATE (1.0 / 16.0)
#define CANTUS_GRID_MAX_RATE 64.0

/* Step numbers (and bar numbers) are clamped to +-2^53: a double holds
 * every integer up to there, and step + 1 stays far from int64 overflow.
 * The plugin never comes near it (it refuses positions beyond 2^40 beats,
 * plugin/transport.h); the clamp keeps hostile input defined. */
#define CANTUS_GRID_STEP_LIMIT ((int64_t)1 << 53)

/* Swing's range, as the fraction of a pair of steps where its second step
 * starts: 0.5 is straight, 0.75 a hard shuffle. The plugin's `swing`
 * control is this in percent. */
#define CANTUS_GRID_STRAIGHT  0.5
#define CANTUS_GRID_MAX_SWING 0.75

/* How steps lie in a bar: the rate, the meter that groups them into bars
 * (bars counted from beat 0, as cantus_grid_bar_of_step counts them) and
 * swing. A bar's steps are those at or after its first beat and before the
 * next bar's; they pair up from the bar's first step, (0, 1), (2, 3) ...,
 * and the second step of each pair starts at `swing` of the pair instead of
 * half of it, that is 2 * swing - 1 steps late. A bar with an odd number of
 * steps ends on an unpaired step, which stays straight. The delay is at
 * most half a step, so steps never change order. */
typedef struct {
    double rate;          /* steps per beat */
    double beats_per_bar; /* <= 0 or not finite is taken as 4 */
    double swing; /* clamped to [CANTUS_GRID_STRAIGHT, CANTUS_GRID_MAX_SWING]; NaN: straight */
} CantusGrid;

/* Where a step falls in its bar, for accents. */
typedef enum {
    CANTUS_PLACE_DOWNBEAT = 0, /* on the bar line */
    CANTUS_PLACE_BEAT,         /* on a whole beat counted from the bar line */
    CANTUS_PLACE_BETWEEN,      /* anywhere else */
} CantusStepPlace;

/* The tempo map between two position updates: a straight line. */
typedef struct {
    double anchor_beat;     /* beat position at anchor_frame */
    int64_t anchor_frame;   /* a running frame count chosen by the caller */
    double beats_per_frame; /* bpm * speed / 60 / sample_rate; 0 = stopped */
} CantusBeatClock;

/* Beats per frame for a tempo, transport speed and sample rate. */
double cantus_grid_beats_per_frame(double bpm, double speed, double sample_rate);

/* The beat position at a frame (before the anchor too). */
double cantus_grid_beat_at(const CantusBeatClock *clock, int64_t frame);

/* Moves the anchor to `frame` keeping the same line; the way a tempo change
 * at a frame offset starts a new line from where the old one got to. */
void cantus_grid_reanchor(CantusBeatClock *clock, int64_t frame, double beats_per_frame);

/* The frame of step `step` (beat = step / rate). Only meaningful when
 * beats_per_frame > 0; returns INT64_MAX when the clock is stopped. */
int64_t cantus_grid_step_frame(const CantusBeatClock *clock, double rate, int64_t step);

/* The first step whose frame is at or after `frame`. Consistent with
 * cantus_grid_step_frame: frame_of(result) >= frame > frame_of(result - 1)
 * wherever doubles hold every step (|beat * rate| < 2^53); beyond that the
 * result is a nearby step and the call still returns at once.
 * A stopped clock gives the first step at or after the position. */
int64_t cantus_grid_first_step_from(const CantusBeatClock *clock, double rate, int64_t frame);

/* The index of a step in its bar (0 for the bar's first step). */
int64_t cantus_grid_step_in_bar(const CantusGrid *grid, int64_t step);

/* How many steps late the step starts against its straight place:
 * 2 * swing - 1 for the second step of a pair, 0 for every other. */
double cantus_grid_swing_delay(const CantusGrid *grid, int64_t step);

/* cantus_grid_step_frame with swing: the same rule (the first whole frame
 * at or after the exact instant, from the anchor), the instant being the
 * step's straight one plus its swing delay. With swing 0.5 it is
 * cantus_grid_step_frame, to the bit. */
int64_t cantus_grid_swung_step_frame(const CantusBeatClock *clock, const CantusGrid *grid,
                                     int64_t step);

/* cantus_grid_first_step_from with swing, settled against
 * cantus_grid_swung_step_frame the same way: frame_of(result) >= frame >
 * frame_of(result - 1). */
int64_t cantus_grid_swung_first_step_from(const CantusBeatClock *clock, const CantusGrid *grid,
                                          int64_t frame);

/* The bar line, a beat, or between (the host's barBeat of the step's
 * straight place is 0, a whole number, or neither). */
CantusStepPlace cantus_grid_step_place(const CantusGrid *grid, int64_t step);

/* The first step at or after a beat position: ceil(beat * rate) with the same
 * tolerance (in beats, scaled from CANTUS_GRID_EPSILON frames). */
int64_t cantus_grid_step_at_or_after_beat(double beat, double rate);

/* The bar a step falls in: floor(step / rate / beats_per_bar), bars counted
 * from beat 0 (the host's bar 0). beats_per_bar <= 0 is taken as 4. */
int64_t cantus_grid_bar_of_step(int64_t step, double rate, double beats_per_bar);

/* Phrases of `phrase_bars` bars start at every bar whose index mod
 * phrase_bars is 0. This is the first step of the phrase holding `step`
 * (the first step at or after the phrase's first beat). phrase_bars <= 0
 * means free-running: there are no phrases and `step` itself is returned. */
int64_t cantus_grid_phrase_start(int64_t step, double rate, double beats_per_bar, int phrase_bars);

#ifdef __cplusplus
}
#endif

#endif
