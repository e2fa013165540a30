/* The token vocabulary (token.h), and tokens <-> MIDI pitches (model.h):
 * pitch tokens are note_low + index; REST and HOLD are not pitches. */
#include "token.h"

#include <math.h>

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

CantusTokenKind cantus_token_kind(const CantusModelInfo *info, int token)
{
    if (!info || token < 0 || token >= info->vocab) return CANTUS_TOKEN_NONE;
    if (token < info->pitch_tokens) return CANTUS_TOKEN_PITCH;
    if (token == info->rest_token) return CANTUS_TOKEN_REST;
    if (token == info->hold_token) return CANTUS_TOKEN_HOLD;
    return CANTUS_TOKEN_NONE;
}

int cantus_vocab_rest_token(int pitch_tokens)
{
    return pitch_tokens;
}

int cantus_vocab_hold_token(int pitch_tokens)
{
    return pitch_tokens + 1;
}

int cantus_vocab_size(int pitch_tokens)
{
    return pitch_tokens + 2;
}

int64_t cantus_note_end(int64_t last_step, int64_t next_step, double gate_percent)
{
    if (gate_percent >= 100.0) return next_step;
    int64_t length = (int64_t)llround((double)(next_step - last_step) * gate_percent / 100.0);
    if (length < 1) length = 1;
    return last_step + length;
}

int64_t cantus_note_steps_end(int64_t end, int64_t step_length)
{
    return (end + step_length - 1) / step_length;
}
