/* The model-level checks of a parsed safetensors file (model_check.c).
 * Each returns 0, or -1 with one sentence in err. Internal to core/. */
#ifndef CANTUS_MODEL_CHECK_H
#define CANTUS_MODEL_CHECK_H

#include "model.h"
#include "safetensors_read.h"

/* The cantus.* keys: fills every field of info but hidden and layers
 * (vocab is what the metadata implies; cantus_check_shapes compares). */
int cantus_check_metadata(const CantusSafetensorsReadFile *f, const char *name,
                          CantusModelInfo *info, char *err, size_t err_size);
/* Every tensor is a known one; layers l0..L-1 each complete. */
int cantus_check_layers(const CantusSafetensorsReadFile *f, const char *name, int *layers,
                        char *err, size_t err_size);
/* Shapes agree with one another, with the caps and with info->vocab; sets
 * info->hidden. Needs info->layers. */
int cantus_check_shapes(const CantusSafetensorsReadFile *f, const char *name, CantusModelInfo *info,
                        char *err, size_t err_size);

#endif
