/* The safetensors framing, checked before anything is trusted: every length
 * and offset is bounded by the bytes actually present, so a corrupt or
 * hostile file can only ever produce an error sentence. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_error.h"
#include "safetensors_read.h"

static uint64_t read_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int check_metadata(const char *name, json_t *metadata, char *err, size_t err_size)
{
    if (!json_is_object(metadata)) {
        cantus_model_error(err, err_size, name, "'__metadata__' is not a JSON object");
        return -1;
    }
    const char *key;
    json_t *value;
    json_object_foreach(metadata, key, value)
    {
        if (!json_is_string(value)) {
            cantus_model_error(err, err_size, name,
                               "metadata key '%s' is not a string, as safetensors requires", key);
            return -1;
        }
    }
    return 0;
}

/* A JSON integer in [0, max]; -1 otherwise. */
static int64_t bounded_integer(json_t *value, int64_t max)
{
    if (!json_is_integer(value)) return -1;
    json_int_t v = json_integer_value(value);
    return v < 0 || v > max ? -1 : (int64_t)v;
}

static int parse_tensor(const char *name, const char *tname, json_t *entry, uint64_t data_size,
                        CantusSafetensorsReadTensor *t, char *err, size_t err_size)
{
    if (!json_is_object(entry)) {
        cantus_model_error(err, err_size, name, "tensor '%s' is not a JSON object", tname);
        return -1;
    }
    json_t *dtype = json_object_get(entry, "dtype");
    if (!json_is_string(dtype)) {
        cantus_model_error(err, err_size, name, "tensor '%s' has no dtype string", tname);
        return -1;
    }
    if (strcmp(json_string_value(dtype), "F32") != 0) {
        cantus_model_error(err, err_size, name, "tensor '%s' has dtype '%s', expected 'F32'", tname,
                           json_string_value(dtype));
        return -1;
    }

    json_t *shape = json_object_get(entry, "shape");
    if (!json_is_array(shape)) {
        cantus_model_error(err, err_size, name, "tensor '%s' has no shape array", tname);
        return -1;
    }
    size_t ndim = json_array_size(shape);
    if (ndim < 1 || ndim > 2) {
        cantus_model_error(err, err_size, name, "tensor '%s' has %zu dimensions, expected 1 or 2",
                           tname, ndim);
        return -1;
    }
    t->name = tname;
    t->ndim = (int)ndim;
    t->shape[1] = 1;
    uint64_t elements = 1;
    for (size_t d = 0; d < ndim; d++) {
        /* Each dimension alone must fit the file cap, so the product of two
         * cannot overflow 64 bits. */
        int64_t n = bounded_integer(json_array_get(shape, d), CANTUS_MAX_FILE / 4);
        if (n < 0) {
            cantus_model_error(err, err_size, name,
                               "tensor '%s' has a shape entry that is not an integer in 0..%u",
                               tname, CANTUS_MAX_FILE / 4);
            return -1;
        }
        t->shape[d] = n;
        elements *= (uint64_t)n;
    }

    json_t *offsets = json_object_get(entry, "data_offsets");
    int64_t begin = json_is_array(offsets) && json_array_size(offsets) == 2
                        ? bounded_integer(json_array_get(offsets, 0), INT64_MAX)
                        : -1;
    int64_t end = begin >= 0 ? bounded_integer(json_array_get(offsets, 1), INT64_MAX) : -1;
    if (begin < 0 || end < 0) {
        cantus_model_error(err, err_size, name,
                           "tensor '%s' has no data_offsets pair of non-negative integers", tname);
        return -1;
    }
    if (end < begin) {
        cantus_model_error(err, err_size, name,
                           "tensor '%s' has data_offsets [%" PRId64 ", %" PRId64
                           "] that end before they begin",
                           tname, begin, end);
        return -1;
    }
    if ((uint64_t)end > data_size) {
        cantus_model_error(err, err_size, name,
                           "tensor '%s' has data_offsets [%" PRId64 ", %" PRId64
                           "] outside the data section of %" PRIu64 " bytes",
                           tname, begin, end, data_size);
        return -1;
    }
    uint64_t bytes = (uint64_t)(end - begin);
    if (bytes != elements * 4u) {
        cantus_model_error(err, err_size, name,
                           "tensor '%s' has %" PRIu64
                           " bytes of data, but its shape needs %" PRIu64,
                           tname, bytes, elements * 4u);
        return -1;
    }
    t->begin = (uint64_t)begin;
    t->end = (uint64_t)end;
    return 0;
}

static int compare_begin(const void *a, const void *b)
{
    const CantusSafetensorsReadTensor *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static int check_overlaps(const char *name, const CantusSafetensorsReadTensor *tensors, int n,
                          char *err, size_t err_size)
{
    CantusSafetensorsReadTensor *sorted = malloc((size_t)(n > 0 ? n : 1) * sizeof *sorted);
    if (!sorted) {
        cantus_model_error(err, err_size, name, "out of memory while checking tensor offsets");
        return -1;
    }
    memcpy(sorted, tensors, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_begin);
    int result = 0;
    const CantusSafetensorsReadTensor *previous = NULL;
    for (int i = 0; i < n; i++) {
        if (sorted[i].end == sorted[i].begin) continue; /* an empty tensor occupies no bytes */
        if (previous && sorted[i].begin < previous->end) {
            cantus_model_error(err, err_size, name,
                               "tensors '%s' and '%s' overlap in the data section", previous->name,
                               sorted[i].name);
            result = -1;
            break;
        }
        previous = &sorted[i];
    }
    free(sorted);
    return result;
}

int cantus_safetensors_read(const unsigned char *bytes, size_t size, const char *name,
                            CantusSafetensorsReadFile *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (size == 0) {
        cantus_model_error(err, err_size, name, "the file is empty");
        return -1;
    }
    if (size < 8) {
        cantus_model_error(err, err_size, name,
                           "the file has %zu bytes, too short for the 8-byte header length", size);
        return -1;
    }
    if (size > CANTUS_MAX_FILE) {
        cantus_model_error(err, err_size, name, "the file has %zu bytes, over the cap of %u", size,
                           CANTUS_MAX_FILE);
        return -1;
    }
    uint64_t header_len = read_le64(bytes);
    if (header_len < 2 || header_len > CANTUS_MAX_HEADER) {
        cantus_model_error(err, err_size, name, "header length %" PRIu64 " is outside 2..%u bytes",
                           header_len, CANTUS_MAX_HEADER);
        return -1;
    }
    if (header_len > size - 8) {
        cantus_model_error(err, err_size, name,
                           "header length %" PRIu64 " runs past the end of the file (%zu bytes)",
                           header_len, size);
        return -1;
    }

    json_error_t jerr;
    json_t *root =
        json_loadb((const char *)bytes + 8, (size_t)header_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        cantus_model_error(err, err_size, name, "header is not valid JSON (%s at byte %d)",
                           jerr.text, jerr.position);
        return -1;
    }
    if (!json_is_object(root)) {
        cantus_model_error(err, err_size, name, "header is not a JSON object");
        json_decref(root);
        return -1;
    }

    out->root = root;
    out->data = bytes + 8 + header_len;
    out->data_size = (uint64_t)size - 8 - header_len;
    out->metadata = json_object_get(root, "__metadata__");
    if (out->metadata && check_metadata(name, out->metadata, err, err_size) != 0) goto fail;

    size_t n = json_object_size(root) - (out->metadata ? 1 : 0);
    out->tensors = calloc(n > 0 ? n : 1, sizeof *out->tensors);
    if (!out->tensors) {
        cantus_model_error(err, err_size, name, "out of memory reading the header");
        goto fail;
    }
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        if (strcmp(key, "__metadata__") == 0) continue;
        if (parse_tensor(name, key, value, out->data_size, &out->tensors[out->n_tensors], err,
                         err_size) != 0)
            goto fail;
        out->n_tensors++;
    }
    if (check_overlaps(name, out->tensors, out->n_tensors, err, err_size) != 0) goto fail;
    return 0;
fail:
    cantus_safetensors_read_release(out);
    return -1;
}

void cantus_safetensors_read_release(CantusSafetensorsReadFile *file)
{
    free(file->tensors);
    json_decref(file->root);
    memset(file, 0, sizeof *file);
}

const CantusSafetensorsReadTensor *
cantus_safetensors_read_find(const CantusSafetensorsReadFile *file, const char *name)
{
    for (int i = 0; i < file->n_tensors; i++)
        if (strcmp(file->tensors[i].name, name) == 0) return &file->tensors[i];
    return NULL;
}
