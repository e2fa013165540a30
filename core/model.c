/* Loading a model: the safetensors framing is checked by
 * safetensors_read.c, the meaning by model_check.c; here the tensors are
 * copied out (checked finite and within CANTUS_MAX_WEIGHT) and
 * model_pack.c lays them out for the step. Any failure is one sentence and
 * no model. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_check.h"
#include "model_error.h"
#include "model_internal.h"
#include "safetensors_read.h"
/* Copies every tensor out of the file (little-endian F32) and checks that
 * each weight is finite and within CANTUS_MAX_WEIGHT. */
static int copy_tensors(const CantusSafetensorsReadFile *f, const char *name, CantusModel *m,
                        char *err, size_t err_size)
{
    size_t total = 0;
    for (int i = 0; i < f->n_tensors; i++)
        total += (f->tensors[i].end - f->tensors[i].begin) / 4;
    m->original = malloc((total > 0 ? total : 1) * sizeof(float));
    if (!m->original) {
        cantus_model_error(err, err_size, name, "out of memory for %zu weights", total);
        return -1;
    }
    float *cursor = m->original;
    for (int i = 0; i < f->n_tensors; i++) {
        const CantusSafetensorsReadTensor *t = &f->tensors[i];
        size_t n = (t->end - t->begin) / 4;
        const unsigned char *src = f->data + t->begin;
        for (size_t j = 0; j < n; j++) {
            uint32_t bits = (uint32_t)src[4 * j] | (uint32_t)src[4 * j + 1] << 8 |
                            (uint32_t)src[4 * j + 2] << 16 | (uint32_t)src[4 * j + 3] << 24;
            float v;
            memcpy(&v, &bits, 4);
            if (!isfinite(v)) {
                cantus_model_error(err, err_size, name,
                                   "tensor '%s' holds a non-finite weight (%s) at index %zu",
                                   t->name, isnan(v) ? "NaN" : "Inf", j);
                return -1;
            }
            if (fabsf(v) > CANTUS_MAX_WEIGHT) {
                cantus_model_error(err, err_size, name,
                                   "tensor '%s' holds a weight of %g at index %zu, beyond the cap "
                                   "of +-%g",
                                   t->name, (double)v, j, (double)CANTUS_MAX_WEIGHT);
                return -1;
            }
            cursor[j] = v;
        }
        CantusTensor *dst = &m->tensors[m->n_tensors++];
        dst->name = t->name;
        dst->rows = (int)t->shape[0];
        dst->cols = t->ndim == 2 ? (int)t->shape[1] : 1;
        dst->data = cursor;
        cursor += n;
    }
    return 0;
}

CantusModel *cantus_model_load_memory(const void *data, size_t size, const char *name, char *err,
                                      size_t err_size)
{
    if (!name) name = "(memory)";
    if (!data && size > 0) {
        cantus_model_error(err, err_size, name, "no bytes were given");
        return NULL;
    }
    CantusSafetensorsReadFile f;
    if (cantus_safetensors_read(data, size, name, &f, err, err_size) != 0) return NULL;

    CantusModel *m = calloc(1, sizeof *m);
    if (!m) {
        cantus_model_error(err, err_size, name, "out of memory");
        cantus_safetensors_read_release(&f);
        return NULL;
    }
    if (cantus_check_metadata(&f, name, &m->info, err, err_size) ||
        cantus_check_layers(&f, name, &m->info.layers, err, err_size) ||
        cantus_check_shapes(&f, name, &m->info, err, err_size) ||
        copy_tensors(&f, name, m, err, err_size))
        goto fail;
    if (cantus_model_pack(m) != 0) {
        cantus_model_error(err, err_size, name, "out of memory laying out the weights");
        goto fail;
    }
    /* The header JSON stays: it owns the tensor names and metadata strings. */
    m->header = f.header;
    m->metadata = f.metadata;
    f.header = (CantusJson){0};
    cantus_safetensors_read_release(&f);
    return m;
fail:
    cantus_safetensors_read_release(&f);
    free(m->original);
    free(m);
    return NULL;
}

CantusModel *cantus_model_load(const char *path, char *err, size_t err_size)
{
    if (!path) {
        cantus_model_error(err, err_size, "(null)", "no path was given");
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        cantus_model_error(err, err_size, path, "cannot open the file (%s)", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cantus_model_error(err, err_size, path, "is not a regular file");
        close(fd);
        return NULL;
    }
    /* Check the cap before reading, so a huge file costs nothing. */
    if ((uint64_t)st.st_size > CANTUS_MAX_FILE) {
        cantus_model_error(err, err_size, path, "the file has %lld bytes, over the cap of %u",
                           (long long)st.st_size, CANTUS_MAX_FILE);
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *bytes = malloc(size > 0 ? size : 1);
    size_t got = 0;
    while (bytes && got < size) {
        ssize_t n = read(fd, bytes + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!bytes || got != size) {
        cantus_model_error(err, err_size, path, "cannot read the file (%s)",
                           bytes ? "short read" : "out of memory");
        free(bytes);
        return NULL;
    }
    CantusModel *m = cantus_model_load_memory(bytes, size, path, err, err_size);
    free(bytes);
    return m;
}

void cantus_model_free(CantusModel *model)
{
    if (!model) return;
    free((void *)model->packed.base);
    free(model->original);
    cantus_json_free(&model->header);
    free(model);
}

const CantusModelInfo *cantus_model_info(const CantusModel *model)
{
    return &model->info;
}

const char *cantus_model_metadata(const CantusModel *model, const char *key)
{
    if (!model || !key) return NULL;
    return cantus_json_string(&model->header,
                              cantus_json_object_get(&model->header, model->metadata, key));
}

const float *cantus_model_tensor(const CantusModel *model, const char *name, int *rows, int *cols)
{
    for (int i = 0; model && name && i < model->n_tensors; i++) {
        const CantusTensor *t = &model->tensors[i];
        if (strcmp(t->name, name) == 0) {
            if (rows) *rows = t->rows;
            if (cols) *cols = t->cols;
            return t->data;
        }
    }
    return NULL;
}
