/* The corpus options' rows (corpus_options.h). */
#include "corpus_options.h"

#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "model.h"

static bool parse_val_fraction(const char *option, const char *text, void *field)
{
    double *fraction = field;
    /* 1 would leave nothing to train on. */
    if (cli_parse_double(text, 0, 1, fraction) && *fraction < 1) return true;
    cli_bad_value(option, text, "wants a share of the files, at least 0 and below 1");
    return false;
}

/* A..B into the whole CorpusOptions (its row's field is the struct). */
static bool parse_transpose(const char *option, const char *text, void *field)
{
    CorpusOptions *corpus = field;
    char *end;
    long a = strtol(text, &end, 10), b;
    if (end == text || strncmp(end, "..", 2) != 0 || !cli_parse_int(end + 2, -24, 24, &b) ||
        a < -24 || a > b) {
        cli_bad_value(option, text, "wants A..B semitones, -24 <= A <= B <= 24");
        return false;
    }
    corpus->transpose_lo = (int)a;
    corpus->transpose_hi = (int)b;
    return true;
}

static bool parse_channel(const char *option, const char *text, void *field)
{
    long channel;
    if (!cli_int_option(option, text, 1, 16, &channel)) return false;
    *(int *)field = (int)channel - 1; /* corpus.h counts channels from 0 */
    return true;
}

const CliOption corpus_option_rows[] = {
    {"steps-per-beat", "N", "tokens per beat (1)",
     CLI_NUMBER(CorpusOptions, steps_per_beat, 1, 48)},
    {"bar-steps", "P",
     "the metre as an input: each step's position in its bar,\n"
     "0..P-1, from the time signatures; bars longer than P steps\n"
     "are cut out and counted (0: no metre input)",
     CLI_NUMBER(CorpusOptions, bar_steps, 0, CANTUS_MAX_BAR_STEPS)},
    {"val-fraction", "X", "share of files held out for validation, 0 to below 1 (0.1)",
     CLI_PARSED(CorpusOptions, val_fraction, parse_val_fraction)},
    {"min-length", "N", "skip sequences shorter than N tokens (16)",
     CLI_NUMBER(CorpusOptions, min_length, 0, 1000000000)},
    {"transpose", "A..B", "augment the training split by A..B semitones",
     CLI_PARSED_WHOLE(parse_transpose)},
    {"track", "N",
     "melody track, 0 = the first track chunk (default: the\n"
     "heuristic picks it)",
     CLI_NUMBER(CorpusOptions, track, 0, 65535)},
    {"channel", "N", "melody channel 1-16 (default: any but drums)",
     CLI_PARSED(CorpusOptions, channel, parse_channel)},
    {"low", "P", CLI_SAME_LINE, CLI_PARSED(CorpusOptions, note_low, cli_pitch_option)},
    {"high", "P",
     "pitch range of the model, MIDI number or name (C4 = 60;\n"
     "default: the training split's)",
     CLI_PARSED(CorpusOptions, note_high, cli_pitch_option)},
    {0},
};
