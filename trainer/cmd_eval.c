/* cantus-train eval: how well a model predicts a corpus (NLL per token,
 * perplexity, accuracy), beside Kneser-Ney n-gram baselines scored on the
 * very same tokens. By default the n-grams are fit on the model's own
 * training split, re-derived from its metadata (corpus folders, validation
 * fraction, the fnv1a64 split rule, tokenisation settings). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cblas.h>
#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "midi/corpus.h"
#include "learn/evaluate.h"
#include "learn/lstm_params.h"
#include "learn/ngram.h"
#include "provenance.h"

enum { SPLIT_VAL, SPLIT_TRAIN, SPLIT_ALL };

typedef struct {
    const char *model;
    CliList dirs, ngram_dirs;
    int split, json, threads;
} EvalOptions;

typedef struct {
    double nll;
    long tokens, correct;
} Score;

static bool parse_split(const char *option, const char *text, void *field)
{
    int *split = field;
    *split = !strcmp(text, "val")     ? SPLIT_VAL
             : !strcmp(text, "train") ? SPLIT_TRAIN
             : !strcmp(text, "all")   ? SPLIT_ALL
                                      : -1;
    if (*split >= 0) return true;
    cli_bad_value(option, text, "wants val, train or all");
    return false;
}

static const CliOption options[] = {
    {.help = "usage: cantus-train eval --model MODEL --corpus DIR [DIR...] [OPTIONS]\n\n"
             "NLL per token (nats), perplexity and accuracy of a model on a corpus, beside\n"
             "interpolated modified Kneser-Ney n-grams (n = 1..4) on the same tokens.\n\n"},
    {"model", "FILE", "the model (.safetensors)", CLI_TEXT(EvalOptions, model)},
    {"corpus", "DIR...", "the folders to score, tokenised as the model was trained",
     CLI_LIST(EvalOptions, dirs)},
    {"split", "val|train|all", "which files of them (val: the model's validation split)",
     CLI_PARSED(EvalOptions, split, parse_split)},
    {"ngram-corpus", "DIR...",
     "fit the n-grams on these folders' training split\n"
     "(default: the folders the model was trained on, which\n"
     "it records by name: the --corpus folder of that name)",
     CLI_LIST(EvalOptions, ngram_dirs)},
    {"threads", "N", "threads (all cores)", CLI_NUMBER(EvalOptions, threads, 1, 256)},
    {"json", NULL, "print one JSON object", CLI_FLAG(EvalOptions, json)},
    CLI_HELP_AND_VERSION,
    CLI_END(25),
};

/* 0 to go on, 1 after --help or --version, 2 after a usage error. */
static int parse(EvalOptions *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)cores : 1;
    int status;
    if (!cli_read_command_line(argc, argv, options, o, &status)) return status ? 2 : 1;
    if (!o->model || o->dirs.count == 0)
        return cli_usage_error("needs --model FILE and --corpus DIR");
    return 0;
}

/* The folder a model's cantus.trained_on entry names: one of the --corpus
 * folders of that name (models record folders by name, provenance.h), or
 * the entry itself where it is a folder here (a relative one, or an older
 * model's absolute path). NULL when neither. */
static const char *find_trained_on(const char *entry, const EvalOptions *o)
{
    char name[4096];
    for (int i = 0; i < o->dirs.count; i++) {
        provenance_name(o->dirs.items[i], name, sizeof name);
        if (!strcmp(name, entry)) return o->dirs.items[i];
    }
    struct stat st;
    if (stat(entry, &st) == 0 && S_ISDIR(st.st_mode)) return entry;
    return NULL;
}

static int meta_int(const CantusModel *m, const char *key, int fallback)
{
    const char *v = cantus_model_metadata(m, key);
    return v ? atoi(v) : fallback;
}

/* The tokenisation the model was trained with, from its metadata. */
static void options_of_model(const CantusModel *m, CorpusOptions *c)
{
    const CantusModelInfo *info = cantus_model_info(m);
    corpus_options_default(c);
    c->steps_per_beat = info->steps_per_beat;
    c->bar_steps = info->bar_steps; /* positions from the files' time signatures */
    c->note_low = info->note_low;
    c->note_high = info->note_high;
    c->min_length = meta_int(m, "cantus.min_length", c->min_length);
    c->track = meta_int(m, "cantus.track", c->track);
    c->channel = meta_int(m, "cantus.channel", c->channel);
    const char *vf = cantus_model_metadata(m, "cantus.val_fraction");
    if (vf) c->val_fraction = atof(vf);
}

static int load_corpus(Corpus *corpus, const char **dirs, int n_dirs, const CorpusOptions *opt,
                       const CantusModelInfo *info, FILE *report)
{
    if (corpus_load(corpus, dirs, n_dirs, opt, report) != 0) return -1;
    if (corpus->vocab != info->vocab) {
        cli_error("the corpus has %d tokens (pitches, REST, HOLD) but the model %d; this "
                  "model's vocabulary is not the trainer's",
                  corpus->vocab, info->vocab);
        corpus_free(corpus);
        return -1;
    }
    return 0;
}

static void add_ngram_row(json_t *ngram, int order, const Score *s)
{
    char key[4];
    snprintf(key, sizeof key, "%d", order);
    double nll = s->nll / (double)s->tokens;
    json_object_set_new(ngram, key,
                        json_pack("{s:f, s:f, s:f}", "nll", nll, "perplexity", exp(nll), "accuracy",
                                  (double)s->correct / (double)s->tokens));
}

int cmd_eval(int argc, char **argv)
{
    EvalOptions o;
    int parsed = parse(&o, argc, argv);
    if (parsed) {
        free(o.dirs.items);
        free(o.ngram_dirs.items);
        return parsed == 1 ? 0 : 2;
    }
    openblas_set_num_threads(1); /* the kernel makes its own threads */
    int status = 1;
    char err[CANTUS_ERROR_SIZE];
    Corpus corpus, fit;
    memset(&corpus, 0, sizeof corpus);
    memset(&fit, 0, sizeof fit);
    LstmParams_f params;
    memset(&params, 0, sizeof params);
    LstmWork_f work;
    memset(&work, 0, sizeof work);
    TokenSeq *seqs = NULL, *fit_seqs = NULL;
    json_t *trained_on = NULL;
    const char **fit_dirs = o.ngram_dirs.items;
    int n_fit_dirs = o.ngram_dirs.count;

    CantusModel *model = cantus_model_load(o.model, err, sizeof err);
    if (!model) {
        cli_error("%s", err);
        goto done;
    }
    const CantusModelInfo *info = cantus_model_info(model);
    CorpusOptions copt;
    options_of_model(model, &copt);
    FILE *report = o.json ? NULL : stderr;
    if (load_corpus(&corpus, o.dirs.items, o.dirs.count, &copt, info, report) != 0) goto done;

    /* The scored sequences: the chosen split, never a transposed copy. */
    seqs = calloc((size_t)corpus.n_seqs + 1, sizeof *seqs);
    if (!seqs) goto done;
    int n_seqs = 0;
    long tokens = 0;
    for (int i = 0; i < corpus.n_seqs; i++) {
        const CorpusSequence *s = &corpus.seqs[i];
        int want = o.split == SPLIT_ALL || (o.split == SPLIT_VAL) == (s->split == CORPUS_VAL);
        if (want && s->transpose == 0 && s->length >= 2) {
            seqs[n_seqs++] = (TokenSeq){s->tokens, s->length, s->positions};
            tokens += s->length - 1;
        }
    }
    if (tokens == 0) {
        cli_error("no file of the corpus falls in the %s split", o.split == SPLIT_VAL ? "validation"
                                                                 : o.split == SPLIT_TRAIN
                                                                     ? "training"
                                                                     : "");
        goto done;
    }

    /* The n-grams' training data: the model's training split (transposed
     * copies included, as the model saw them) unless folders are given. */
    if (n_fit_dirs == 0) {
        const char *text = cantus_model_metadata(model, "cantus.trained_on");
        json_error_t jerr;
        trained_on = text ? json_loads(text, 0, &jerr) : NULL;
        if (!json_is_array(trained_on) || json_array_size(trained_on) == 0) {
            cli_error("the model does not record its training corpus (cantus.trained_on); give "
                      "--ngram-corpus DIR");
            goto done;
        }
        n_fit_dirs = (int)json_array_size(trained_on);
        fit_dirs = calloc((size_t)n_fit_dirs, sizeof *fit_dirs);
        if (!fit_dirs) goto done;
        for (int i = 0; i < n_fit_dirs; i++) {
            const char *entry = json_string_value(json_array_get(trained_on, (size_t)i));
            if (!entry || !(fit_dirs[i] = find_trained_on(entry, &o))) {
                cli_error("the model was trained on a folder named %s, which is none of the "
                          "--corpus folders; give --ngram-corpus DIR",
                          entry ? entry : "(not a string)");
                goto done;
            }
        }
        const char *tr = cantus_model_metadata(model, "cantus.transpose");
        if (tr) sscanf(tr, "%d..%d", &copt.transpose_lo, &copt.transpose_hi);
    }
    if (load_corpus(&fit, fit_dirs, n_fit_dirs, &copt, info, NULL) != 0) goto done;
    fit_seqs = calloc((size_t)fit.n_seqs + 1, sizeof *fit_seqs);
    if (!fit_seqs) goto done;
    int n_fit = 0;
    for (int i = 0; i < fit.n_seqs; i++)
        if (fit.seqs[i].split == CORPUS_TRAIN)
            fit_seqs[n_fit++] =
                (TokenSeq){fit.seqs[i].tokens, fit.seqs[i].length, fit.seqs[i].positions};

    /* The model, batched; it agrees with stepping each sequence through
     * the core from a zero state (test_eval checks). */
    if (lstm_params_from_model(&params, model, err, sizeof err) != 0) {
        cli_error("%s", err);
        goto done;
    }
    if (lstm_work_alloc_f(&work, info->vocab, info->hidden, info->layers, 64, 64) != 0) goto done;
    work.threads = o.threads;
    EvalResult ev;
    if (evaluate_sequences(&params, &work, seqs, n_seqs, &ev) != 0) goto done;

    Score ngram[NGRAM_MAX_ORDER + 1];
    memset(ngram, 0, sizeof ngram);
    for (int order = 1; order <= NGRAM_MAX_ORDER; order++) {
        NgramModel *m = ngram_fit(order, info->vocab, fit_seqs, n_fit);
        if (!m) {
            cli_error("out of memory for the n-grams");
            goto done;
        }
        ngram_score(m, seqs, n_seqs, &ngram[order].nll, &ngram[order].tokens,
                    &ngram[order].correct);
        ngram_free(m);
    }

    double nll = ev.nll / (double)ev.tokens;
    if (o.json) {
        json_t *rows = json_object();
        for (int order = 1; order <= NGRAM_MAX_ORDER; order++)
            add_ngram_row(rows, order, &ngram[order]);
        json_t *out =
            json_pack("{s:I, s:i, s:{s:f, s:f, s:f}, s:o}", "tokens", (json_int_t)ev.tokens,
                      "files", n_seqs, "model", "nll", nll, "perplexity", exp(nll), "accuracy",
                      (double)ev.correct / (double)ev.tokens, "ngram", rows);
        char *text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(8));
        printf("%s\n", text);
        free(text);
        json_decref(out);
    } else {
        const char *split = o.split == SPLIT_VAL     ? "validation"
                            : o.split == SPLIT_TRAIN ? "training"
                                                     : "every";
        printf("%s on %d files, %ld tokens (%s split); n-grams fit on %d sequences\n", o.model,
               n_seqs, ev.tokens, split, n_fit);
        printf("%-22s %10s %11s %9s\n", "", "NLL/token", "perplexity", "accuracy");
        printf("%-22s %10.4f %11.3f %8.1f%%\n", "model", nll, exp(nll),
               100.0 * (double)ev.correct / (double)ev.tokens);
        int best = 1;
        for (int order = 1; order <= NGRAM_MAX_ORDER; order++) {
            double n_nll = ngram[order].nll / (double)ngram[order].tokens;
            char name[32];
            snprintf(name, sizeof name, "%d-gram (modified KN)", order);
            printf("%-22s %10.4f %11.3f %8.1f%%\n", name, n_nll, exp(n_nll),
                   100.0 * (double)ngram[order].correct / (double)ngram[order].tokens);
            if (ngram[order].nll < ngram[best].nll) best = order;
        }
        double best_nll = ngram[best].nll / (double)ngram[best].tokens;
        printf("best n-gram: %d-gram; the model's NLL is %.1f%% %s\n", best,
               100.0 * fabs(best_nll - nll) / best_nll, nll < best_nll ? "lower" : "higher");
    }
    status = 0;
done:
    if (fit_dirs != o.ngram_dirs.items) free(fit_dirs);
    json_decref(trained_on);
    free(seqs);
    free(fit_seqs);
    lstm_work_free_f(&work);
    lstm_params_free_f(&params);
    corpus_free(&corpus);
    corpus_free(&fit);
    cantus_model_free(model);
    free(o.dirs.items);
    free(o.ngram_dirs.items);
    return status;
}
