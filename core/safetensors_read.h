/* The container layer of a model file: the safetensors framing and the
 * per-tensor checks that do not depend on what the tensors mean (header
 * length, JSON, dtype, shape, offsets, sizes, overlaps). model.c checks the
 * meaning on top. The header's JSON is read by json.c, no library. Internal
 * to core/. */
#ifndef CANTUS_SAFETENSORS_READ_H
#define CANTUS_SAFETENSORS_READ_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

typedef struct {
    const char *name; /* owned by the header */
    int ndim;         /* 1 or 2 */
    int64_t shape[2];
    uint64_t begin, end; /* byte offsets into the data section */
} CantusSafetensorsReadTensor;

typedef struct {
    CantusJson header; /* the parsed header; owns the names and strings */
    int metadata;      /* the node of __metadata__, or -1 */
    CantusSafetensorsReadTensor *tensors;
    int n_tensors;
    const unsigned char *data; /* the data section inside the caller's bytes */
    uint64_t data_size;
} CantusSafetensorsReadFile;

/* Parses and checks bytes[0..size). name is for messages. On failure returns
 * -1 with one sentence in err and nothing to release. */
int cantus_safetensors_read(const unsigned char *bytes, size_t size, const char *name,
                            CantusSafetensorsReadFile *out, char *err, size_t err_size);
void cantus_safetensors_read_release(CantusSafetensorsReadFile *file);

const CantusSafetensorsReadTensor *
cantus_safetensors_read_find(const CantusSafetensorsReadFile *file, const char *name);

/* A __metadata__ value (every one is a string, checked), or NULL when the key
 * or the whole __metadata__ is absent. */
const char *cantus_safetensors_read_metadata(const CantusSafetensorsReadFile *file,
                                             const char *key);

#endif
