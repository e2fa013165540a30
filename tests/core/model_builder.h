/* Small Cantus model files made in memory for the tests: a valid model
 * whose JSON header and data the tests then break one way at a time. */
#ifndef CANTUS_TESTS_MODEL_BUILDER_H
#define CANTUS_TESTS_MODEL_BUILDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    json_t *header; /* the whole header object, __metadata__ first */
    float *data;    /* the data section, tensors back to back */
    size_t n_floats;
    int layers, hidden, vocab;
} TestModel;

/* A valid model with deterministic small weights. rest/hold: -1 or present. */
TestModel *tm_make(int layers, int hidden, int note_low, int note_high, bool rest, bool hold);
/* A metre model: cantus.bar_steps = P, lstm.weight_ih_l0 [4H, V + P]. */
TestModel *tm_make_metre(int layers, int hidden, int note_low, int note_high, int bar_steps);
/* Any vocabulary size; the metadata claims 128 pitches and no REST/HOLD. */
TestModel *tm_make_vocab(int layers, int hidden, int vocab);
void tm_free(TestModel *m);

json_t *tm_meta(TestModel *m);
json_t *tm_tensor(TestModel *m, const char *name);
/* The floats of a tensor, by its current data_offsets. */
float *tm_data(TestModel *m, const char *name);
/* Renames a tensor entry (keeps its offsets). */
void tm_rename(TestModel *m, const char *from, const char *to);

/* The file bytes; free() them. */
unsigned char *tm_bytes(const TestModel *m, size_t *size);
/* The file bytes around a header given as text (padded as the format
 * wants) and the model's data section. */
unsigned char *tm_bytes_with_header(const TestModel *m, const char *header_text, size_t *size);

#endif
