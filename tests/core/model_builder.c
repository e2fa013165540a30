#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"

static void add_tensor(TestModel *m, const char *name, int rows, int cols, size_t *offset)
{
    size_t n = (size_t)rows * (size_t)(cols > 0 ? cols : 1);
    json_t *shape = cols > 0 ? json_pack("[ii]", rows, cols) : json_pack("[i]", rows);
    json_object_set_new(m->header, name,
                        json_pack("{s:s, s:o, s:[II]}", "dtype", "F32", "shape", shape,
                                  "data_offsets", (json_int_t)(*offset * 4),
                                  (json_int_t)((*offset + n) * 4)));
    *offset += n;
}

static TestModel *make(int layers, int hidden, int vocab, int note_low, int note_high, int rest,
                       int hold, int bar_steps)
{
    TestModel *m = calloc(1, sizeof *m);
    int V = vocab, H = hidden;
    m->layers = layers;
    m->hidden = H;
    m->vocab = V;
    m->header = json_object();
    char low[16], high[16], r[16], h[16];
    snprintf(low, sizeof low, "%d", note_low);
    snprintf(high, sizeof high, "%d", note_high);
    snprintf(r, sizeof r, "%d", rest);
    snprintf(h, sizeof h, "%d", hold);
    json_object_set_new(m->header, "__metadata__",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "cantus.format", "1",
                                  "cantus.note_low", low, "cantus.note_high", high,
                                  "cantus.rest_token", r, "cantus.hold_token", h,
                                  "cantus.steps_per_beat", "1", "cantus.genre", "test"));
    if (bar_steps > 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", bar_steps);
        json_object_set_new(tm_meta(m), "cantus.bar_steps", json_string(p));
    }
    size_t offset = 0;
    for (int k = 0; k < layers; k++) {
        char name[64];
        snprintf(name, sizeof name, "lstm.weight_ih_l%d", k);
        add_tensor(m, name, 4 * H, k == 0 ? V + bar_steps : H, &offset);
        snprintf(name, sizeof name, "lstm.weight_hh_l%d", k);
        add_tensor(m, name, 4 * H, H, &offset);
        snprintf(name, sizeof name, "lstm.bias_ih_l%d", k);
        add_tensor(m, name, 4 * H, 0, &offset);
        snprintf(name, sizeof name, "lstm.bias_hh_l%d", k);
        add_tensor(m, name, 4 * H, 0, &offset);
    }
    add_tensor(m, "fc.weight", V, H, &offset);
    add_tensor(m, "fc.bias", V, 0, &offset);
    m->n_floats = offset;
    m->data = malloc(offset * sizeof(float));
    for (size_t i = 0; i < offset; i++)
        m->data[i] = (float)((int)(i * 7919u % 2001u) - 1000) * 1e-4f;
    return m;
}

TestModel *tm_make(int layers, int hidden, int note_low, int note_high, bool rest, bool hold)
{
    int P = note_high - note_low + 1;
    return make(layers, hidden, P + rest + hold, note_low, note_high, rest ? P : -1,
                hold ? P + rest : -1, 0);
}

TestModel *tm_make_metre(int layers, int hidden, int note_low, int note_high, int bar_steps)
{
    return make(layers, hidden, note_high - note_low + 1, note_low, note_high, -1, -1, bar_steps);
}

TestModel *tm_make_vocab(int layers, int hidden, int vocab)
{
    return make(layers, hidden, vocab, 0, 127, -1, -1, 0);
}

void tm_free(TestModel *m)
{
    if (!m) return;
    json_decref(m->header);
    free(m->data);
    free(m);
}

json_t *tm_meta(TestModel *m)
{
    return json_object_get(m->header, "__metadata__");
}

json_t *tm_tensor(TestModel *m, const char *name)
{
    return json_object_get(m->header, name);
}

float *tm_data(TestModel *m, const char *name)
{
    json_t *offsets = json_object_get(tm_tensor(m, name), "data_offsets");
    return m->data + json_integer_value(json_array_get(offsets, 0)) / 4;
}

void tm_rename(TestModel *m, const char *from, const char *to)
{
    json_t *entry = json_incref(tm_tensor(m, from));
    json_object_del(m->header, from);
    json_object_set_new(m->header, to, entry);
}

unsigned char *tm_bytes_with_header(const TestModel *m, const char *text, size_t *size)
{
    size_t len = strlen(text);
    size_t padded = (len + 7u) & ~(size_t)7u;
    size_t data_bytes = m->n_floats * sizeof(float);
    *size = 8 + padded + data_bytes;
    unsigned char *out = malloc(*size);
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(out + 8, text, len);
    memset(out + 8 + len, ' ', padded - len);
    memcpy(out + 8 + padded, m->data, data_bytes); /* the test machines are little-endian */
    return out;
}

unsigned char *tm_bytes(const TestModel *m, size_t *size)
{
    char *text = json_dumps(m->header, JSON_COMPACT | JSON_PRESERVE_ORDER);
    unsigned char *out = tm_bytes_with_header(m, text, size);
    free(text);
    return out;
}
