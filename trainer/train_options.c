/* Parsing `cantus-train train` options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"
#include "train_options.h"

void train_options_help(FILE *out)
{
    fprintf(out,
            "usage: cantus-train train --corpus DIR [DIR...] -o MODEL.safetensors [OPTIONS]\n"
            "\n"
            "Learns an LSTM melody model from every .mid/.midi file under the folders.\n"
            "\n"
            "model and training:\n"
            "  --layers N          LSTM layers (1)\n"
            "  --hidden N          hidden units per layer (128)\n"
            "  --steps N           training steps, one batch each (5000)\n"
            "  --batch N           snippets per batch (256)\n"
            "  --seq N             steps per snippet, backpropagated in full (64)\n"
            "  --lr X              Adam learning rate (0.001; betas 0.9/0.999, eps 1e-8)\n"
            "  --clip X            clip gradients to this global L2 norm; 0: off (1.0)\n"
            "  --seed N            initialisation and batch sampling (1)\n"
            "  --threads N         threads (all cores)\n"
            "  --eval-every K      validate every K steps (100)\n"
            "  --patience N        stop after N validations without improvement; 0: never (10)\n"
            "  --resume            continue from MODEL.safetensors.ckpt\n"
            "\n"
            "corpus and tokens:\n"
            "  --steps-per-beat N  tokens per beat (1)\n"
            "  --bar-steps P       the metre as an input: each step's position in its bar,\n"
            "                      0..P-1, from the time signatures; bars longer than P steps\n"
            "                      are cut out and counted (0: no metre input)\n"
            "  --val-fraction X    share of files held out for validation (0.1)\n"
            "  --min-length N      skip sequences shorter than N tokens\n"
            "  --transpose A..B    augment the training split by A..B semitones\n"
            "  --track N           melody track, 0 = the first track chunk (default: the\n"
            "                      heuristic picks it)\n"
            "  --channel N         melody channel 1-16 (default: any but drums)\n"
            "  --low P, --high P   pitch range of the model, MIDI number or name (C4 = 60;\n"
            "                      default: the training split's)\n"
            "\n"
            "model file metadata:\n"
            "  --genre NAME        cantus.genre, e.g. folk\n"
            "  --label TEXT        cantus.label, e.g. \"Folk (Nottingham)\"\n"
            "\n"
            "Ctrl-C finishes the step and saves the best model so far; the model is\n"
            "written to a temporary file and renamed, never half-written.\n");
}

static int to_long(const char *flag, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        fprintf(stderr, "cantus-train train: %s wants a whole number in %ld..%ld, not '%s'\n", flag,
                lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int to_double(const char *flag, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "cantus-train train: %s wants a number in %g..%g, not '%s'\n", flag, lo, hi,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

static int to_int(const char *flag, const char *text, long lo, long hi, int *out)
{
    long v;
    if (to_long(flag, text, lo, hi, &v)) return -1;
    *out = (int)v;
    return 0;
}

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
    fprintf(stderr, "cantus-train train: --transpose wants A..B semitones (-24..24), not '%s'\n",
            text);
    return -1;
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
    o->dirs = calloc((size_t)argc, sizeof *o->dirs);
    if (!o->dirs) return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            train_options_help(stdout);
            return 1;
        }
        if (!strcmp(a, "--resume")) {
            o->train.resume = 1;
            continue;
        }
        if (!strcmp(a, "--corpus")) {
            while (i + 1 < argc && strncmp(argv[i + 1], "-", 1) != 0)
                o->dirs[o->n_dirs++] = argv[++i];
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "cantus-train train: unknown option or missing value: %s\n", a);
            return 2;
        }
        const char *v = argv[++i];
        long lv = 0;
        int bad = 0;
        if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            o->output = v;
        else if (!strcmp(a, "--layers"))
            bad = to_int(a, v, 1, CANTUS_MAX_LAYERS, &o->train.layers);
        else if (!strcmp(a, "--hidden"))
            bad = to_int(a, v, 1, CANTUS_MAX_HIDDEN, &o->train.hidden);
        else if (!strcmp(a, "--steps"))
            bad = to_long(a, v, 0, 1000000000L, &o->train.steps);
        else if (!strcmp(a, "--batch"))
            bad = to_int(a, v, 1, 65536, &o->train.batch);
        else if (!strcmp(a, "--seq"))
            bad = to_int(a, v, 1, 65536, &o->train.seq);
        else if (!strcmp(a, "--lr"))
            bad = to_double(a, v, 0, 10, &o->train.lr);
        else if (!strcmp(a, "--clip"))
            bad = to_double(a, v, 0, 1e9, &o->train.clip);
        else if (!strcmp(a, "--seed")) {
            bad = to_long(a, v, 0, 0x7fffffffffffffffL, &lv);
            o->train.seed = (uint64_t)lv;
        } else if (!strcmp(a, "--threads"))
            bad = to_int(a, v, 1, 256, &o->train.threads);
        else if (!strcmp(a, "--eval-every"))
            bad = to_int(a, v, 1, 1000000000, &o->train.eval_every);
        else if (!strcmp(a, "--patience"))
            bad = to_int(a, v, 0, 1000000000, &o->train.patience);
        else if (!strcmp(a, "--bar-steps"))
            bad = to_int(a, v, 0, CANTUS_MAX_BAR_STEPS, &o->corpus.bar_steps);
        else if (!strcmp(a, "--steps-per-beat"))
            bad = to_int(a, v, 1, 48, &o->corpus.steps_per_beat);
        else if (!strcmp(a, "--val-fraction"))
            bad = to_double(a, v, 0, 1, &o->corpus.val_fraction);
        else if (!strcmp(a, "--min-length"))
            bad = to_int(a, v, 0, 1000000000, &o->corpus.min_length);
        else if (!strcmp(a, "--transpose"))
            bad = to_range(v, &o->corpus.transpose_lo, &o->corpus.transpose_hi);
        else if (!strcmp(a, "--track"))
            bad = to_int(a, v, 0, 65535, &o->corpus.track);
        else if (!strcmp(a, "--channel")) {
            bad = to_int(a, v, 1, 16, &o->corpus.channel);
            o->corpus.channel -= 1; /* corpus.h counts channels from 0 */
        } else if (!strcmp(a, "--low") || !strcmp(a, "--high")) {
            int *pitch = !strcmp(a, "--low") ? &o->corpus.note_low : &o->corpus.note_high;
            if ((bad = !cli_parse_pitch(v, pitch)))
                fprintf(stderr,
                        "cantus-train train: %s wants a MIDI pitch (0-127 or a name "
                        "such as C4 = 60), not '%s'\n",
                        a, v);
        } else if (!strcmp(a, "--genre"))
            o->genre = v;
        else if (!strcmp(a, "--label"))
            o->label = v;
        else {
            fprintf(stderr, "cantus-train train: unknown option %s (see --help)\n", a);
            return 2;
        }
        if (bad) return 2;
    }
    if (o->n_dirs == 0 || !o->output) {
        fprintf(stderr, "cantus-train train: needs --corpus DIR and -o MODEL (see --help)\n");
        return 2;
    }
    return 0;
}
