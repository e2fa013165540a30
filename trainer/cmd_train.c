/* cantus-train train: a folder of MIDI files in, a Cantus model out. The
 * corpus (trainer/midi) gives token sequences, train_loop.c learns, and
 * this file ties them together: options, metadata, the model file. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "midi/corpus.h"
#include "learn/lstm_params.h"
#include "provenance.h"
#include "train_options.h"

/* What the model file's metadata needs besides the training progress. */
typedef struct {
    const TrainOptions *options;
    const Corpus *corpus;
    char *trained_on; /* JSON array of the corpus folders' names */
    char *args;       /* the command line, paths reduced to their names */
} SaveContext;

static void on_signal(int sig)
{
    (void)sig;
    train_stop_requested = 1;
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
        if (unlink(path) == 0) cli_error("removed %s, left by an interrupted run", path);
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

/* The output's folder must take a file: found out now, not after the corpus
 * is read and the first validation is due. The probe is named as the atomic
 * writes' temporary files are, so one left by a kill -9 is removed as they
 * are (remove_stale_temps). */
static int check_output_writable(const char *output)
{
    struct stat st;
    if (stat(output, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("%s: is a folder; -o wants the model file's name", output);
        return -1;
    }
    size_t size = strlen(output) + 16;
    char *probe = malloc(size);
    if (!probe) return -1;
    snprintf(probe, size, "%s.tmp-XXXXXX", output);
    int fd = mkstemp(probe);
    if (fd < 0) {
        cli_error("%s: cannot write a file in its folder: %s", output, strerror(errno));
        free(probe);
        return -1;
    }
    close(fd);
    unlink(probe);
    free(probe);
    return 0;
}

/* Validation picks the weights kept and decides when to stop, so its mean
 * NLL must be known more closely than the differences it judges. The NLL of
 * one token spreads by 0.99-1.56 nats (standard deviation, measured on the
 * four shipped presets' validation splits), so over n tokens the mean has a
 * standard error of about NLL_SPREAD / sqrt(n). MAX_STANDARD_ERROR is 1 % of
 * a typical NLL of 2 nats: the gains between the presets' training settings
 * were 0.03-0.09 nats, and two standard errors must fit well inside them.
 * Songs differ more than tokens do: over the same presets, the standard
 * error taken song by song was 1.4-4 times the token one, the most for the
 * fewest songs (8), hence MIN_FILES too. */
#define NLL_SPREAD         1.6
#define MAX_STANDARD_ERROR 0.02
#define MIN_FILES          20

static void warn_small_validation(const TokenSeq *val, int n_val, double val_fraction)
{
    long predicted = 0;
    for (int i = 0; i < n_val; i++)
        if (val[i].length > 1) predicted += val[i].length - 1;
    if (predicted == 0) {
        if (val_fraction > 0)
            cli_error("warning: no file fell in the validation split: the model kept is the "
                      "last one, not the best; raise --val-fraction");
        return;
    }
    double standard_error = NLL_SPREAD / sqrt((double)predicted);
    if (standard_error <= MAX_STANDARD_ERROR && n_val >= MIN_FILES) return;
    cli_error("warning: the validation split is too small to judge by: %ld tokens in %d files "
              "give its mean NLL a standard error of about %.3f nats (wanted: %.2f or less, and "
              "%d files or more); raise --val-fraction or add files",
              predicted, n_val, standard_error, MAX_STANDARD_ERROR, MIN_FILES);
}

int cmd_train(int argc, char **argv)
{
    /* getopt reorders its argv: the parser gets a copy, the model records
     * the command line as it was typed. */
    char **words = malloc(((size_t)argc + 1) * sizeof *words);
    if (!words) return 1;
    memcpy(words, argv, (size_t)argc * sizeof *words);
    words[argc] = NULL;
    TrainOptions o;
    int parsed = train_options_parse(&o, argc, words);
    free(words);
    if (parsed != 0) {
        free(o.dirs.items);
        return parsed == 1 ? 0 : 2;
    }
    if (check_output_writable(o.output) != 0) {
        free(o.dirs.items);
        return 1;
    }
    Corpus corpus;
    if (corpus_load(&corpus, o.dirs.items, o.dirs.count, &o.corpus, stderr) != 0) {
        free(o.dirs.items);
        return 1;
    }
    /* The splits as plain token arrays: the training loop knows no MIDI. */
    TokenSeq *train = calloc((size_t)corpus.n_seqs + 1, sizeof *train);
    TokenSeq *val = calloc((size_t)corpus.n_seqs + 1, sizeof *val);
    size_t ckpt_size = strlen(o.output) + 8;
    char *ckpt = malloc(ckpt_size);
    const char **paths = calloc((size_t)o.dirs.count + 1, sizeof *paths);
    if (paths) {
        memcpy(paths, o.dirs.items, (size_t)o.dirs.count * sizeof *paths);
        paths[o.dirs.count] = o.output;
    }
    SaveContext sc = {
        &o, &corpus, provenance_folders_json(o.dirs.items, o.dirs.count),
        paths ? provenance_command_line("cantus-train", argc, argv, paths, o.dirs.count + 1)
              : NULL};
    free(paths);
    int status = 1;
    if (!train || !val || !ckpt || !sc.trained_on || !sc.args) {
        cli_error("out of memory");
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
        cli_error("every file fell in the validation split; lower --val-fraction");
        goto done;
    }
    warn_small_validation(val, n_val, o.corpus.val_fraction);
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
                "%s: wrote %s (step %ld of %ld; validation NLL %.4f, accuracy %.1f%%; "
                "training accuracy %.1f%%; %.0f s) and its checkpoint %s\n",
                cli_program(), o.output, done.best_step, done.step, done.best_val_nll,
                100 * done.best_val_acc, 100 * done.best_train_acc, done.seconds, ckpt);
    else if (status == 0)
        fprintf(stderr,
                "%s: wrote %s (step %ld; no validation split; training accuracy %.1f%%; %.0f s) "
                "and its checkpoint %s\n",
                cli_program(), o.output, done.best_step, 100 * done.best_train_acc, done.seconds,
                ckpt);
done:
    free(train);
    free(val);
    free(ckpt);
    free(sc.trained_on);
    free(sc.args);
    corpus_free(&corpus);
    free(o.dirs.items);
    return status;
}
