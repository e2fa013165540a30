/* The atomic writer: what it writes loads back as the same tensors and
 * metadata, its layout follows the safetensors format, and a failure never
 * leaves a temporary file or harms an existing target. */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "model.h"
#include "safetensors_write.h"

enum { L = 2, H = 8, P = 10, V = 12 };

typedef struct {
    char dir[64];
    char path[128];
    float w_ih[2][4 * H * V], w_hh[2][4 * H * H], b_ih[2][4 * H], b_hh[2][4 * H];
    float fc_w[V * H], fc_b[V];
    CantusSafetensorsWriteTensor refs[4 * L + 2];
    int n_refs;
} Fixture;

static const CantusSafetensorsWriteMeta meta[] = {
    {"cantus.format", "1"},
    {"cantus.note_low", "50"},
    {"cantus.note_high", "59"},
    {"cantus.rest_token", "11"},
    {"cantus.hold_token", "10"},
    {"cantus.steps_per_beat", "2"},
    {"cantus.label", "Quotes \" and \\ back\\slash, tab\t, \xc3\xa9t\xc3\xa9"},
};
#define N_META ((int)(sizeof meta / sizeof meta[0]))

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/cantus-write-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/model.safetensors", f->dir);
    float x = 0.25f;
    float *arrays[] = {&f->w_ih[0][0], &f->w_hh[0][0], &f->b_ih[0][0],
                       &f->b_hh[0][0], f->fc_w,        f->fc_b};
    size_t sizes[] = {sizeof f->w_ih, sizeof f->w_hh, sizeof f->b_ih,
                      sizeof f->b_hh, sizeof f->fc_w, sizeof f->fc_b};
    for (int a = 0; a < 6; a++)
        for (size_t i = 0; i < sizes[a] / sizeof(float); i++) {
            x = x * 3.7f - (float)(int)(x * 3.7f); /* deterministic, in [0, 1) */
            arrays[a][i] = x - 0.5f;
        }
    /* Layer 1's input is H wide: it uses the first 4H*H floats of w_ih[1]. */
    static char names[4 * L][32];
    const char *kinds[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    for (int k = 0; k < L; k++) {
        for (int i = 0; i < 4; i++) {
            char *name = names[4 * k + i];
            snprintf(name, 32, "lstm.%s_l%d", kinds[i], k);
            CantusSafetensorsWriteTensor r = {name, NULL, 4 * H, 0};
            if (i == 0) {
                r.data = f->w_ih[k];
                r.cols = k == 0 ? V : H;
            } else if (i == 1) {
                r.data = f->w_hh[k];
                r.cols = H;
            } else {
                r.data = i == 2 ? f->b_ih[k] : f->b_hh[k];
            }
            f->refs[f->n_refs++] = r;
        }
    }
    f->refs[f->n_refs++] = (CantusSafetensorsWriteTensor){"fc.weight", f->fc_w, V, H};
    f->refs[f->n_refs++] = (CantusSafetensorsWriteTensor){"fc.bias", f->fc_b, V, 0};
    *state = f;
    return 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
    closedir(d);
    return n;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
        if (rmdir(p) != 0) unlink(p);
    }
    if (d) closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void round_trip(void **state)
{
    Fixture *f = *state;
    char err[CANTUS_ERROR_SIZE] = "";
    if (cantus_safetensors_write(f->path, f->refs, f->n_refs, meta, N_META, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(count_entries(f->dir), 1);

    CantusModel *m = cantus_model_load(f->path, err, sizeof err);
    if (!m) fail_msg("%s", err);
    const CantusModelInfo *info = cantus_model_info(m);
    assert_int_equal(info->layers, L);
    assert_int_equal(info->hidden, H);
    assert_int_equal(info->vocab, V);
    assert_int_equal(info->note_low, 50);
    assert_int_equal(info->rest_token, 11);
    assert_int_equal(info->hold_token, 10);
    assert_int_equal(info->steps_per_beat, 2);
    for (int i = 0; i < N_META; i++)
        assert_string_equal(cantus_model_metadata(m, meta[i].key), meta[i].value);
    for (int i = 0; i < f->n_refs; i++) {
        int rows = 0, cols = 0;
        const float *t = cantus_model_tensor(m, f->refs[i].name, &rows, &cols);
        assert_non_null(t);
        assert_int_equal(rows, f->refs[i].rows);
        assert_int_equal(cols, f->refs[i].cols ? f->refs[i].cols : 1);
        assert_memory_equal(t, f->refs[i].data, (size_t)rows * cols * sizeof(float));
    }
    cantus_model_free(m);

    /* The layout the format asks for: the header length is a multiple of 8
     * and the JSON is padded with spaces; the data section holds exactly the
     * tensors, back to back. */
    FILE *fp = fopen(f->path, "rb");
    unsigned char len_le[8];
    assert_int_equal(fread(len_le, 1, 8, fp), 8);
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--)
        len = len << 8 | len_le[i];
    assert_int_equal(len % 8, 0);
    char *header = calloc(1, len + 1);
    assert_int_equal(fread(header, 1, len, fp), len);
    fclose(fp);
    json_error_t jerr;
    json_t *root = json_loads(header, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(root);
    json_t *fcb = json_object_get(root, "fc.bias");
    assert_string_equal(json_string_value(json_object_get(fcb, "dtype")), "F32");
    assert_int_equal(json_array_size(json_object_get(fcb, "shape")), 1);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    json_int_t end = json_integer_value(json_array_get(json_object_get(fcb, "data_offsets"), 1));
    assert_int_equal((uint64_t)st.st_size, 8 + len + (uint64_t)end);
    json_decref(root);
    free(header);
}

static void overwrite_replaces_atomically(void **state)
{
    Fixture *f = *state;
    char err[CANTUS_ERROR_SIZE] = "";
    assert_int_equal(
        cantus_safetensors_write(f->path, f->refs, f->n_refs, meta, N_META, err, sizeof err), 0);
    f->fc_b[0] = 42.0f;
    assert_int_equal(
        cantus_safetensors_write(f->path, f->refs, f->n_refs, meta, N_META, err, sizeof err), 0);
    assert_int_equal(count_entries(f->dir), 1);
    CantusModel *m = cantus_model_load(f->path, err, sizeof err);
    assert_non_null(m);
    assert_true(cantus_model_tensor(m, "fc.bias", NULL, NULL)[0] == 42.0f);
    cantus_model_free(m);
}

static void missing_directory_leaves_nothing(void **state)
{
    Fixture *f = *state;
    char path[256], err[CANTUS_ERROR_SIZE] = "";
    snprintf(path, sizeof path, "%s/no/such/dir/model.safetensors", f->dir);
    assert_int_equal(
        cantus_safetensors_write(path, f->refs, f->n_refs, meta, N_META, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "temporary file"));
    assert_int_equal(count_entries(f->dir), 0);
}

static void failure_keeps_existing_target(void **state)
{
    Fixture *f = *state;
    char err[CANTUS_ERROR_SIZE] = "";
    assert_int_equal(
        cantus_safetensors_write(f->path, f->refs, f->n_refs, meta, N_META, err, sizeof err), 0);
    struct stat before;
    assert_int_equal(stat(f->path, &before), 0);

    /* Bad arguments fail before a file is made. */
    CantusSafetensorsWriteTensor dup[2] = {f->refs[0], f->refs[0]};
    assert_int_equal(cantus_safetensors_write(f->path, dup, 2, meta, N_META, err, sizeof err), -1);
    assert_non_null(strstr(err, "given twice"));
    CantusSafetensorsWriteTensor bad = {"x", NULL, 3, 0};
    assert_int_equal(cantus_safetensors_write(f->path, &bad, 1, NULL, 0, err, sizeof err), -1);
    CantusSafetensorsWriteMeta bad_utf8 = {"cantus.label", "\xff\xfe"};
    assert_int_equal(
        cantus_safetensors_write(f->path, f->refs, f->n_refs, &bad_utf8, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "JSON header"));

    /* A failure after the temporary file exists: the rename over a
     * directory fails, and the temporary file goes away. */
    char sub[192];
    snprintf(sub, sizeof sub, "%s/a-directory", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(
        cantus_safetensors_write(sub, f->refs, f->n_refs, meta, N_META, err, sizeof err), -1);
    assert_non_null(strstr(err, "rename failed"));
    assert_int_equal(count_entries(f->dir), 2); /* the model and the directory, no temp */

    struct stat after;
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_size, before.st_size);
    CantusModel *m = cantus_model_load(f->path, err, sizeof err);
    assert_non_null(m);
    cantus_model_free(m);
}

/* The header is byte for byte what the writer made when it used jansson
 * (json_dumps, JSON_COMPACT | JSON_PRESERVE_ORDER): models written before
 * and after the change differ in nothing, for every character a metadata
 * value can hold. */
static void header_as_jansson_wrote_it(void **state)
{
    Fixture *f = *state;
    char every[200];
    int k = 0;
    for (int c = 1; c < 128; c++)
        every[k++] = (char)c;
    strcpy(every + k, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5\xef\xbb\xbf\xe2\x80\xa8");
    CantusSafetensorsWriteMeta m[N_META + 2];
    memcpy(m, meta, sizeof meta);
    m[N_META] = (CantusSafetensorsWriteMeta){"every \"character\"\n", every};
    m[N_META + 1] = (CantusSafetensorsWriteMeta){"/", ""};
    char err[CANTUS_ERROR_SIZE] = "";
    for (int n_meta = 0; n_meta <= N_META + 2; n_meta += N_META + 2) {
        if (cantus_safetensors_write(f->path, f->refs, f->n_refs, m, n_meta, err, sizeof err))
            fail_msg("%s", err);
        json_t *root = json_object(), *metadata = json_object();
        for (int i = 0; i < n_meta; i++)
            json_object_set_new(metadata, m[i].key, json_string(m[i].value));
        if (n_meta > 0) json_object_set(root, "__metadata__", metadata);
        json_int_t offset = 0;
        for (int i = 0; i < f->n_refs; i++) {
            const CantusSafetensorsWriteTensor *t = &f->refs[i];
            json_int_t bytes = (json_int_t)t->rows * (t->cols ? t->cols : 1) * 4;
            json_t *shape =
                t->cols ? json_pack("[ii]", t->rows, t->cols) : json_pack("[i]", t->rows);
            json_object_set_new(root, t->name,
                                json_pack("{s:s, s:o, s:[II]}", "dtype", "F32", "shape", shape,
                                          "data_offsets", offset, offset + bytes));
            offset += bytes;
        }
        char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(metadata);
        json_decref(root);
        size_t len = strlen(text), padded = (len + 7) & ~(size_t)7;

        FILE *fp = fopen(f->path, "rb");
        unsigned char *file = malloc(8 + padded + 1);
        size_t got = fread(file, 1, 8 + padded + 1, fp);
        fclose(fp);
        assert_true(got == 8 + padded + 1);
        uint64_t header_len = 0;
        for (int i = 7; i >= 0; i--)
            header_len = header_len << 8 | file[i];
        assert_int_equal(header_len, padded);
        assert_memory_equal(file + 8, text, len);
        for (size_t i = len; i < padded; i++)
            assert_int_equal(file[8 + i], ' ');
        free(file);
        free(text);
    }
    /* It loads back with every character. */
    CantusModel *model = cantus_model_load(f->path, err, sizeof err);
    if (!model) fail_msg("%s", err);
    assert_string_equal(cantus_model_metadata(model, "every \"character\"\n"), every);
    assert_string_equal(cantus_model_metadata(model, "/"), "");
    cantus_model_free(model);
}

/* A key given twice is refused (jansson kept the last value silently). */
static void metadata_key_twice(void **state)
{
    Fixture *f = *state;
    CantusSafetensorsWriteMeta m[2] = {{"cantus.genre", "a"}, {"cantus.genre", "b"}};
    char err[CANTUS_ERROR_SIZE] = "";
    assert_int_equal(cantus_safetensors_write(f->path, f->refs, f->n_refs, m, 2, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "metadata key 'cantus.genre' is given twice"));
    CantusSafetensorsWriteTensor bad_name = f->refs[0];
    bad_name.name = "lstm.\xc3(";
    assert_int_equal(cantus_safetensors_write(f->path, &bad_name, 1, NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor 0's name is not valid UTF-8"));
    assert_int_equal(count_entries(f->dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(overwrite_replaces_atomically, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_directory_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(failure_keeps_existing_target, setup, teardown),
        cmocka_unit_test_setup_teardown(header_as_jansson_wrote_it, setup, teardown),
        cmocka_unit_test_setup_teardown(metadata_key_twice, setup, teardown),
    };
    return cmocka_run_group_tests_name("safetensors_write", tests, NULL, NULL);
}
