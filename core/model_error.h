/* One sentence per failure, always starting "model 'NAME': ", so a log line
 * names the file before it says what is wrong with it; control characters
 * (from the name or quoted from the file) become spaces, so it is always
 * one line. Internal to core/. */
#ifndef CANTUS_MODEL_ERROR_H
#define CANTUS_MODEL_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void cantus_model_error(char *err, size_t err_size, const char *name, const char *fmt, ...);

#endif
