/* cantus-train eval: how well a model predicts a corpus (NLL per token,
 * perplexity, accuracy), beside Kneser-Ney n-gram baselines scored on the
 * very same tokens. By default the n-grams are fit on the model's own
 * training split, re-derived from its metadata (corpus folders, validation
 * fraction, the fnv1a64 split rule, tokenisation settings). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>
#include <jansson.h>

#include "cli_args.h"
#include "commands.h"
#include "midi/corpus.h"
#include "learn/evaluate.h"
#include "learn/lstm_params.h"
#include "learn/ngram.h"

enum { SPLIT_VAL, SPLIT_TRAIN, SPLIT_ALL };

typedef struct {
    const char *model;
    const char **dirs, **ngram_dirs;
    int n_dirs, n_ngram_dirs;
    int split, json, threads;
} EvalOptions;

typedef struct {
    double nll;
    long tokens, correct;
} Score;

static void help(FILE *out)
{
    fprintf(out,
            "usage: cantus-train eval --model MODEL --corpus DIR [DIR...] [OPTIONS]\n"
            "\n"
            "NLL per token (nats), perplexity and accuracy of a model on a corpus, beside\n"
            "interpolated modified Kneser-Ney n-grams (n = 1..4) on the same tokens.\n"
            "\n"
            "  --model FILE           the model (.safetensors)\n"
            "  --corpus DIR...        the folders to score, tokenised as the model was trained\n"
            "  --split val|train|all  which files of them (val: the model's validation split)\n"
            "  --ngram-corpus DIR...  fit the n-grams on these folders' training split\n"
            "                         (default: the folders the model was trained on)\n"
            "  --threads N            threads (all cores)\n"
            "  --json                 print one JSON object\n");
}

static int parse(EvalOptions *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)cores : 1;
    o->dirs = calloc((size_t)argc, sizeof *o->dirs);
    o->ngram_dirs = calloc((size_t)argc, sizeof *o->ngram_dirs);
    if (!o->dirs || !o->ngram_dirs) return 2;
    const CliOption options[] = {
        {"--json", CLI_FLAG, 0, 0, &o->json},
        {"--model", CLI_TEXT, 0, 0, &o->model},
        {"--threads", CLI_INT, 1, 256, &o->threads},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const CliOption *option = cli_find(options, (int)(sizeof options / sizeof options[0]), a);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            return 1;
        } else if (option) {
            const char *v = option->kind == CLI_FLAG ? NULL : cli_value("eval", argc, argv, &i);
            if (option->kind != CLI_FLAG && !v) return 2;
            if (!cli_store("eval", option, v)) return 2;
        } else if (!strcmp(a, "--corpus")) {
            while (i + 1 < argc && argv[i + 1][0] != '-')
                o->dirs[o->n_dirs++] = argv[++i];
        } else if (!strcmp(a, "--ngram-corpus")) {
            while (i + 1 < argc && argv[i + 1][0] != '-')
                o->ngram_dirs[o->n_ngram_dirs++] = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--split")) {
            const char *v = argv[++i];
            if (!strcmp(v, "val"))
                o->split = SPLIT_VAL;
            else if (!strcmp(v, "train"))
                o->split = SPLIT_TRAIN;
            else if (!strcmp(v, "all"))
                o->split = SPLIT_ALL;
            else {
                fprintf(stderr, "cantus-train eval: --split wants val, train or all\n");
                return 2;
            }
        } else {
            fprintf(stderr, "cantus-train eval: unknown option or missing value: %s\n", a);
            return 2;
        }
    }
    if (!o->model || o->n_dirs == 0) {
        fprintf(stderr, "cantus-train eval: needs --model FILE and --corpus DIR (see --help)\n");
        return 2;
    }
    return 0;
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
        fprintf(stderr,
                "cantus-train eval: the corpus has %d tokens (pitches, REST, HOLD) but the model "
                "%d; this model's vocabulary is not the trainer's\n",
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
        free(o.dirs);
        free(o.ngram_dirs);
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
    const char **fit_dirs = o.ngram_dirs;
    int n_fit_dirs = o.n_ngram_dirs;

    CantusModel *model = cantus_model_load(o.model, err, sizeof err);
    if (!model) {
        fprintf(stderr, "cantus-train eval: %s\n", err);
        goto done;
    }
    const CantusModelInfo *info = cantus_model_info(model);
    CorpusOptions copt;
    options_of_model(model, &copt);
    FILE *report = o.json ? NULL : stderr;
    if (load_corpus(&corpus, o.dirs, o.n_dirs, &copt, info, report) != 0) goto done;

    /* The scored sequences: the chosen split, never a transposed copy. */
    seqs = calloc((size_t)corpus.n_seqs + 1, sizeof *seqs);
    if (!seqs) goto done;
    int n_seqs = 0;
    long tokens = 0;
    for (int i = 0; i < corpus.n_seqs; i++) {
        const CorpusSequence *s = &corpus.seqs[i];
        int want = o.split == SPLIT_ALL || (o.split == SPLIT_VAL) == (s->split == CORPUS_VAL);
        if (want && s->transpose == 0 && s->length >= 2) {
            seqs[n_seqs++] = (TokenSeq){s->tokens, s->length};
            tokens += s->length - 1;
        }
    }
    if (tokens == 0) {
        fprintf(stderr, "cantus-train eval: no file of the corpus falls in the %s split\n",
                o.split == SPLIT_VAL     ? "validation"
                : o.split == SPLIT_TRAIN ? "training"
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
            fprintf(stderr, "cantus-train eval: the model does not record its training corpus "
                            "(cantus.trained_on); give --ngram-corpus DIR\n");
            goto done;
        }
        n_fit_dirs = (int)json_array_size(trained_on);
        fit_dirs = calloc((size_t)n_fit_dirs, sizeof *fit_dirs);
        if (!fit_dirs) goto done;
        for (int i = 0; i < n_fit_dirs; i++)
            fit_dirs[i] = json_string_value(json_array_get(trained_on, (size_t)i));
        const char *tr = cantus_model_metadata(model, "cantus.transpose");
        if (tr) sscanf(tr, "%d..%d", &copt.transpose_lo, &copt.transpose_hi);
    }
    if (load_corpus(&fit, fit_dirs, n_fit_dirs, &copt, info, NULL) != 0) goto done;
    fit_seqs = calloc((size_t)fit.n_seqs + 1, sizeof *fit_seqs);
    if (!fit_seqs) goto done;
    int n_fit = 0;
    for (int i = 0; i < fit.n_seqs; i++)
        if (fit.seqs[i].split == CORPUS_TRAIN)
            fit_seqs[n_fit++] = (TokenSeq){fit.seqs[i].tokens, fit.seqs[i].length};

    /* The model, batched; it agrees with stepping each sequence through
     * the core from a zero state (test_eval checks). */
    if (lstm_params_from_model(&params, model, err, sizeof err) != 0) {
        fprintf(stderr, "cantus-train eval: %s\n", err);
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
            fprintf(stderr, "cantus-train eval: out of memory for the n-grams\n");
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
    if (fit_dirs != o.ngram_dirs) free(fit_dirs);
    json_decref(trained_on);
    free(seqs);
    free(fit_seqs);
    lstm_work_free_f(&work);
    lstm_params_free_f(&params);
    corpus_free(&corpus);
    corpus_free(&fit);
    cantus_model_free(model);
    free(o.dirs);
    free(o.ngram_dirs);
    return status;
}
