#include <stdarg.h>
#include <stdio.h>

#include "model_error.h"

void cantus_model_error(char *err, size_t err_size, const char *name, const char *fmt, ...)
{
    if (!err || err_size == 0) return;
    int n = snprintf(err, err_size, "model '%s': ", name ? name : "(unnamed)");
    if (n < 0 || (size_t)n >= err_size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
    va_end(ap);
    /* One line, whatever the file name or the JSON parser quoted from the
     * file: a control character (a newline inside a broken header, say)
     * would split a host's log line in two. */
    for (char *c = err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = ' ';
}
