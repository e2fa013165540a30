/* The command line every Cantus program shares (core/cli/cli.h), run as a person
 * runs it: --version, --opt=value beside --opt value, one-line errors and
 * their exit statuses; train's checks before the first step and its final
 * line; models without the paths of the machine that trained them; and
 * cantus-train meta rewriting metadata with the tensors byte for byte the
 * same. argv: cantus-train, cantus-render, the presets folder. */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sampler.h"
#include "synth_corpus.h"

static const char *cantus_train, *cantus_render, *presets_dir;
static char *tmp;
static char corpus_dir[4096], big_corpus_dir[4096];

typedef struct {
    int status;
    char out[65536], err[65536];
} Run;

static char *read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Runs program with the NULL-terminated arguments; stdout and stderr into r. */
static void run(Run *r, const char *program, ...)
{
    const char *argv[64] = {program};
    int n = 1;
    va_list args;
    va_start(args, program);
    while ((argv[n] = va_arg(args, const char *)))
        n++;
    va_end(args);
    char out_path[4200], err_path[4200];
    snprintf(out_path, sizeof out_path, "%s/stdout", tmp);
    snprintf(err_path, sizeof err_path, "%s/stderr", tmp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 1);
        dup2(err, 2);
        execv(program, (char *const *)argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    read_text(out_path, r->out, sizeof r->out);
    read_text(err_path, r->err, sizeof r->err);
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* A usage error: status 2, one line naming the program, the hint. */
static void expect_usage_error(const Run *r, const char *program, const char *what)
{
    if (r->status != 2 || count_lines(r->err) != 1 || !strstr(r->err, what))
        fail_msg("wanted one line with '%s', status 2; got status %d:\n%s", what, r->status,
                 r->err);
    char start[128], hint[160];
    snprintf(start, sizeof start, "%s: ", program);
    snprintf(hint, sizeof hint, "(see %s --help)\n", program);
    assert_int_equal(strncmp(r->err, start, strlen(start)), 0);
    assert_non_null(strstr(r->err, hint));
}

static char *in_tmp(const char *name)
{
    static char buf[8][4200];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmp, name);
    return p;
}

static int setup(void **state)
{
    (void)state;
    tmp = make_temp_dir();
    if (!tmp) return -1;
    snprintf(corpus_dir, sizeof corpus_dir, "%s/little-corpus", tmp);
    snprintf(big_corpus_dir, sizeof big_corpus_dir, "%s/big-corpus", tmp);
    if (mkdir(corpus_dir, 0755) != 0 || mkdir(big_corpus_dir, 0755) != 0) return -1;
    if (synth_corpus_write(corpus_dir, 8, 48) != 0) return -1;
    return synth_corpus_write(big_corpus_dir, 64, 256);
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(tmp);
    free(tmp);
    return 0;
}

static void every_tool_prints_its_version(void **state)
{
    (void)state;
    Run r;
    const char *commands[] = {"train", "eval", "generate", "logits", "tokens", "meta"};
    run(&r, cantus_train, "--version", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "cantus-train " CANTUS_VERSION "\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        run(&r, cantus_train, commands[i], "--version", NULL);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, "cantus-train " CANTUS_VERSION "\n");
    }
    run(&r, cantus_render, "--version", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "cantus-render " CANTUS_VERSION "\n");
}

static void usage_errors_are_one_line(void **state)
{
    (void)state;
    Run r;
    run(&r, cantus_train, "train", "--frobnicate", NULL);
    expect_usage_error(&r, "cantus-train train", "--frobnicate: unknown option");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", NULL);
    expect_usage_error(&r, "cantus-train train", "-o: needs a value");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "--output", NULL);
    expect_usage_error(&r, "cantus-train train", "--output: needs a value");
    run(&r, cantus_train, "generate", "--model", "--beats", "8", "-o", "x.mid", NULL);
    expect_usage_error(&r, "cantus-train generate", "--model: needs a value");
    run(&r, cantus_train, "eval", "--json=yes", NULL);
    expect_usage_error(&r, "cantus-train eval", "--json: takes no value");
    run(&r, cantus_train, "train", "--st", "3", NULL);
    expect_usage_error(&r, "cantus-train train", "--st: ambiguous option");
    run(&r, cantus_train, "tokens", "--corpus", corpus_dir, "--min-length", "many", NULL);
    expect_usage_error(&r, "cantus-train tokens", "--min-length many");
    run(&r, cantus_train, "logits", "--model", "m", "--tokens", "1", "stray", NULL);
    expect_usage_error(&r, "cantus-train logits", "stray: unexpected argument");
    run(&r, cantus_train, "frobnicate", NULL);
    expect_usage_error(&r, "cantus-train", "frobnicate: unknown command");
    run(&r, cantus_train, NULL);
    expect_usage_error(&r, "cantus-train", "needs a command");
    run(&r, cantus_render, "--bars=0", "-o", "x.mid", NULL);
    expect_usage_error(&r, "cantus-render", "--bars 0");
    run(&r, cantus_render, "--frobnicate", NULL);
    expect_usage_error(&r, "cantus-render", "--frobnicate: unknown option");
}

static void train_refuses_nonsense_values(void **state)
{
    (void)state;
    Run r;
    const char *out = in_tmp("never.safetensors");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", out, "--steps", "0", NULL);
    expect_usage_error(&r, "cantus-train train", "--steps 0: wants a whole number in 1..");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", out, "--steps=0", NULL);
    expect_usage_error(&r, "cantus-train train", "--steps 0: wants a whole number in 1..");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", out, "--lr", "0", NULL);
    expect_usage_error(&r, "cantus-train train", "--lr 0");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", out, "--val-fraction", "1", NULL);
    expect_usage_error(&r, "cantus-train train", "--val-fraction 1");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", out, "--low", "C5", "--high", "C4",
        NULL);
    expect_usage_error(&r, "cantus-train train", "--low 72 is above --high 60");
    assert_int_not_equal(access(out, F_OK), 0);
}

/* tokens reads the corpus with train's own option rows: the same values
 * refused in the same words, so tokens never prints a corpus train would
 * not read. */
static void tokens_refuses_what_train_refuses(void **state)
{
    (void)state;
    const char *const refused[][2] = {
        {"--steps-per-beat", "49"}, {"--val-fraction", "1"}, {"--min-length", "1000000001"},
        {"--transpose", "2..1"},    {"--channel", "0"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        Run train, tokens;
        run(&tokens, cantus_train, "tokens", "--corpus", corpus_dir, refused[i][0], refused[i][1],
            NULL);
        expect_usage_error(&tokens, "cantus-train tokens", refused[i][0]);
        run(&train, cantus_train, "train", "--corpus", corpus_dir, "-o", in_tmp("never"), "--steps",
            "1", refused[i][0], refused[i][1], NULL);
        expect_usage_error(&train, "cantus-train train", refused[i][0]);
        /* "cantus-train train: WHAT (see cantus-train train --help)" */
        const char *train_what = train.err + strlen("cantus-train train: ");
        const char *tokens_what = tokens.err + strlen("cantus-train tokens: ");
        assert_int_equal(strcspn(train_what, "("), strcspn(tokens_what, "("));
        assert_memory_equal(train_what, tokens_what, strcspn(train_what, "("));
    }
}

/* The output's folder is tried before the corpus is read: a corpus that
 * does not exist is never reached. */
static void train_checks_the_output_folder_first(void **state)
{
    (void)state;
    Run r;
    run(&r, cantus_train, "train", "--corpus", in_tmp("no-such-corpus"), "-o",
        in_tmp("no-such-folder/model.safetensors"), NULL);
    assert_int_equal(r.status, 1);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "no-such-folder/model.safetensors: cannot write a file in its "
                                  "folder: No such file or directory"));
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "-o", tmp, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "is a folder"));
}

static json_t *metadata_of(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char length[8];
    assert_int_equal(fread(length, 1, 8, f), 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | length[i];
    char *header = malloc((size_t)n);
    assert_int_equal(fread(header, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    json_t *root = json_loadb(header, (size_t)n, 0, NULL);
    free(header);
    assert_non_null(root);
    json_t *metadata = json_incref(json_object_get(root, "__metadata__"));
    json_decref(root);
    assert_non_null(metadata);
    return metadata;
}

/* A machine path in a metadata value: a word (between spaces, quotes,
 * brackets, commas or '=') that starts with '/', or /tmp anywhere. */
static const char *machine_path_in(const char *value)
{
    static char word[4096];
    if (strstr(value, "/tmp")) return "/tmp";
    const char *p = value;
    while (*p) {
        size_t skip = strspn(p, " \t\n\"'[],=");
        p += skip;
        size_t len = strcspn(p, " \t\n\"'[],=");
        if (len && p[0] == '/') {
            snprintf(word, sizeof word, "%.*s", (int)len, p);
            return word;
        }
        p += len;
    }
    return NULL;
}

/* The key whose value holds a machine path, or NULL. */
static const char *key_with_machine_path(const char *model, const char **found)
{
    json_t *metadata = metadata_of(model);
    const char *key, *bad = NULL;
    static char bad_key[256];
    json_t *value;
    json_object_foreach(metadata, key, value)
    {
        const char *path = json_is_string(value) ? machine_path_in(json_string_value(value)) : 0;
        if (path && !bad) {
            snprintf(bad_key, sizeof bad_key, "%s", key);
            *found = path;
            bad = bad_key;
        }
    }
    json_decref(metadata);
    return bad;
}

static void the_validation_warning(const char *err, long *tokens, double *standard_error)
{
    const char *w = strstr(err, "warning: the validation split is too small to judge by: ");
    *tokens = -1;
    if (!w) return;
    int files;
    assert_int_equal(sscanf(w,
                            "warning: the validation split is too small to judge by: %ld tokens "
                            "in %d files give its mean NLL a standard error of about %lf nats",
                            tokens, &files, standard_error),
                     3);
}

static void train_writes_a_model_without_machine_paths(void **state)
{
    (void)state;
    Run r;
    const char *out = in_tmp("little.safetensors");
    run(&r, cantus_train, "train", "--corpus", corpus_dir, "--output=" /* joined */, NULL);
    assert_int_equal(r.status, 2); /* an empty value is not a file */
    char output_option[4300];
    snprintf(output_option, sizeof output_option, "--output=%s", out);
    run(&r, cantus_train, "train", "--corpus", corpus_dir, output_option, "--hidden=8", "--batch",
        "4", "--seq=8", "--steps=3", "--eval-every", "1", "--threads=1", "--val-fraction=0.25",
        "--genre", "test", NULL);
    if (r.status != 0) fail_msg("train failed:\n%s", r.err);

    /* The final line names the model and its checkpoint. */
    const char *last = r.err, *next;
    while ((next = strchr(last, '\n')) && next[1])
        last = next + 1;
    char ckpt[4300];
    snprintf(ckpt, sizeof ckpt, "and its checkpoint %s.ckpt\n", out);
    printf("# final line: %s", last);
    assert_non_null(strstr(last, "wrote"));
    assert_non_null(strstr(last, out));
    assert_non_null(strstr(last, ckpt));
    char ckpt_path[4300];
    snprintf(ckpt_path, sizeof ckpt_path, "%s.ckpt", out);
    assert_int_equal(access(ckpt_path, R_OK), 0);

    /* 8 songs, a quarter held out: far too few tokens to judge by. */
    long tokens;
    double standard_error;
    the_validation_warning(r.err, &tokens, &standard_error);
    printf("# validation warning: %ld tokens, standard error %.3f nats\n", tokens, standard_error);
    assert_true(tokens > 0 && tokens < 1000);
    assert_true(fabs(standard_error - 1.6 / sqrt((double)tokens)) < 0.0005);

    /* Recorded by name: the folder's own, the output's. */
    json_t *metadata = metadata_of(out);
    const char *trained_on = json_string_value(json_object_get(metadata, "cantus.trained_on"));
    const char *args = json_string_value(json_object_get(metadata, "cantus.train_args"));
    printf("# cantus.trained_on = %s\n# cantus.train_args = %s\n", trained_on, args);
    assert_string_equal(trained_on, "[\"little-corpus\"]");
    assert_non_null(strstr(args, "cantus-train train --corpus little-corpus "
                                 "--output=little.safetensors --hidden=8"));
    json_decref(metadata);
    const char *found = NULL;
    const char *key = key_with_machine_path(out, &found);
    if (key) fail_msg("%s holds %s", key, found);

    /* eval finds the training folder by its name among the --corpus ones. */
    run(&r, cantus_train, "eval", "--model", out, "--corpus", corpus_dir, "--json", NULL);
    if (r.status != 0) fail_msg("eval failed:\n%s", r.err);
    run(&r, cantus_train, "eval", "--model", out, "--corpus", big_corpus_dir, "--json", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "a folder named little-corpus"));
}

static void a_big_enough_validation_split_gives_no_warning(void **state)
{
    (void)state;
    Run r;
    run(&r, cantus_train, "train", "--corpus", big_corpus_dir, "-o", in_tmp("big.safetensors"),
        "--hidden", "4", "--batch", "2", "--seq", "4", "--steps", "1", "--threads", "1",
        "--val-fraction", "0.6", NULL);
    if (r.status != 0) fail_msg("train failed:\n%s", r.err);
    long tokens;
    double standard_error;
    the_validation_warning(r.err, &tokens, &standard_error);
    assert_int_equal(tokens, -1);
}

static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc(*size);
    assert_int_equal(fread(data, 1, *size, f), *size);
    fclose(f);
    return data;
}

/* The data section: everything after the 8-byte length and the header. */
static const char *data_section(const char *file, size_t size, size_t *data_size)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | (unsigned char)file[i];
    assert_true(8 + n <= size);
    assert_int_equal((8 + n) % 8, 0); /* the tensors stay aligned */
    *data_size = size - 8 - (size_t)n;
    return file + 8 + n;
}

static void meta_rewrites_metadata_and_keeps_the_tensors(void **state)
{
    (void)state;
    Run r;
    const char *model = in_tmp("little.safetensors"), *travelled = in_tmp("travelled.safetensors");
    /* A model as the trainer used to write them: the machine's paths. */
    run(&r, cantus_train, "meta", model, "-o", travelled, "--set",
        "cantus.trained_on=[\"/home/someone/midi/little-corpus/\"]", "--set",
        "cantus.train_args=cantus-train train --corpus /home/someone/midi/little-corpus "
        "--label 'A (b) c' -o /tmp/work/runs/x_a.safetensors --hidden 8",
        "--set", "cantus.note=kept", NULL);
    if (r.status != 0) fail_msg("meta --set failed:\n%s", r.err);
    const char *found = NULL;
    assert_non_null(key_with_machine_path(travelled, &found));

    size_t before_size, after_size, before_data, after_data;
    char *before = read_all(travelled, &before_size);
    run(&r, cantus_train, "meta", travelled, "--strip-paths", "--unset", "cantus.note", NULL);
    if (r.status != 0) fail_msg("meta --strip-paths failed:\n%s", r.err);
    char *after = read_all(travelled, &after_size);
    const char *a = data_section(before, before_size, &before_data);
    const char *b = data_section(after, after_size, &after_data);
    printf("# data section: %zu bytes before, %zu after; header %zu -> %zu bytes\n", before_data,
           after_data, before_size - before_data, after_size - after_data);
    assert_int_equal(before_data, after_data);
    assert_memory_equal(a, b, before_data);
    assert_true(after_size < before_size);

    run(&r, cantus_train, "meta", travelled, NULL);
    assert_int_equal(r.status, 0);
    printf("# %s", strstr(r.out, "cantus.train_args="));
    assert_non_null(strstr(r.out, "cantus.trained_on=[\"little-corpus\"]\n"));
    assert_non_null(strstr(r.out, "cantus.train_args=cantus-train train --corpus little-corpus "
                                  "--label 'A (b) c' -o x_a.safetensors --hidden 8\n"));
    assert_null(strstr(r.out, "cantus.note="));
    assert_null(key_with_machine_path(travelled, &found));
    free(before);
    free(after);
}

static void shipped_presets_hold_no_machine_path(void **state)
{
    (void)state;
    DIR *d = opendir(presets_dir);
    assert_non_null(d);
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 12 || strcmp(e->d_name + n - 12, ".safetensors") != 0) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", presets_dir, e->d_name);
        const char *found = NULL;
        const char *key = key_with_machine_path(path, &found);
        if (key) fail_msg("%s: %s holds %s", e->d_name, key, found);
        checked++;
    }
    closedir(d);
    printf("# %d presets, no machine path in their metadata\n", checked);
    assert_true(checked >= 4);
}

static void generate_help_lists_every_scale(void **state)
{
    (void)state;
    Run r;
    run(&r, cantus_train, "generate", "--help", NULL);
    assert_int_equal(r.status, 0);
    for (int s = 0; s < CANTUS_SCALE_COUNT; s++) {
        const char *name = cantus_scale_name((CantusScale)s);
        if (!strstr(r.out, name)) fail_msg("generate --help does not list the scale %s", name);
    }
    run(&r, cantus_train, "generate", "--model", "m", "--beats", "4", "-o", "x.mid", "--scale",
        "lydian", NULL);
    expect_usage_error(&r, "cantus-train generate", "--scale lydian: wants one of chromatic, ");
    assert_non_null(strstr(r.err, "blues"));
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: test_trainer_cli CANTUS-TRAIN CANTUS-RENDER PRESETS-DIR\n");
        return 2;
    }
    cantus_train = argv[1];
    cantus_render = argv[2];
    presets_dir = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_tool_prints_its_version),
        cmocka_unit_test(usage_errors_are_one_line),
        cmocka_unit_test(train_refuses_nonsense_values),
        cmocka_unit_test(tokens_refuses_what_train_refuses),
        cmocka_unit_test(train_checks_the_output_folder_first),
        cmocka_unit_test(train_writes_a_model_without_machine_paths),
        cmocka_unit_test(a_big_enough_validation_split_gives_no_warning),
        cmocka_unit_test(meta_rewrites_metadata_and_keeps_the_tensors),
        cmocka_unit_test(shipped_presets_hold_no_machine_path),
        cmocka_unit_test(generate_help_lists_every_scale),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
