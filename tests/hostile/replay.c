/* Replays a fuzz harness's committed corpus (fuzz/corpus/<harness>/) through
 * the harness itself, in the ordinary and the ASan+UBSan builds, without
 * libFuzzer: every seed and every past finding becomes a regression test
 * that runs in CI with the rest. The harness's invariants abort on a
 * violation, which fails this test with the harness's own message. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *data = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            unsigned char *grown = realloc(data, cap);
            if (!grown) break;
            data = grown;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    *size = len;
    return data;
}

static void replay_corpus(void **state)
{
    const char *dir = *state;
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open corpus folder %s", dir);
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, (size_t)cap * sizeof *names);
            assert_non_null(names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, compare_names);
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t size = 0;
        unsigned char *data = read_all(path, &size);
        assert_non_null(data);
        /* Printed first, so an abort inside the harness names its input. */
        fprintf(stderr, "replay %s (%zu bytes)\n", names[i], size);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(replay_corpus, argv[1]),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
