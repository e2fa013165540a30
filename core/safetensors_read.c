/* The safetensors framing, checked before anything is trusted: every length
 * and offset is bounded by the bytes actually present, so a corrupt or
 * hostile file can only ever produce an error sentence. */
#include <inttypes.h>
#include <stdbool.h>
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

/* Every __metadata__ value is a string, as the format requires. */
static int check_metadata(const char *name, const CantusJson *h, int metadata, char *err,
                          size_t err_size)
{
    if (!cantus_json_is(h, metadata, CANTUS_JSON_OBJECT)) {
        cantus_model_error(err, err_size, name, "'__metadata__' is not a JSON object");
        return -1;
    }
    for (int k = cantus_json_first(h, metadata); k >= 0; k = cantus_json_next(h, k)) {
        if (!cantus_json_is(h, cantus_json_value(k), CANTUS_JSON_STRING)) {
            cantus_model_error(err, err_size, name,
                               "metadata key '%s' is not a string, as safetensors requires",
                               cantus_json_string(h, k));
            return -1;
        }
    }
    return 0;
}

/* A JSON integer in [0, max]; -1 otherwise (a fraction, an exponent, a
 * number past int64_t, or not a number at all). */
static int64_t bounded_integer(const CantusJson *h, int node, int64_t max)
{
    int64_t v;
    if (!cantus_json_integer(h, node, &v)) return -1;
    return v < 0 || v > max ? -1 : v;
}

static int parse_tensor(const char *name, const CantusJson *h, const char *tname, int entry,
                        uint64_t data_size, CantusSafetensorsReadTensor *t, char *err,
                        size_t err_size)
{
    if (!cantus_json_is(h, entry, CANTUS_JSON_OBJECT)) {
        cantus_model_error(err, err_size, name, "tensor '%s' is not a JSON object", tname);
        return -1;
    }
    const char *dtype = cantus_json_string(h, cantus_json_object_get(h, entry, "dtype"));
    if (!dtype) {
        cantus_model_error(err, err_size, name, "tensor '%s' has no dtype string", tname);
        return -1;
    }
    if (strcmp(dtype, "F32") != 0) {
        cantus_model_error(err, err_size, name, "tensor '%s' has dtype '%s', expected 'F32'", tname,
                           dtype);
        return -1;
    }

    int shape = cantus_json_object_get(h, entry, "shape");
    if (!cantus_json_is(h, shape, CANTUS_JSON_ARRAY)) {
        cantus_model_error(err, err_size, name, "tensor '%s' has no shape array", tname);
        return -1;
    }
    int ndim = cantus_json_size(h, shape);
    if (ndim < 1 || ndim > 2) {
        cantus_model_error(err, err_size, name, "tensor '%s' has %d dimensions, expected 1 or 2",
                           tname, ndim);
        return -1;
    }
    t->name = tname;
    t->ndim = ndim;
    t->shape[1] = 1;
    uint64_t elements = 1;
    for (int d = 0; d < ndim; d++) {
        /* Each dimension alone must fit the file cap, so the product of two
         * cannot overflow 64 bits. */
        int64_t n = bounded_integer(h, cantus_json_array_get(h, shape, d), CANTUS_MAX_FILE / 4);
        if (n < 0) {
            cantus_model_error(err, err_size, name,
                               "tensor '%s' has a shape entry that is not an integer in 0..%u",
                               tname, CANTUS_MAX_FILE / 4);
            return -1;
        }
        t->shape[d] = n;
        elements *= (uint64_t)n;
    }

    int offsets = cantus_json_object_get(h, entry, "data_offsets");
    int64_t begin =
        cantus_json_is(h, offsets, CANTUS_JSON_ARRAY) && cantus_json_size(h, offsets) == 2
            ? bounded_integer(h, cantus_json_array_get(h, offsets, 0), INT64_MAX)
            : -1;
    int64_t end =
        begin >= 0 ? bounded_integer(h, cantus_json_array_get(h, offsets, 1), INT64_MAX) : -1;
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
    out->metadata = -1;
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
    /* The first check says what most wrong files are: a MIDI file, a text,
     * an image. Their first 8 bytes read as a length larger than the file and
     * than any header (or under the 2 bytes of "{}"), or the header does not
     * open with '{' as the format requires. A length merely past the end of
     * a file that does start like a model means a truncated model instead. */
    uint64_t header_len = read_le64(bytes);
    bool implausible = header_len < 2 || (header_len > size - 8 && header_len > CANTUS_MAX_HEADER);
    if (implausible || (size > 8 && bytes[8] != '{')) {
        cantus_model_error(err, err_size, name, "not a safetensors model file");
        return -1;
    }
    if (header_len > size - 8) {
        cantus_model_error(err, err_size, name,
                           "header length %" PRIu64 " runs past the end of the file (%zu bytes)",
                           header_len, size);
        return -1;
    }
    if (header_len > CANTUS_MAX_HEADER) {
        cantus_model_error(err, err_size, name,
                           "header length %" PRIu64 " is over the cap of %u bytes", header_len,
                           CANTUS_MAX_HEADER);
        return -1;
    }

    CantusJsonError jerr;
    if (cantus_json_parse((const char *)bytes + 8, (size_t)header_len, &out->header, &jerr) != 0) {
        cantus_model_error(err, err_size, name,
                           "header is not valid JSON (%s, at byte %zu of the header)", jerr.text,
                           jerr.pos);
        return -1;
    }
    /* The text opens with '{', so the root (node 0) is an object. */
    const CantusJson *h = &out->header;
    out->data = bytes + 8 + header_len;
    out->data_size = (uint64_t)size - 8 - header_len;
    out->metadata = cantus_json_object_get(h, 0, "__metadata__");
    if (out->metadata >= 0 && check_metadata(name, h, out->metadata, err, err_size) != 0) goto fail;

    int n = cantus_json_size(h, 0) - (out->metadata >= 0 ? 1 : 0);
    out->tensors = calloc(n > 0 ? (size_t)n : 1, sizeof *out->tensors);
    if (!out->tensors) {
        cantus_model_error(err, err_size, name, "out of memory reading the header");
        goto fail;
    }
    for (int k = cantus_json_first(h, 0); k >= 0; k = cantus_json_next(h, k)) {
        const char *key = cantus_json_string(h, k);
        if (strcmp(key, "__metadata__") == 0) continue;
        if (parse_tensor(name, h, key, cantus_json_value(k), out->data_size,
                         &out->tensors[out->n_tensors], err, err_size) != 0)
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
    cantus_json_free(&file->header);
    memset(file, 0, sizeof *file);
    file->metadata = -1;
}

const CantusSafetensorsReadTensor *
cantus_safetensors_read_find(const CantusSafetensorsReadFile *file, const char *name)
{
    for (int i = 0; i < file->n_tensors; i++)
        if (strcmp(file->tensors[i].name, name) == 0) return &file->tensors[i];
    return NULL;
}

const char *cantus_safetensors_read_metadata(const CantusSafetensorsReadFile *file, const char *key)
{
    return cantus_json_string(&file->header,
                              cantus_json_object_get(&file->header, file->metadata, key));
}
