/* Parsing `cantus-train train` options. */
#include <limits.h>
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
    const CliOption options[] = {
        {"-o", CLI_TEXT, 0, 0, &o->output},
        {"--output", CLI_TEXT, 0, 0, &o->output},
        {"--genre", CLI_TEXT, 0, 0, &o->genre},
        {"--label", CLI_TEXT, 0, 0, &o->label},
        {"--layers", CLI_INT, 1, CANTUS_MAX_LAYERS, &o->train.layers},
        {"--hidden", CLI_INT, 1, CANTUS_MAX_HIDDEN, &o->train.hidden},
        {"--steps", CLI_LONG, 0, 1e9, &o->train.steps},
        {"--batch", CLI_INT, 1, 65536, &o->train.batch},
        {"--seq", CLI_INT, 1, 65536, &o->train.seq},
        {"--lr", CLI_DOUBLE, 0, 10, &o->train.lr},
        {"--clip", CLI_DOUBLE, 0, 1e9, &o->train.clip},
        {"--threads", CLI_INT, 1, 256, &o->train.threads},
        {"--eval-every", CLI_INT, 1, 1e9, &o->train.eval_every},
        {"--patience", CLI_INT, 0, 1e9, &o->train.patience},
        {"--steps-per-beat", CLI_INT, 1, 48, &o->corpus.steps_per_beat},
        {"--val-fraction", CLI_DOUBLE, 0, 1, &o->corpus.val_fraction},
        {"--min-length", CLI_INT, 0, 1e9, &o->corpus.min_length},
        {"--track", CLI_INT, 0, 65535, &o->corpus.track},
    };
    const int n_options = (int)(sizeof options / sizeof options[0]);
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
        const CliOption *option = cli_find(options, n_options, a);
        long seed;
        int bad = 0;
        if (option)
            bad = !cli_store("train", option, v);
        else if (!strcmp(a, "--seed")) {
            if ((bad = !cli_parse_int(v, 0, LONG_MAX, &seed)))
                fprintf(stderr,
                        "cantus-train train: --seed wants a whole number from 0, not '%s'\n", v);
            o->train.seed = (uint64_t)seed;
        } else if (!strcmp(a, "--transpose"))
            bad = to_range(v, &o->corpus.transpose_lo, &o->corpus.transpose_hi);
        else if (!strcmp(a, "--channel")) {
            const CliOption channel = {"--channel", CLI_INT, 1, 16, &o->corpus.channel};
            bad = !cli_store("train", &channel, v);
            o->corpus.channel -= 1; /* corpus.h counts channels from 0 */
        } else if (!strcmp(a, "--low") || !strcmp(a, "--high")) {
            int *pitch = !strcmp(a, "--low") ? &o->corpus.note_low : &o->corpus.note_high;
            if ((bad = !cli_parse_pitch(v, pitch)))
                fprintf(stderr,
                        "cantus-train train: %s wants a MIDI pitch (0-127 or a name "
                        "such as C4 = 60), not '%s'\n",
                        a, v);
        } else {
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
