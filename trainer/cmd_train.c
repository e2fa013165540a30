/* cantus-train train: a folder of MIDI files in, a Cantus model out. The
 * corpus (trainer/midi) gives token sequences, train_loop.c learns, and
 * this file ties them together: options, metadata, the model file. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <jansson.h>
#include <unistd.h>

#include "commands.h"
#include "midi/corpus.h"
#include "learn/lstm_params.h"
#include "train_options.h"

/* What the model file's metadata needs besides the training progress. */
typedef struct {
    const TrainOptions *options;
    const Corpus *corpus;
    char *trained_on; /* JSON array of the corpus folders */
    char *args;       /* the command line */
} SaveContext;

static void on_signal(int sig)
{
    (void)sig;
    train_stop_requested = 1;
}

/* The command line as one string, arguments with spaces or quotes quoted. */
static char *join_args(int argc, char **argv)
{
    size_t size = 32;
    for (int i = 0; i < argc; i++)
        size += 2 * strlen(argv[i]) + 3;
    char *s = malloc(size), *at = s;
    if (!s) return NULL;
    at += sprintf(at, "cantus-train");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = !*a || strpbrk(a, " \t\"'\\$") != NULL;
        *at++ = ' ';
        if (quote) *at++ = '\'';
        for (const char *p = a; *p; p++) {
            if (quote && *p == '\'') {
                memcpy(at, "'\\''", 4);
                at += 4;
            } else {
                *at++ = *p;
            }
        }
        if (quote) *at++ = '\'';
    }
    *at = 0;
    return s;
}

static char *dirs_json(const TrainOptions *o)
{
    json_t *array = json_array();
    for (int i = 0; i < o->n_dirs; i++)
        json_array_append_new(array, json_string(o->dirs[i]));
    char *s = json_dumps(array, JSON_COMPACT);
    json_decref(array);
    return s;
}

/* A run killed while writing (kill -9, power loss) can leave the temporary
 * file of an atomic write behind: MODEL.tmp-XXXXXX or MODEL.ckpt.tmp-XXXXXX
 * (mkstemp's six characters). The next run on the same output removes them. */
static void remove_stale_temps(const char *output)
{
    const char *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    char dir[4096];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - output + (slash == output)), output);
    else
        snprintf(dir, sizeof dir, ".");
    DIR *d = opendir(dir);
    if (!d) return;
    size_t n = strlen(base);
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        if (strncmp(name, base, n) != 0) continue;
        const char *rest = name + n;
        if (!strncmp(rest, ".ckpt", 5)) rest += 5;
        if (strncmp(rest, ".tmp-", 5) != 0 || strlen(rest + 5) != 6) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (unlink(path) == 0)
            fprintf(stderr, "cantus-train: removed %s, left by an interrupted run\n", path);
    }
    closedir(d);
}

static int save_model(void *ctx, const LstmParams_f *best, const TrainProgress *progress, char *err,
                      size_t err_size)
{
    const SaveContext *sc = ctx;
    const TrainOptions *o = sc->options;
    const Corpus *c = sc->corpus;
    enum { N = 32, LEN = 64 };
    char values[N][LEN];
    CantusSafetensorsWriteMeta meta[N];
    int n = 0;
#define META_TEXT(k, text) (meta[n] = (CantusSafetensorsWriteMeta){(k), (text)}, n++)
#define META_FMT(k, ...)                                                                           \
    (snprintf(values[n], LEN, __VA_ARGS__),                                                        \
     meta[n] = (CantusSafetensorsWriteMeta){(k), values[n]}, n++)
    META_TEXT("cantus.format", "1");
    META_FMT("cantus.note_low", "%d", c->note_low);
    META_FMT("cantus.note_high", "%d", c->note_high);
    META_FMT("cantus.rest_token", "%d", c->rest_token);
    META_FMT("cantus.hold_token", "%d", c->hold_token);
    META_FMT("cantus.steps_per_beat", "%d", c->steps_per_beat);
    if (c->bar_steps > 0) META_FMT("cantus.bar_steps", "%d", c->bar_steps);
    if (o->genre) META_TEXT("cantus.genre", o->genre);
    if (o->label) META_TEXT("cantus.label", o->label);
    META_TEXT("cantus.trained_on", sc->trained_on);
    META_TEXT("cantus.train_args", sc->args);
    META_FMT("cantus.steps", "%ld", progress->best_step);
    if (isfinite(progress->best_val_nll)) {
        META_FMT("cantus.val_nll", "%.6f", progress->best_val_nll);
        META_FMT("cantus.val_accuracy", "%.6f", progress->best_val_acc);
    }
    if (isfinite(progress->best_train_acc))
        META_FMT("cantus.train_accuracy", "%.6f", progress->best_train_acc);
    META_FMT("cantus.val_fraction", "%.17g", o->corpus.val_fraction);
    META_TEXT("cantus.split", "fnv1a64");
    META_FMT("cantus.corpus_files", "%d", c->files_read);
    META_FMT("cantus.tokens_train", "%ld", c->tokens[CORPUS_TRAIN]);
    META_FMT("cantus.tokens_val", "%ld", c->tokens[CORPUS_VAL]);
    META_FMT("cantus.seconds", "%.1f", progress->seconds);
    /* What eval needs to re-derive the training split's tokens. */
    META_FMT("cantus.min_length", "%d", o->corpus.min_length);
    META_FMT("cantus.transpose", "%d..%d", o->corpus.transpose_lo, o->corpus.transpose_hi);
    META_FMT("cantus.track", "%d", o->corpus.track);
    META_FMT("cantus.channel", "%d", o->corpus.channel);
    META_FMT("cantus.seed", "%llu", (unsigned long long)o->train.seed);
#undef META_TEXT
#undef META_FMT
    return lstm_params_save(best, o->output, meta, n, err, err_size);
}

int cmd_train(int argc, char **argv)
{
    TrainOptions o;
    int parsed = train_options_parse(&o, argc, argv);
    if (parsed != 0) {
        free(o.dirs);
        return parsed == 1 ? 0 : 2;
    }
    Corpus corpus;
    if (corpus_load(&corpus, o.dirs, o.n_dirs, &o.corpus, stderr) != 0) {
        free(o.dirs);
        return 1;
    }
    /* The splits as plain token arrays: the training loop knows no MIDI. */
    TokenSeq *train = calloc((size_t)corpus.n_seqs + 1, sizeof *train);
    TokenSeq *val = calloc((size_t)corpus.n_seqs + 1, sizeof *val);
    size_t ckpt_size = strlen(o.output) + 8;
    char *ckpt = malloc(ckpt_size);
    SaveContext sc = {&o, &corpus, dirs_json(&o), join_args(argc, argv)};
    int status = 1;
    if (!train || !val || !ckpt || !sc.trained_on || !sc.args) {
        fprintf(stderr, "cantus-train train: out of memory\n");
        goto done;
    }
    int n_train = 0, n_val = 0;
    for (int i = 0; i < corpus.n_seqs; i++) {
        const CorpusSequence *s = &corpus.seqs[i];
        TokenSeq t = {s->tokens, s->length, s->positions};
        if (s->split == CORPUS_VAL)
            val[n_val++] = t;
        else
            train[n_train++] = t;
    }
    if (n_train == 0) {
        fprintf(stderr, "cantus-train train: every file fell in the validation split; lower "
                        "--val-fraction\n");
        goto done;
    }
    snprintf(ckpt, ckpt_size, "%s.ckpt", o.output);
    remove_stale_temps(o.output);
    o.train.checkpoint = ckpt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Printed once the handlers are in place: from here on, Ctrl-C saves. */
    fprintf(stderr,
            "cantus-train: V=%d (MIDI %d..%d, REST %d, HOLD %d), H=%d L=%d, %d training and %d "
            "validation sequences, %d threads\n",
            corpus.vocab, corpus.note_low, corpus.note_high, corpus.rest_token, corpus.hold_token,
            o.train.hidden, o.train.layers, n_train, n_val, o.train.threads);

    TrainProgress done;
    o.train.bar_steps = corpus.bar_steps;
    status = train_model(&o.train, corpus.vocab, train, n_train, val, n_val, save_model, &sc,
                         stderr, &done);
    if (status == 0 && isfinite(done.best_val_nll))
        fprintf(stderr,
                "cantus-train: wrote %s (step %ld of %ld; validation NLL %.4f, accuracy %.1f%%; "
                "training accuracy %.1f%%; %.0f s)\n",
                o.output, done.best_step, done.step, done.best_val_nll, 100 * done.best_val_acc,
                100 * done.best_train_acc, done.seconds);
    else if (status == 0)
        fprintf(stderr,
                "cantus-train: wrote %s (step %ld; no validation split; training accuracy "
                "%.1f%%; %.0f s)\n",
                o.output, done.best_step, 100 * done.best_train_acc, done.seconds);
done:
    free(train);
    free(val);
    free(ckpt);
    free(sc.trained_on);
    free(sc.args);
    corpus_free(&corpus);
    free(o.dirs);
    return status;
}
