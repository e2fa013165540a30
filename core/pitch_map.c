/* The register: which pitch each token sounds at, for a range and a
 * transposition (see sampler.h). Built off the audio thread or on a control
 * change, never per step: O(V). */
#include "sampler.h"

static int clamp_pitch(int pitch)
{
    return pitch < 0 ? 0 : pitch > 127 ? 127 : pitch;
}

/* [low, high] from the spec: each end a MIDI pitch, in order. */
static void range_of(const CantusMaskSpec *spec, int *low, int *high)
{
    int a = clamp_pitch(spec->note_low), b = clamp_pitch(spec->note_high);
    *low = a < b ? a : b;
    *high = a < b ? b : a;
}

/* Carried by whole octaves to the nearest octave inside [low, high]: up
 * from below, down from above. CANTUS_NO_PITCH when the range (narrower
 * than an octave) has no place for the pitch class. */
static int fold(long long pitch, int low, int high)
{
    if (pitch < low) pitch += (low - pitch + 11) / 12 * 12;
    if (pitch > high) pitch -= (pitch - high + 11) / 12 * 12;
    return pitch < low ? CANTUS_NO_PITCH : (int)pitch;
}

int cantus_pitch_map_build(const CantusModelInfo *info, const CantusMaskSpec *spec,
                           int16_t *pitch_of)
{
    int low, high;
    range_of(spec, &low, &high);
    const int pitch_tokens = info->pitch_tokens < info->vocab ? info->pitch_tokens : info->vocab;
    int sounding = 0;
    for (int t = 0; t < info->vocab; t++) {
        int pitch = CANTUS_NO_PITCH;
        if (t < pitch_tokens)
            pitch = fold((long long)info->note_low + t + spec->transpose, low, high);
        pitch_of[t] = (int16_t)pitch;
        sounding += pitch != CANTUS_NO_PITCH;
    }
    if (sounding > 0 || pitch_tokens <= 0) return sounding;

    /* No pitch class of the model fits the range: the nearest pitch the
     * range allows, rather than silence or a note outside it. */
    for (int t = 0; t < pitch_tokens; t++) {
        long long pitch = (long long)info->note_low + t + spec->transpose;
        pitch_of[t] = (int16_t)(pitch < low ? low : pitch > high ? high : pitch);
    }
    return pitch_tokens;
}
