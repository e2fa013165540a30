/* IEEE binary16 conversions for the opt-in half-precision weights of the
 * step. Internal to core/. */
#ifndef CANTUS_HALF_H
#define CANTUS_HALF_H

#include <stdint.h>

/* Round to nearest, ties to even; overflow gives +-infinity, NaN stays NaN. */
uint16_t cantus_float_to_half(float f);
/* Exact (every half is a float). */
float cantus_half_to_float(uint16_t h);

#define CANTUS_HALF_MAX 65504.0f

#endif
