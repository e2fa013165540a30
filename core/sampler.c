/* Choosing the next token. The mask narrows the vocabulary to what the
 * player asked for; the softmax is computed in double so that a low
 * temperature (large logits / T) neither overflows nor loses the small
 * probabilities that the chi-square test and the listener can tell apart. */
#include <math.h>

#include "sampler.h"

/* The pitch class of a MIDI pitch, 0 = C. */
static int pitch_class(int pitch)
{
    return ((pitch % 12) + 12) % 12;
}

/* The key/scale as absolute pitch classes (bit 0 = C). */
static uint16_t scale_classes(const CantusMaskSpec *spec)
{
    const uint16_t relative = cantus_scale_pitch_classes(spec->scale);
    const int key = pitch_class(spec->key);
    return (uint16_t)(((relative << key) | (relative >> (12 - key))) & 0xFFFu);
}

/* Semitones from a pitch class to the nearest one in `classes` (0..6). */
static int distance_to(uint16_t classes, int pc)
{
    for (int d = 0; d < 12; d++)
        if ((classes >> ((pc + d) % 12) & 1u) || (classes >> ((pc + 12 - d) % 12) & 1u)) return d;
    return 12;
}

/* Marks the sounding pitch tokens whose pitch class is within `reach`
 * semitones of `classes`; returns how many. */
static int mark_pitches(const CantusModelInfo *info, const int16_t *pitch_of, uint16_t classes,
                        int reach, uint8_t *mask)
{
    int allowed = 0;
    for (int t = 0; t < info->pitch_tokens && t < info->vocab; t++) {
        const bool ok = pitch_of[t] != CANTUS_NO_PITCH &&
                        distance_to(classes, pitch_class(pitch_of[t])) <= reach;
        mask[t] = ok;
        allowed += ok;
    }
    return allowed;
}

int cantus_mask_build_mapped(const CantusModelInfo *info, const CantusMaskSpec *spec,
                             const int16_t *pitch_of, uint8_t *mask)
{
    for (int t = 0; t < info->vocab; t++)
        mask[t] = 0;

    /* The chord, else the key/scale, else the pitches nearest the
     * key/scale: never a note outside the range, never silence. */
    const uint16_t chord = spec->chord & 0xFFFu;
    const uint16_t scale = scale_classes(spec);
    int allowed = chord ? mark_pitches(info, pitch_of, chord, 0, mask) : 0;
    if (allowed == 0) allowed = mark_pitches(info, pitch_of, scale, 0, mask);
    for (int reach = 1; allowed == 0 && reach <= 6; reach++)
        allowed = mark_pitches(info, pitch_of, scale, reach, mask);

    if (spec->rests) {
        if (info->rest_token >= 0 && info->rest_token < info->vocab) {
            mask[info->rest_token] = 1;
            allowed++;
        }
        if (info->hold_token >= 0 && info->hold_token < info->vocab) {
            mask[info->hold_token] = 1;
            allowed++;
        }
    }
    return allowed;
}

int cantus_mask_build(const CantusModelInfo *info, const CantusMaskSpec *spec, uint8_t *mask)
{
    /* A validated model has at most CANTUS_MAX_VOCAB tokens; the stack
     * map keeps this call real-time safe. */
    int16_t pitch_of[CANTUS_MAX_VOCAB];
    CantusModelInfo capped = *info;
    if (capped.vocab > CANTUS_MAX_VOCAB) capped.vocab = CANTUS_MAX_VOCAB;
    cantus_pitch_map_build(&capped, spec, pitch_of);
    return cantus_mask_build_mapped(&capped, spec, pitch_of, mask);
}

static bool allowed_at(const uint8_t *mask, int i)
{
    return !mask || mask[i];
}

/* The allowed token with the largest finite logit, lowest index on ties;
 * when every allowed logit is non-finite, the lowest allowed index. */
static int argmax_allowed(const float *logits, const uint8_t *mask, int vocab)
{
    int best = -1;
    float best_value = 0.0f;
    int first = -1;
    for (int i = 0; i < vocab; i++) {
        if (!allowed_at(mask, i)) continue;
        if (first < 0) first = i;
        if (isfinite(logits[i]) && (best < 0 || logits[i] > best_value)) {
            best = i;
            best_value = logits[i];
        }
    }
    return best >= 0 ? best : first;
}

static bool is_argmax_temperature(float temperature)
{
    return !isfinite(temperature) || temperature <= CANTUS_TEMPERATURE_ARGMAX;
}

/* Unnormalised weights exp((l - max) / T) into w; returns their sum, or 0
 * when nothing is allowed. Allowed tokens whose logits are all non-finite
 * share the mass equally: the mask is a promise, never broken. */
static double softmax_weights(const float *logits, const uint8_t *mask, int vocab,
                              double temperature, double *w)
{
    double max = -INFINITY;
    int n_allowed = 0;
    for (int i = 0; i < vocab; i++) {
        if (!allowed_at(mask, i)) continue;
        n_allowed++;
        if (isfinite(logits[i]) && logits[i] > max) max = logits[i];
    }
    if (n_allowed == 0) return 0.0;

    double sum = 0.0;
    bool any_finite = isfinite(max);
    for (int i = 0; i < vocab; i++) {
        double wi = 0.0;
        if (allowed_at(mask, i)) {
            if (!any_finite)
                wi = 1.0;
            else if (isfinite(logits[i]))
                wi = exp(((double)logits[i] - max) / temperature);
        }
        w[i] = wi;
        sum += wi;
    }
    return sum;
}

bool cantus_softmax(const float *logits, const uint8_t *mask, int vocab, float temperature,
                    double *probs)
{
    if (is_argmax_temperature(temperature)) {
        int best = argmax_allowed(logits, mask, vocab);
        for (int i = 0; i < vocab; i++)
            probs[i] = i == best ? 1.0 : 0.0;
        return best >= 0;
    }
    double sum = softmax_weights(logits, mask, vocab, temperature, probs);
    if (sum <= 0.0) {
        for (int i = 0; i < vocab; i++)
            probs[i] = 0.0;
        return false;
    }
    for (int i = 0; i < vocab; i++)
        probs[i] /= sum;
    return true;
}

int cantus_mask_build_opening(const CantusModelInfo *info, const CantusMaskSpec *spec,
                              uint8_t *mask)
{
    CantusMaskSpec opening = *spec;
    opening.rests = false;
    return cantus_mask_build(info, &opening, mask);
}

int cantus_mask_build_opening_mapped(const CantusModelInfo *info, const CantusMaskSpec *spec,
                                     const int16_t *pitch_of, uint8_t *mask)
{
    CantusMaskSpec opening = *spec;
    opening.rests = false;
    return cantus_mask_build_mapped(info, &opening, pitch_of, mask);
}

int cantus_sample(const float *logits, const uint8_t *mask, int vocab, float temperature,
                  CantusRng *rng, double *scratch)
{
    if (is_argmax_temperature(temperature)) return argmax_allowed(logits, mask, vocab);

    double sum = softmax_weights(logits, mask, vocab, temperature, scratch);
    if (sum <= 0.0) return -1;

    /* Inverse CDF with one uniform draw: scaling u by the sum instead of
     * dividing every weight saves V divisions and is the same draw. */
    double target = cantus_rng_uniform(rng) * sum;
    double cumulative = 0.0;
    int last = -1;
    for (int i = 0; i < vocab; i++) {
        if (scratch[i] <= 0.0) continue;
        cumulative += scratch[i];
        last = i;
        if (target < cumulative) return i;
    }
    /* Rounding can leave target a hair above the last partial sum. */
    return last;
}
