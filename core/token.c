/* Tokens and MIDI pitches: pitch tokens are note_low + index; REST and HOLD
 * are not pitches. */
#include "model.h"

int cantus_token_pitch(const CantusModelInfo *info, int token)
{
    if (!info || token < 0 || token >= info->pitch_tokens) return -1;
    return info->note_low + token;
}

int cantus_pitch_token(const CantusModelInfo *info, int pitch)
{
    if (!info || info->pitch_tokens <= 0) return -1;
    /* Fold by whole octaves so a request outside the range keeps its pitch
     * class: below the range, move up; above, move down. */
    long long p = pitch;
    if (p < info->note_low) p += (info->note_low - p + 11) / 12 * 12;
    if (p > info->note_high) p -= (p - info->note_high + 11) / 12 * 12;
    if (p < info->note_low) return -1; /* range narrower than an octave, pitch class absent */
    return (int)p - info->note_low;
}
