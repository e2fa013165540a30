/* The token generator; see generator.h for the schedule and determinism. */
#include "generator.h"

#include <limits.h>
#include <math.h>

#include "beat_grid.h"
#include "lstm.h"

/* Steps of the sequence start here: the phrase's first step, or in free
 * mode the step playback started at. */
static int64_t sequence_start(const CantusGenerator *gen, int64_t step)
{
    if (gen->phrase_bars > 0)
        return cantus_grid_phrase_start(step, gen->rate, gen->beats_per_bar, gen->phrase_bars);
    return gen->origin;
}

/* Where step `step` sits in its bar, on the grid that places its note (the
 * host's beatsPerBar, bars counted from beat 0 as the player counts them):
 * what a model with a metre input is fed beside the step's token. A bar
 * longer than the model's cantus.bar_steps gives positions the core takes
 * as no position; a model without metre input ignores them all. */
static int bar_position(const CantusGenerator *gen, int64_t step)
{
    const CantusGrid grid = {gen->rate, gen->beats_per_bar, CANTUS_GRID_STRAIGHT};
    const int64_t position = cantus_grid_step_in_bar(&grid, step);
    return position >= 0 && position <= INT_MAX ? (int)position : -1;
}

/* The LSTM step that gives step `step`'s logits: the token of the step
 * before, at that step's position in the bar (as the trainer feeds token k
 * at position k to predict token k + 1). */
static void feed(const CantusGenerator *gen, CantusLstmState *state, int token, int64_t step)
{
    cantus_lstm_state_step_at(state, token, bar_position(gen, step - 1));
}

/* A sequence opens at `step` by resetting the state, reseeding the RNG and
 * feeding a zero token (-1), the start symbol, so it depends on nothing
 * before it (but where it starts in the bar). The phrase's sequence draws
 * from stream 0, the interim's from 1. */
static void open_sequence(const CantusGenerator *gen, CantusLstmState *state, CantusRng *rng,
                          uint32_t seed, uint64_t stream, int64_t step)
{
    cantus_lstm_state_reset(state);
    cantus_rng_seed(rng, seed, stream);
    feed(gen, state, -1, step);
}

/* Whether the held chord decides step `step`: while notes are held, on
 * every step or on the beats only (step indices count from beat 0 in steps
 * of the rate, so a step is on a beat when step / rate is whole: every
 * rate-th step at a whole rate, every step when a step is a beat or
 * longer, every third at 1.5 steps a beat). A step that is not on a beat is
 * at least a 64th of a beat from one, far above the tolerance. */
static bool chord_applies(const CantusGenerator *gen, int64_t step)
{
    if (!gen->chord) return false;
    if (gen->harmony == CANTUS_HARMONY_EVERYWHERE) return true;
    if (gen->harmony != CANTUS_HARMONY_BEATS) return false;
    const double beats = (double)step / (gen->rate > 0.0 ? gen->rate : 1.0);
    return fabs(beats - nearbyint(beats)) < 1e-6;
}

/* The mask of step `step`, the opening mask for a sequence's first. A step
 * the chord decides always sounds a new chord tone (REST and HOLD masked,
 * as at an opening): a HOLD there would tie a note of the last chord over
 * the change, and a model that likes to hold or rest falls nearly silent
 * under a three-note chord (the baroque preset played 2 notes in 8 bars of
 * C-Am-F-G when they were allowed). The chord's mask is built when first
 * needed after a change, so a flood of MIDI input costs nothing per event.
 * The phrase, its fast-forward and the interim all draw through here: the
 * same rules for every step. */
static const uint8_t *mask_for(CantusGenerator *gen, int64_t step, bool opening)
{
    CantusEngine *engine = gen->engine;
    if (!chord_applies(gen, step)) return opening ? engine->opening_mask : engine->mask;
    if (gen->chord_mask_stale) {
        CantusMaskSpec spec = gen->spec;
        spec.chord = gen->chord;
        cantus_mask_build_opening_mapped(engine->info, &spec, engine->pitch_of, engine->chord_mask);
        gen->chord_mask_stale = false;
    }
    return engine->chord_mask;
}

/* A token of step `step` from a state's logits, a sequence's first with
 * the opening mask; GENERATOR_SILENT when nothing may be drawn. */
static int sample(CantusGenerator *gen, const CantusLstmState *state, CantusRng *rng, int64_t step,
                  bool opening)
{
    const CantusEngine *engine = gen->engine;
    const int token = cantus_sample(cantus_lstm_state_logits(state), mask_for(gen, step, opening),
                                    engine->info->vocab, gen->temperature, rng, engine->scratch);
    return token < 0 ? GENERATOR_SILENT : token;
}

/* The LSTM step that produces next_step's logits, opening the sequence at
 * its first step. */
static void compute_logits(CantusGenerator *gen)
{
    CantusLstmState *state = gen->engine->state;
    if (gen->next_step == sequence_start(gen, gen->next_step)) {
        open_sequence(gen, state, &gen->rng, gen->seed, 0, gen->next_step);
        gen->reseed_pending = false;
        gen->follow_token = -1;
        gen->opening = true;
    } else {
        gen->opening = false;
        int input = gen->input_token;
        if (gen->follow_token >= 0) {
            input = gen->follow_token;
            gen->follow_token = -1;
        }
        feed(gen, state, input, gen->next_step);
    }
    gen->logits_ready = true;
    gen->lstm_steps++;
}

static void draw(CantusGenerator *gen)
{
    if (gen->drawn) return;
    if (!gen->logits_ready) compute_logits(gen);
    if (gen->reseed_pending) {
        cantus_rng_seed(&gen->rng, gen->seed, 0);
        gen->reseed_pending = false;
    }
    gen->rng_before_draw = gen->rng;
    gen->drawn_token = sample(gen, gen->engine->state, &gen->rng, gen->next_step, gen->opening);
    gen->drawn = true;
}

/* A token drawn early (a gate end looking for a HOLD) under a mask that
 * has changed since: it is drawn again, from the same logits and the same
 * random number, as if it had first been drawn now. */
static void draw_again_later(CantusGenerator *gen)
{
    if (!gen->drawn) return;
    gen->rng = gen->rng_before_draw;
    gen->drawn = false;
}

static void consume(CantusGenerator *gen)
{
    gen->input_token = gen->drawn_token;
    gen->next_step++;
    gen->logits_ready = false;
    gen->prefetched = false;
    gen->drawn = false;
}

void generator_init(CantusGenerator *gen)
{
    *gen = (CantusGenerator){
        .spec = {.note_low = 0, .note_high = 127, .scale = CANTUS_SCALE_CHROMATIC, .rests = true},
        .chord_mask_stale = true,
        .temperature = 1.0f,
        .rate = 1.0,
        .beats_per_bar = 4.0,
        .input_token = -1,
        .follow_token = -1,
        .catchup_limit = GENERATOR_MIN_CATCHUP,
    };
    cantus_rng_seed(&gen->rng, 0, 0);
}

void generator_restart(CantusGenerator *gen, int64_t step)
{
    if (gen->phrase_bars <= 0) gen->origin = step;
    gen->next_step = sequence_start(gen, step);
    gen->target_step = step;
    gen->logits_ready = false;
    gen->prefetched = false;
    gen->drawn = false;
    gen->input_token = -1;
    gen->follow_token = -1;
    gen->interim.active = false;
}

/* Multiply-adds of one LSTM step of a model: gates of every layer and the
 * dense layer (an upper bound: layer 0's one-hot input costs less). */
static int catchup_limit(const CantusModelInfo *info)
{
    const double h = info->hidden;
    const double v = info->vocab;
    /* Plus the draw (a softmax over V, ~16 multiply-adds' worth each) and
     * a fixed overhead, so tiny models are not credited with free steps. */
    const double macs = 4.0 * h * (v + h) + (info->layers - 1) * 4.0 * h * (2.0 * h) + v * h +
                        16.0 * v + GENERATOR_STEP_OVERHEAD_MACS;
    const double steps = GENERATOR_CATCHUP_MACS / (macs > 1.0 ? macs : 1.0);
    if (steps < GENERATOR_MIN_CATCHUP) return GENERATOR_MIN_CATCHUP;
    return steps > GENERATOR_MAX_CATCHUP ? GENERATOR_MAX_CATCHUP : (int)steps;
}

void generator_set_engine(CantusGenerator *gen, CantusEngine *engine, int64_t step)
{
    gen->engine = engine;
    gen->chord_mask_stale = true;
    gen->catchup_limit = engine ? catchup_limit(engine->info) : GENERATOR_MIN_CATCHUP;
    generator_restart(gen, step);
}

void generator_set_grid(CantusGenerator *gen, double rate, double beats_per_bar, int phrase_bars,
                        int64_t step)
{
    if (rate == gen->rate && beats_per_bar == gen->beats_per_bar && phrase_bars == gen->phrase_bars)
        return;
    gen->rate = rate;
    gen->beats_per_bar = beats_per_bar;
    gen->phrase_bars = phrase_bars;
    generator_restart(gen, step);
}

void generator_set_seed(CantusGenerator *gen, uint32_t seed, int64_t step)
{
    if (seed == gen->seed) return;
    gen->seed = seed;
    if (gen->phrase_bars > 0) {
        generator_restart(gen, step);
    } else {
        /* A token drawn early (a gate end looking for a HOLD) is drawn again
         * from the same logits, so the new seed starts at the next step. */
        gen->reseed_pending = true;
        gen->drawn = false;
    }
}

/* Behind a phrase start: what is left of the earlier phrase would be drawn
 * only to be thrown away, so the sequence starts over at the new phrase.
 * This bounds a catch-up by one phrase, however long it was starved. */
static void skip_to_phrase(CantusGenerator *gen, int64_t step)
{
    if (gen->phrase_bars <= 0) return;
    const int64_t start = sequence_start(gen, step);
    if (gen->next_step >= start) return;
    gen->next_step = start;
    gen->logits_ready = false;
    gen->prefetched = false;
    gen->drawn = false;
    gen->input_token = -1;
}

int generator_work(CantusGenerator *gen, int cycles)
{
    if (!gen->engine) return 0;
    const int budget = gen->catchup_limit * (cycles > 1 ? cycles : 1);
    if (gen->next_step < gen->target_step) {
        skip_to_phrase(gen, gen->target_step);
        int made = 0;
        while (made < budget && gen->next_step < gen->target_step) {
            draw(gen);
            consume(gen);
            made++;
        }
        return made;
    }
    if (gen->logits_ready) return 0;
    if (!gen->prefetched) {
        cantus_lstm_state_prefetch(gen->engine->state);
        gen->prefetched = true;
        return 0;
    }
    compute_logits(gen);
    return 1;
}

bool generator_peek(CantusGenerator *gen, int64_t step, int *token)
{
    if (!gen->engine || step < gen->next_step) return false;
    skip_to_phrase(gen, step);
    if (step - gen->next_step > gen->catchup_limit) return false;
    while (gen->next_step < step) {
        draw(gen);
        consume(gen);
    }
    draw(gen);
    *token = gen->drawn_token;
    return true;
}

/* A step the fast-forward has not reached: the interim sequence plays it.
 * It opens as any sequence does (reset state, start symbol, seed on a
 * stream of its own, the opening mask) at the first step it plays after a
 * gap, and goes on step by step while the fast-forward is behind. One LSTM
 * step on the spot, as a step whose logits are not ready costs anyway. */
static int interim_take(CantusGenerator *gen, int64_t step)
{
    CantusLstmState *state = gen->engine->interim_state;
    const bool opening = !gen->interim.active || gen->interim.next_step != step;
    if (opening)
        open_sequence(gen, state, &gen->interim.rng, gen->seed, 1, step);
    else
        feed(gen, state, gen->interim.input_token, step);
    gen->lstm_steps++;
    gen->interim.active = true;
    gen->interim.next_step = step + 1;
    gen->interim.input_token = sample(gen, state, &gen->interim.rng, step, opening);
    return gen->interim.input_token;
}

int generator_take(CantusGenerator *gen, int64_t step)
{
    int token = GENERATOR_SILENT;
    if (!generator_peek(gen, step, &token)) {
        if (!gen->engine || step < gen->next_step) return GENERATOR_SILENT;
        if (step + 1 > gen->target_step) gen->target_step = step + 1;
        return interim_take(gen, step);
    }
    gen->interim.active = false;
    consume(gen);
    return token;
}

void generator_follow(CantusGenerator *gen, int pitch)
{
    if (!gen->engine) return;
    const int token = cantus_pitch_token(gen->engine->info, pitch);
    if (token >= 0) gen->follow_token = token;
}

void generator_set_mask(CantusGenerator *gen, const CantusMaskSpec *spec)
{
    gen->spec = *spec;
    gen->spec.chord = 0;
    gen->chord_mask_stale = true;
    CantusEngine *engine = gen->engine;
    if (!engine) return;
    cantus_pitch_map_build(engine->info, &gen->spec, engine->pitch_of);
    cantus_mask_build_mapped(engine->info, &gen->spec, engine->pitch_of, engine->mask);
    cantus_mask_build_opening_mapped(engine->info, &gen->spec, engine->pitch_of,
                                     engine->opening_mask);
    draw_again_later(gen);
}

void generator_set_harmony(CantusGenerator *gen, int harmony, uint16_t chord)
{
    chord &= 0xFFFu;
    if (harmony == gen->harmony && chord == gen->chord) return;
    if (chord != gen->chord) gen->chord_mask_stale = true;
    gen->harmony = harmony;
    gen->chord = chord;
    draw_again_later(gen);
}
