/* The token generator: which token sounds at step k, computed ahead of
 * time.
 *
 * The token of step k is drawn from the logits the LSTM gives after being
 * fed the token of step k-1. That LSTM step is the expensive part, so it is
 * done in the cycles *between* steps (generator_work): one cycle touches the
 * weights (cantus_lstm_state_prefetch) so that the next cycle's LSTM step runs on
 * a warm cache, and the cycle that crosses a step only draws from logits
 * already there (a softmax over V values) and emits.
 *
 * Determinism: the sequence restarts (LSTM state reset, RNG reseeded with
 * `seed`, a zero input vector as the start symbol) at the first step of a
 * phrase; with phrase_bars = N that is every bar whose index mod N is 0, so
 * a seed gives the same N-bar phrase wherever playback starts: when playback
 * starts mid-phrase the generator restarts at the phrase's first step and
 * fast-forwards (draws and discards) to the current step, a bounded number
 * of LSTM steps per cycle. A step that comes before the fast-forward has
 * reached it still sounds: it is drawn from a stand-in sequence (the
 * interim) started at that step with its own LSTM state, and the phrase's
 * own notes take over at the first step the fast-forward reaches. In free
 * mode (phrase_bars = 0) the sequence restarts where playback starts.
 *
 * Real-time class: everything here is real-time safe once the engine exists.
 */
#ifndef CANTUS_PLUGIN_GENERATOR_H
#define CANTUS_PLUGIN_GENERATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "controls.h"
#include "engine.h"
#include "rng.h"
#include "sampler.h"

/* A token that plays nothing: REST of a model without REST, or no draw. */
#define GENERATOR_SILENT (-1)

/* How much fast-forward one cycle may do, in multiply-adds: about 170 us
 * at a conservative 12 GMAC/s (cold caches, the portable kernels; a warm
 * AVX2 step of the 128-unit model takes 2.4 us), an eighth of a 64-frame
 * cycle at 48 kHz. A step that arrives with more than that still to catch
 * up is played by the interim sequence and the rest is spread over the
 * following cycles. */
#define GENERATOR_CATCHUP_MACS 2000000
#define GENERATOR_MIN_CATCHUP  2
/* Enough for a whole phrase of small models: relocating into the middle of
 * one then sounds its first step (64 bars x 4 beats x rate 4 = 1024). */
#define GENERATOR_MAX_CATCHUP 1024
/* The cost of one LSTM step and draw beyond its multiply-adds (calls,
 * the RNG, the mask), in multiply-adds' worth: ~0.25 us. */
#define GENERATOR_STEP_OVERHEAD_MACS 3000

typedef struct {
    CantusEngine *engine; /* not owned: the player owns it */
    CantusRng rng;
    uint32_t seed;
    bool reseed_pending; /* free mode: a new seed applies at the next draw */
    float temperature;

    /* The phrase grid. */
    double rate; /* steps per host beat (player.h: the effective rate) */
    double beats_per_bar;
    int phrase_bars;
    int64_t origin; /* free mode: the step the sequence started at */

    int64_t next_step;   /* the step whose token is drawn next */
    int64_t target_step; /* fast-forward: draw silently up to here */
    bool logits_ready;   /* the LSTM has been stepped for next_step */
    bool opening;        /* next_step is its sequence's first: drawn with the opening mask */
    bool prefetched;     /* the weights have been touched since the last step */
    bool drawn;          /* drawn_token is next_step's token */
    int drawn_token;
    CantusRng rng_before_draw; /* to draw it again when its mask changes */
    int input_token;           /* the token fed for the step after the last one drawn */
    int follow_token;          /* a played note waiting to be the next input, or -1 */

    /* The stand-in while the fast-forward is behind (engine->interim_state). */
    struct {
        CantusRng rng;
        int64_t next_step; /* the step it continues at */
        int input_token;
        bool active;
    } interim;

    /* The mask: the controls' spec (no chord), and the pitch classes held
     * on the MIDI input with the harmony control (CantusHarmony) that says
     * on which steps they replace key/scale. */
    CantusMaskSpec spec;
    uint16_t chord;
    int harmony;
    bool chord_mask_stale; /* the engine's chord mask is not the chord's */

    int catchup_limit;   /* LSTM steps per cycle of fast-forward, for this model */
    uint64_t lstm_steps; /* counts LSTM steps, for tests and benchmarks */
} CantusGenerator;

void generator_init(CantusGenerator *gen);

/* Use another engine (or none); the sequence restarts at `step`. */
void generator_set_engine(CantusGenerator *gen, CantusEngine *engine, int64_t step);

/* The phrase grid; a change restarts the sequence at `step`. */
void generator_set_grid(CantusGenerator *gen, double rate, double beats_per_bar, int phrase_bars,
                        int64_t step);

/* Free mode: reseed at the next draw. Phrase mode: restart the phrase so the
 * new seed's phrase is heard from its right place at `step`. */
void generator_set_seed(CantusGenerator *gen, uint32_t seed, int64_t step);

/* Playback (re)starts at `step`: restart the sequence at the first step of
 * the phrase holding it and fast-forward to it. */
void generator_restart(CantusGenerator *gen, int64_t step);

/* Work ahead between steps: one phase per call (prefetch, then step), or
 * fast-forward of up to catchup_limit x `cycles` LSTM steps (a cycle of
 * 64 frames counts 1). Returns the LSTM steps made. */
int generator_work(CantusGenerator *gen, int cycles);

/* The token of `step`, drawn if not yet drawn, not consumed (a gate end
 * peeks at the next step to see a HOLD). False when the generator is more
 * than catchup_limit steps behind `step`, or has no engine. */
bool generator_peek(CantusGenerator *gen, int64_t step, int *token);

/* The same, consuming it: the generator moves on to step + 1. A step it
 * cannot reach yet is drawn from the interim sequence (and later drawn
 * silently by the fast-forward, so later steps still get the tokens they
 * would have had); GENERATOR_SILENT only without an engine, or for a REST. */
int generator_take(CantusGenerator *gen, int64_t step);

/* A played note (follow mode) becomes the LSTM's next input. */
void generator_follow(CantusGenerator *gen, int pitch);

/* The mask and the register (token -> sounding pitch) from the controls,
 * rebuilt into the engine's buffers. A token drawn early is drawn again
 * under the new mask when its step comes. */
void generator_set_mask(CantusGenerator *gen, const CantusMaskSpec *spec);

/* The harmony control and the pitch classes held on the MIDI input (bit 0
 * = C, 0 = none held): while any are held they replace key/scale on every
 * step (CANTUS_HARMONY_EVERYWHERE) or on the beats (CANTUS_HARMONY_BEATS),
 * with the fallbacks of cantus_mask_build_mapped. Cheap: the chord's masks
 * are built at the next draw that needs them. */
void generator_set_harmony(CantusGenerator *gen, int harmony, uint16_t chord);

#endif
