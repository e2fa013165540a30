/* Writing a model file: safetensors with PyTorch's tensor names and the
 * cantus.* metadata of DESIGN.md.
 *
 * Real-time class: file I/O, allocates. Never on the audio thread.
 */
#ifndef CANTUS_SAFETENSORS_WRITE_H
#define CANTUS_SAFETENSORS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *name;  /* e.g. "lstm.weight_ih_l0" */
    const float *data; /* row-major, rows * cols floats */
    int rows;
    int cols; /* 0 for a vector of `rows` elements (shape [rows]) */
} CantusSafetensorsWriteTensor;

typedef struct {
    const char *key;   /* e.g. "cantus.note_low" */
    const char *value; /* any UTF-8 string; escaped as JSON needs */
} CantusSafetensorsWriteMeta;

/* Writes the file atomically: to a temporary file beside path, fsync'd, then
 * renamed over path, so a crash or full disk never leaves a half-written
 * model and never harms an existing file at path. Returns 0, or -1 with one
 * sentence in err. Tensors are laid out in the order given, back to back
 * (the format allows no holes between them), F32 little-endian; the JSON
 * header is padded with spaces so the data section starts 8-byte aligned. */
int cantus_safetensors_write(const char *path, const CantusSafetensorsWriteTensor *tensors,
                             int n_tensors, const CantusSafetensorsWriteMeta *meta, int n_meta,
                             char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif
