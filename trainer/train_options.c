/* Parsing `cantus-train train` options (core/cli/cli.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"
#include "corpus_options.h"
#include "train_options.h"

/* --lr: a step must move, so above 0. */
static bool parse_lr(const char *option, const char *text, void *field)
{
    double *lr = field;
    if (cli_parse_double(text, 0, 10, lr) && *lr > 0) return true;
    cli_bad_value(option, text, "wants a number above 0, at most 10");
    return false;
}

static bool parse_seed(const char *option, const char *text, void *field)
{
    long seed;
    if (!cli_int_option(option, text, 0, 0x7fffffffffffffffL, &seed)) return false;
    *(uint64_t *)field = (uint64_t)seed;
    return true;
}

static const CliOption options[] = {
    {.help = "usage: cantus-train train --corpus DIR [DIR...] -o MODEL.safetensors [OPTIONS]\n\n"
             "Learns an LSTM melody model from every .mid/.midi file under the folders.\n"
             "Options take their value as --steps 3 or --steps=3.\n\n"
             "model and training:\n"},
    {"corpus", "DIR...", NULL, CLI_LIST(TrainOptions, dirs)},
    {"output", "MODEL", NULL, CLI_TEXT(TrainOptions, output), .letter = 'o'},
    {"layers", "N", "LSTM layers (1)",
     CLI_NUMBER(TrainOptions, train.layers, 1, CANTUS_MAX_LAYERS)},
    {"hidden", "N", "hidden units per layer (128)",
     CLI_NUMBER(TrainOptions, train.hidden, 1, CANTUS_MAX_HIDDEN)},
    {"steps", "N", "training steps, one batch each, at least 1 (5000)",
     CLI_NUMBER(TrainOptions, train.steps, 1, 1000000000L)},
    {"batch", "N", "snippets per batch (256)", CLI_NUMBER(TrainOptions, train.batch, 1, 65536)},
    {"seq", "N", "steps per snippet, backpropagated in full (64)",
     CLI_NUMBER(TrainOptions, train.seq, 1, 65536)},
    {"lr", "X", "Adam learning rate, above 0 (0.001; betas 0.9/0.999, eps 1e-8)",
     CLI_PARSED(TrainOptions, train.lr, parse_lr)},
    {"clip", "X", "clip gradients to this global L2 norm; 0: off (1.0)",
     CLI_NUMBER(TrainOptions, train.clip, 0, 1e9)},
    {"seed", "N", "initialisation and batch sampling (1)",
     CLI_PARSED(TrainOptions, train.seed, parse_seed)},
    {"threads", "N", "threads (all cores)", CLI_NUMBER(TrainOptions, train.threads, 1, 256)},
    {"eval-every", "K", "validate every K steps (100)",
     CLI_NUMBER(TrainOptions, train.eval_every, 1, 1000000000)},
    {"patience", "N", "stop after N validations without improvement; 0: never (10)",
     CLI_NUMBER(TrainOptions, train.patience, 0, 1000000000)},
    {"resume", NULL, "continue from MODEL.safetensors.ckpt", CLI_FLAG(TrainOptions, train.resume)},
    {.help = "\ncorpus and tokens:\n"},
    CLI_INCLUDE(corpus_option_rows, TrainOptions, corpus),
    {.help = "\nmodel file metadata:\n"},
    {"genre", "NAME", "cantus.genre, e.g. folk", CLI_TEXT(TrainOptions, genre)},
    {"label", "TEXT", "cantus.label, e.g. \"Folk (Nottingham)\"", CLI_TEXT(TrainOptions, label)},
    {.help = "  The corpus folders and the output are recorded by name (cantus.trained_on,\n"
             "  cantus.train_args), never by where they are on this machine.\n\n"},
    CLI_HELP_AND_VERSION,
    {.help = "\nThe output's folder is checked for writing before the corpus is read. Ctrl-C\n"
             "finishes the step and saves the best model so far; the model is written to a\n"
             "temporary file and renamed, never half-written.\n"},
    CLI_END(22),
};

int train_options_parse(TrainOptions *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    corpus_options_default(&o->corpus);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->train = (TrainConfig){
        .layers = 1,
        .hidden = 128,
        .steps = 5000,
        .batch = 256,
        .seq = 64,
        .threads = cores > 0 ? (int)cores : 1,
        .eval_every = 100,
        .patience = 10,
        .lr = 1e-3,
        .clip = 1.0,
        .seed = 1,
    };
    int status;
    if (!cli_read_command_line(argc, argv, options, o, &status)) return status ? 2 : 1;
    if (o->dirs.count == 0 || !o->output) {
        cli_usage_error("needs --corpus DIR and -o MODEL");
        return 2;
    }
    if (!o->output[0]) {
        cli_usage_error("-o: needs a file name");
        return 2;
    }
    if (o->corpus.note_low >= 0 && o->corpus.note_high >= 0 &&
        o->corpus.note_low > o->corpus.note_high) {
        cli_usage_error("--low %d is above --high %d", o->corpus.note_low, o->corpus.note_high);
        return 2;
    }
    return 0;
}
