#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "model_expect.h"

void check_message(const char *err, const char *phrase, const char *key)
{
    if (strncmp(err, "model '" NAME "': ", strlen("model '" NAME "': ")) != 0)
        fail_msg("message does not start by naming the file: \"%s\"", err);
    if (!strstr(err, phrase)) fail_msg("message lacks \"%s\": \"%s\"", phrase, err);
    if (key && !strstr(err, key)) fail_msg("message does not name \"%s\": \"%s\"", key, err);
    assert_null(strchr(err, '\n'));
}

void expect_bytes_fail(const void *bytes, size_t size, const char *phrase, const char *key)
{
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load_memory(bytes, size, NAME, err, sizeof err);
    if (model) {
        cantus_model_free(model);
        fail_msg("a broken model loaded (expected \"%s\")", phrase);
    }
    check_message(err, phrase, key);
}

void expect_fail(TestModel *m, const char *phrase, const char *key)
{
    size_t size;
    unsigned char *bytes = tm_bytes(m, &size);
    expect_bytes_fail(bytes, size, phrase, key);
    free(bytes);
    tm_free(m);
}

TestModel *one_layer(void)
{
    return tm_make(1, 16, 60, 71, false, false);
}

TestModel *two_layers(void)
{
    return tm_make(2, 16, 60, 71, true, true);
}
