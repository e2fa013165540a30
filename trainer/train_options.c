/* Parsing `cantus-train train` options (getopt_long, core/cli/cli.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"
#include "train_options.h"

static int to_range(const char *text, int *lo, int *hi)
{
    char *end;
    long a = strtol(text, &end, 10);
    if (end == text || strncmp(end, "..", 2) != 0) goto bad;
    const char *rest = end + 2;
    long b = strtol(rest, &end, 10);
    if (end == rest || *end || a > b || a < -24 || b > 24) goto bad;
    *lo = (int)a;
    *hi = (int)b;
    return 0;
bad:
    cli_bad_value("--transpose", text, "wants A..B semitones, -24 <= A <= B <= 24");
    return -1;
}

enum {
    OPT_CORPUS = CLI_FIRST_OWN_OPTION,
    OPT_LAYERS,
    OPT_HIDDEN,
    OPT_STEPS,
    OPT_BATCH,
    OPT_SEQ,
    OPT_LR,
    OPT_CLIP,
    OPT_SEED,
    OPT_THREADS,
    OPT_EVAL_EVERY,
    OPT_PATIENCE,
    OPT_RESUME,
    OPT_STEPS_PER_BEAT,
    OPT_BAR_STEPS,
    OPT_VAL_FRACTION,
    OPT_MIN_LENGTH,
    OPT_TRANSPOSE,
    OPT_TRACK,
    OPT_CHANNEL,
    OPT_LOW,
    OPT_HIGH,
    OPT_GENRE,
    OPT_LABEL,
};

static const CliOption options[] = {
    {"corpus", OPT_CORPUS, "DIR...", NULL},
    {"output", 'o', "MODEL", NULL},
    {"layers", OPT_LAYERS, "N", "LSTM layers (1)"},
    {"hidden", OPT_HIDDEN, "N", "hidden units per layer (128)"},
    {"steps", OPT_STEPS, "N", "training steps, one batch each, at least 1 (5000)"},
    {"batch", OPT_BATCH, "N", "snippets per batch (256)"},
    {"seq", OPT_SEQ, "N", "steps per snippet, backpropagated in full (64)"},
    {"lr", OPT_LR, "X", "Adam learning rate, above 0 (0.001; betas 0.9/0.999, eps 1e-8)"},
    {"clip", OPT_CLIP, "X", "clip gradients to this global L2 norm; 0: off (1.0)"},
    {"seed", OPT_SEED, "N", "initialisation and batch sampling (1)"},
    {"threads", OPT_THREADS, "N", "threads (all cores)"},
    {"eval-every", OPT_EVAL_EVERY, "K", "validate every K steps (100)"},
    {"patience", OPT_PATIENCE, "N", "stop after N validations without improvement; 0: never (10)"},
    {"resume", OPT_RESUME, NULL, "continue from MODEL.safetensors.ckpt"},
    {.help = "\ncorpus and tokens:\n"},
    {"steps-per-beat", OPT_STEPS_PER_BEAT, "N", "tokens per beat (1)"},
    {"bar-steps", OPT_BAR_STEPS, "P",
     "the metre as an input: each step's position in its bar,\n"
     "0..P-1, from the time signatures; bars longer than P steps\n"
     "are cut out and counted (0: no metre input)"},
    {"val-fraction", OPT_VAL_FRACTION, "X",
     "share of files held out for validation, 0 to below 1 (0.1)"},
    {"min-length", OPT_MIN_LENGTH, "N", "skip sequences shorter than N tokens (16)"},
    {"transpose", OPT_TRANSPOSE, "A..B", "augment the training split by A..B semitones"},
    {"track", OPT_TRACK, "N",
     "melody track, 0 = the first track chunk (default: the\n"
     "heuristic picks it)"},
    {"channel", OPT_CHANNEL, "N", "melody channel 1-16 (default: any but drums)"},
    {"low", OPT_LOW, "P", CLI_SAME_LINE},
    {"high", OPT_HIGH, "P",
     "pitch range of the model, MIDI number or name (C4 = 60;\n"
     "default: the training split's)"},
    {.help = "\nmodel file metadata:\n"},
    {"genre", OPT_GENRE, "NAME", "cantus.genre, e.g. folk"},
    {"label", OPT_LABEL, "TEXT", "cantus.label, e.g. \"Folk (Nottingham)\""},
    {.help = "  The corpus folders and the output are recorded by name (cantus.trained_on,\n"
             "  cantus.train_args), never by where they are on this machine.\n"
             "\n"},
    {0},
};

static const CliCommand command = {
    .usage = "usage: cantus-train train --corpus DIR [DIR...] -o MODEL.safetensors [OPTIONS]\n"
             "\n"
             "Learns an LSTM melody model from every .mid/.midi file under the folders.\n"
             "Options take their value as --steps 3 or --steps=3.\n"
             "\n"
             "model and training:\n",
    .options = options,
    .column = 22,
    .epilogue = "\n"
                "The output's folder is checked for writing before the corpus is read. Ctrl-C\n"
                "finishes the step and saves the best model so far; the model is written to a\n"
                "temporary file and renamed, never half-written.\n",
};

static bool int_option(const char *option, const char *text, long lo, long hi, int *out)
{
    long v;
    if (!cli_int_option(option, text, lo, hi, &v)) return false;
    *out = (int)v;
    return true;
}

/* One option's value into the TrainOptions; false after a usage error. */
static bool take_option(int c, const char *v, void *context)
{
    TrainOptions *o = context;
    long lv = 0;
    switch (c) {
    case OPT_CORPUS:
        o->dirs[o->n_dirs++] = v;
        return true;
    case 'o':
        o->output = v;
        return true;
    case OPT_LAYERS:
        return int_option("--layers", v, 1, CANTUS_MAX_LAYERS, &o->train.layers);
    case OPT_HIDDEN:
        return int_option("--hidden", v, 1, CANTUS_MAX_HIDDEN, &o->train.hidden);
    case OPT_STEPS:
        return cli_int_option("--steps", v, 1, 1000000000L, &o->train.steps);
    case OPT_BATCH:
        return int_option("--batch", v, 1, 65536, &o->train.batch);
    case OPT_SEQ:
        return int_option("--seq", v, 1, 65536, &o->train.seq);
    case OPT_LR:
        if (cli_parse_double(v, 0, 10, &o->train.lr) && o->train.lr > 0) return true;
        cli_bad_value("--lr", v, "wants a number above 0, at most 10");
        return false;
    case OPT_CLIP:
        return cli_double_option("--clip", v, 0, 1e9, &o->train.clip);
    case OPT_SEED:
        if (!cli_int_option("--seed", v, 0, 0x7fffffffffffffffL, &lv)) return false;
        o->train.seed = (uint64_t)lv;
        return true;
    case OPT_THREADS:
        return int_option("--threads", v, 1, 256, &o->train.threads);
    case OPT_EVAL_EVERY:
        return int_option("--eval-every", v, 1, 1000000000, &o->train.eval_every);
    case OPT_PATIENCE:
        return int_option("--patience", v, 0, 1000000000, &o->train.patience);
    case OPT_RESUME:
        o->train.resume = 1;
        return true;
    case OPT_STEPS_PER_BEAT:
        return int_option("--steps-per-beat", v, 1, 48, &o->corpus.steps_per_beat);
    case OPT_BAR_STEPS:
        return int_option("--bar-steps", v, 0, CANTUS_MAX_BAR_STEPS, &o->corpus.bar_steps);
    case OPT_VAL_FRACTION:
        /* 1 would leave nothing to train on. */
        if (cli_parse_double(v, 0, 1, &o->corpus.val_fraction) && o->corpus.val_fraction < 1)
            return true;
        cli_bad_value("--val-fraction", v, "wants a share of the files, at least 0 and below 1");
        return false;
    case OPT_MIN_LENGTH:
        return int_option("--min-length", v, 0, 1000000000, &o->corpus.min_length);
    case OPT_TRANSPOSE:
        return to_range(v, &o->corpus.transpose_lo, &o->corpus.transpose_hi) == 0;
    case OPT_TRACK:
        return int_option("--track", v, 0, 65535, &o->corpus.track);
    case OPT_CHANNEL:
        if (!int_option("--channel", v, 1, 16, &o->corpus.channel)) return false;
        o->corpus.channel -= 1; /* corpus.h counts channels from 0 */
        return true;
    case OPT_LOW:
        return cli_pitch_option("--low", v, &o->corpus.note_low);
    case OPT_HIGH:
        return cli_pitch_option("--high", v, &o->corpus.note_high);
    case OPT_GENRE:
        o->genre = v;
        return true;
    case OPT_LABEL:
        o->label = v;
        return true;
    default:
        return false;
    }
}

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
    o->dirs = calloc((size_t)argc + 1, sizeof *o->dirs);
    if (!o->dirs) return 2;
    int status = cli_parse_options(argc, argv, &command, take_option, o);
    if (status != CLI_SUCCESS) return status == CLI_ANSWERED ? 1 : 2;
    if (cli_no_operands(argc, argv)) return 2;
    if (o->n_dirs == 0 || !o->output) {
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
