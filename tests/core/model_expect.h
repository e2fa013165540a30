/* Expecting a model load to fail: NULL, and one sentence that starts by
 * naming the file and holds the given phrase and key. For the malformed-
 * model tests (test_model_container.c, test_model_meaning.c). */
#ifndef CANTUS_TESTS_MODEL_EXPECT_H
#define CANTUS_TESTS_MODEL_EXPECT_H

#include <stddef.h>

#include "model_builder.h"

/* The name every broken model is loaded under. */
#define NAME "case.safetensors"

void check_message(const char *err, const char *phrase, const char *key);
void expect_bytes_fail(const void *bytes, size_t size, const char *phrase, const char *key);
/* Serialises m, expects the failure, frees m. */
void expect_fail(TestModel *m, const char *phrase, const char *key);

/* Valid starting points: L=1 H=16, 12 pitches; L=2 H=16, 12 pitches +
 * REST + HOLD. */
TestModel *one_layer(void);
TestModel *two_layers(void);

#endif
