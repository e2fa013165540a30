/* cantus-train train end to end, on a synthetic corpus of MIDI files the
 * test writes: it learns (> 95 % validation accuracy), it is deterministic,
 * kill -9 never harms the previous model, SIGINT saves the best model so
 * far, --resume continues exactly, and eval agrees with the core. */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "midi/corpus.h"
#include "learn/evaluate.h"
#include "lstm.h"
#include "learn/lstm_params.h"
#include "model.h"
#include "synth_corpus.h"

static const char *cantus_train;
static char *tmp;
static char corpus_dir[4096];

static char *path_in_tmp(const char *name)
{
    static char buf[8][4096];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 4096, "%s/%s", tmp, name);
    return p;
}

/* Starts cantus-train with the common small-model options plus extra ones;
 * its stderr goes to tmp/log. */
static pid_t start_train(const char *output, const char *const *extra)
{
    const char *argv[64] = {cantus_train, "train",    "--corpus",  corpus_dir, "-o",
                            output,       "--hidden", "32",        "--batch",  "32",
                            "--seq",      "16",       "--threads", "1",        "--val-fraction",
                            "0.25",       "--lr",     "0.01",      "--seed",   "7"};
    int n = 20;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path_in_tmp("log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) dup2(fd, 2);
        execv(cantus_train, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int train(const char *output, const char *const *extra)
{
    return wait_exit(start_train(output, extra));
}

static CantusModel *load(const char *path)
{
    char err[CANTUS_ERROR_SIZE];
    CantusModel *m = cantus_model_load(path, err, sizeof err);
    if (!m) fail_msg("%s", err);
    return m;
}

static const char *const tensor_names[] = {"lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                           "lstm.bias_ih_l0",   "lstm.bias_hh_l0",
                                           "fc.weight",         "fc.bias"};

/* Whether two models hold the same weights, bit for bit. */
static int same_weights(const char *a_path, const char *b_path)
{
    CantusModel *a = load(a_path), *b = load(b_path);
    int same = 1;
    for (size_t i = 0; i < sizeof tensor_names / sizeof *tensor_names; i++) {
        int ra, ca, rb, cb;
        const float *ta = cantus_model_tensor(a, tensor_names[i], &ra, &ca);
        const float *tb = cantus_model_tensor(b, tensor_names[i], &rb, &cb);
        assert_non_null(ta);
        assert_non_null(tb);
        same &= ra == rb && ca == cb && !memcmp(ta, tb, (size_t)ra * ca * sizeof *ta);
    }
    cantus_model_free(a);
    cantus_model_free(b);
    return same;
}

static char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc(*size + 1);
    assert_int_equal(fread(data, 1, *size, f), *size);
    fclose(f);
    return data;
}

static int temp_files_left(void)
{
    DIR *d = opendir(tmp);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp-") != NULL;
    closedir(d);
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int setup(void **state)
{
    (void)state;
    tmp = make_temp_dir();
    if (!tmp) return -1;
    snprintf(corpus_dir, sizeof corpus_dir, "%s/corpus", tmp);
    mkdir(corpus_dir, 0755);
    return synth_corpus_write(corpus_dir, 12, 120);
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(tmp);
    free(tmp);
    return 0;
}

static void learns_a_synthetic_corpus(void **state)
{
    (void)state;
    const char *out = path_in_tmp("learned.safetensors");
    const char *extra[] = {"--steps", "400",     "--eval-every", "50", "--patience",
                           "0",       "--genre", "test",         NULL};
    assert_int_equal(train(out, extra), 0);
    CantusModel *m = load(out);
    static const char *const keys[] = {
        "cantus.format",         "cantus.note_low",       "cantus.note_high", "cantus.rest_token",
        "cantus.hold_token",     "cantus.steps_per_beat", "cantus.genre",     "cantus.trained_on",
        "cantus.train_args",     "cantus.steps",          "cantus.val_nll",   "cantus.val_accuracy",
        "cantus.train_accuracy", "cantus.val_fraction",   "cantus.split",     "cantus.corpus_files",
        "cantus.tokens_train",   "cantus.tokens_val",     "cantus.seconds"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!cantus_model_metadata(m, keys[i])) fail_msg("metadata %s missing", keys[i]);
    assert_string_equal(cantus_model_metadata(m, "cantus.split"), "fnv1a64");
    assert_true(atol(cantus_model_metadata(m, "cantus.tokens_val")) > 0);
    double acc = atof(cantus_model_metadata(m, "cantus.val_accuracy"));
    printf("# validation accuracy %.1f%%, NLL %s\n", 100 * acc,
           cantus_model_metadata(m, "cantus.val_nll"));
    assert_true(acc > 0.95);
    cantus_model_free(m);
}

/* eval's batched forward against the core stepping one token at a time
 * (with its position in the bar for a metre model). */
static void check_eval_against_core(const char *out)
{
    CantusModel *m = load(out);
    const CantusModelInfo *info = cantus_model_info(m);
    CorpusOptions opt;
    corpus_options_default(&opt);
    opt.bar_steps = info->bar_steps;
    opt.note_low = info->note_low;
    opt.note_high = info->note_high;
    opt.val_fraction = 0.25;
    Corpus corpus;
    const char *dirs[] = {corpus_dir};
    assert_int_equal(corpus_load(&corpus, dirs, 1, &opt, NULL), 0);
    TokenSeq seqs[64];
    int n = 0;
    for (int i = 0; i < corpus.n_seqs && n < 64; i++)
        if (corpus.seqs[i].split == CORPUS_VAL)
            seqs[n++] =
                (TokenSeq){corpus.seqs[i].tokens, corpus.seqs[i].length, corpus.seqs[i].positions};
    assert_true(n > 0);

    LstmParams_f p;
    LstmWork_f w;
    char err[CANTUS_ERROR_SIZE];
    assert_int_equal(lstm_params_from_model(&p, m, err, sizeof err), 0);
    assert_int_equal(lstm_work_alloc_f(&w, p.vocab, p.hidden, p.layers, 16, 2), 0);
    EvalResult ev;
    assert_int_equal(evaluate_sequences(&p, &w, seqs, n, &ev), 0);

    CantusLstmState *st = cantus_lstm_state_new(m);
    double nll = 0;
    long tokens = 0;
    for (int s = 0; s < n; s++) {
        cantus_lstm_state_reset(st);
        for (int i = 0; i + 1 < seqs[s].length; i++) {
            const float *logits =
                seqs[s].positions
                    ? cantus_lstm_state_step_at(st, seqs[s].tokens[i], seqs[s].positions[i])
                    : cantus_lstm_state_step(st, seqs[s].tokens[i]);
            double top = logits[0], sum = 0;
            for (int v = 1; v < info->vocab; v++)
                top = logits[v] > top ? logits[v] : top;
            for (int v = 0; v < info->vocab; v++)
                sum += exp(logits[v] - top);
            nll += top + log(sum) - logits[seqs[s].tokens[i + 1]];
            tokens++;
        }
    }
    printf("# batched NLL %.6f, core %.6f over %ld tokens\n", ev.nll / ev.tokens, nll / tokens,
           tokens);
    assert_int_equal(ev.tokens, tokens);
    assert_float_equal(ev.nll / ev.tokens, nll / tokens, 1e-4 * (nll / tokens) + 1e-6);
    /* and what the trainer recorded as the best validation NLL */
    assert_float_equal(ev.nll / ev.tokens, atof(cantus_model_metadata(m, "cantus.val_nll")), 1e-5);
    cantus_lstm_state_free(st);
    lstm_work_free_f(&w);
    lstm_params_free_f(&p);
    corpus_free(&corpus);
    cantus_model_free(m);
}

static void eval_agrees_with_the_core(void **state)
{
    (void)state;
    check_eval_against_core(path_in_tmp("learned.safetensors"));
}

/* A metre model (4/4, P = 4: the corpus files have no time signature) is
 * written with cantus.bar_steps and the wider input, and the core playing
 * it with positions gives the trainer's validation NLL. */
static void metre_model_trains_and_plays(void **state)
{
    (void)state;
    const char *out = path_in_tmp("metre.safetensors");
    const char *extra[] = {"--steps", "60", "--eval-every", "30", "--bar-steps", "4", NULL};
    assert_int_equal(train(out, extra), 0);
    CantusModel *m = load(out);
    const CantusModelInfo *info = cantus_model_info(m);
    assert_int_equal(info->bar_steps, 4);
    assert_string_equal(cantus_model_metadata(m, "cantus.bar_steps"), "4");
    int rows = 0, cols = 0;
    assert_non_null(cantus_model_tensor(m, "lstm.weight_ih_l0", &rows, &cols));
    assert_int_equal(cols, info->vocab + 4);
    cantus_model_free(m);
    check_eval_against_core(out);
}

static void same_seed_same_model(void **state)
{
    (void)state;
    const char *out = path_in_tmp("seeded.safetensors"), *keep = path_in_tmp("seeded-1");
    const char *extra[] = {"--steps", "30", "--eval-every", "10", NULL};
    assert_int_equal(train(out, extra), 0);
    assert_int_equal(rename(out, keep), 0);
    assert_int_equal(train(out, extra), 0);
    assert_true(same_weights(out, keep));
    /* the metadata too, but for the wall-clock time */
    CantusModel *a = load(out), *b = load(keep);
    static const char *const keys[] = {"cantus.train_args", "cantus.val_nll", "cantus.steps",
                                       "cantus.train_accuracy", "cantus.tokens_train"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_string_equal(cantus_model_metadata(a, keys[i]), cantus_model_metadata(b, keys[i]));
    cantus_model_free(a);
    cantus_model_free(b);
    /* on two threads too (their own slices and OpenBLAS's) */
    const char *two[] = {"--steps", "30", "--eval-every", "10", "--threads", "2", NULL};
    assert_int_equal(train(out, two), 0);
    assert_int_equal(rename(out, keep), 0);
    assert_int_equal(train(out, two), 0);
    assert_true(same_weights(out, keep));
    /* and another seed gives another model */
    const char *other[] = {"--steps", "30", "--eval-every", "10", "--seed", "8", NULL};
    assert_int_equal(train(out, other), 0);
    assert_false(same_weights(out, keep));
}

static void kill_9_leaves_the_previous_model(void **state)
{
    (void)state;
    const char *out = path_in_tmp("killed.safetensors");
    const char *first[] = {"--steps", "10", NULL};
    assert_int_equal(train(out, first), 0);
    size_t before_size, after_size;
    char *before = read_file(out, &before_size);
    /* A long run that has not validated yet when it dies. */
    const char *endless[] = {"--steps", "100000000", "--eval-every", "100000000", NULL};
    pid_t pid = start_train(out, endless);
    sleep_ms(800);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(wait_exit(pid), 128 + SIGKILL);
    char *after = read_file(out, &after_size);
    assert_int_equal(before_size, after_size);
    assert_memory_equal(before, after, before_size);
    assert_int_equal(temp_files_left(), 0);
    free(before);
    free(after);

    /* One that saves a model every step when it dies: what is there loads
     * (the old model or a whole new one). A temporary file it may have
     * been writing is removed by the next run on the same output. */
    const char *saving[] = {"--steps", "100000000", "--eval-every", "1", "--patience", "0", NULL};
    pid = start_train(out, saving);
    sleep_ms(800);
    assert_int_equal(kill(pid, SIGKILL), 0);
    wait_exit(pid);
    cantus_model_free(load(out));
    assert_int_equal(train(out, first), 0);
    assert_int_equal(temp_files_left(), 0);
}

/* Waits (up to a minute, on a loaded machine) until the run's log says it
 * is about to train, then a little more. */
static void wait_for_training(void)
{
    char log_path[4096]; /* path_in_tmp's buffers rotate: keep our own */
    snprintf(log_path, sizeof log_path, "%s/log", tmp);
    for (int i = 0; i < 600; i++) {
        if (access(log_path, R_OK) == 0) {
            size_t size = 0;
            char *log = read_file(log_path, &size);
            log[size] = 0;
            int ready = strstr(log, "validation sequences") != NULL;
            free(log);
            if (ready) break;
        }
        sleep_ms(100);
    }
    sleep_ms(300);
}

static void sigint_saves_the_best_model_so_far(void **state)
{
    (void)state;
    const char *out = path_in_tmp("interrupted.safetensors");
    const char *endless[] = {"--steps", "100000000", "--eval-every", "100000000", NULL};
    unlink(path_in_tmp("log"));
    pid_t pid = start_train(out, endless);
    wait_for_training();
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(wait_exit(pid), 0);
    CantusModel *m = load(out);
    long steps = atol(cantus_model_metadata(m, "cantus.steps"));
    printf("# interrupted after %ld steps\n", steps);
    assert_true(steps > 0);
    cantus_model_free(m);
    assert_int_equal(access(path_in_tmp("interrupted.safetensors.ckpt"), R_OK), 0);
    assert_int_equal(temp_files_left(), 0);
}

static void resume_equals_an_uninterrupted_run(void **state)
{
    (void)state;
    const char *whole = path_in_tmp("whole.safetensors"), *parts = path_in_tmp("parts.safetensors");
    const char *sixty[] = {"--steps", "60", "--eval-every", "20", NULL};
    const char *forty[] = {"--steps", "40", "--eval-every", "20", NULL};
    const char *resume[] = {"--steps", "60", "--eval-every", "20", "--resume", NULL};
    assert_int_equal(train(whole, sixty), 0);
    assert_int_equal(train(parts, forty), 0);
    assert_false(same_weights(whole, parts));
    assert_int_equal(train(parts, resume), 0);
    assert_true(same_weights(whole, parts));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_trainer_train_run PATH-TO-cantus-train\n");
        return 2;
    }
    cantus_train = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learns_a_synthetic_corpus),
        cmocka_unit_test(eval_agrees_with_the_core),
        cmocka_unit_test(metre_model_trains_and_plays),
        cmocka_unit_test(same_seed_same_model),
        cmocka_unit_test(kill_9_leaves_the_previous_model),
        cmocka_unit_test(sigint_saves_the_best_model_so_far),
        cmocka_unit_test(resume_equals_an_uninterrupted_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
