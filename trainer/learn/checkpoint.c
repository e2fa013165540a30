/* Checkpoint files: a fixed header, four float arrays, an FNV-1a checksum. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn/checkpoint.h"
#include "write_all.h"

#define MAGIC "CANTUS-CKPT-1\n"

typedef struct {
    char magic[16];
    int32_t vocab, hidden, layers, evals_since_best;
    int64_t count, step, adam_step, best_step;
    uint64_t rng_state, rng_inc;
    double best_val_nll, best_val_acc, best_train_acc, seconds;
} Header;

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static int write_all(int fd, const void *data, size_t n, uint64_t *sum)
{
    *sum = fnv1a(*sum, data, n);
    return cantus_write_all(fd, data, n);
}

int checkpoint_write(const char *path, const LstmParams_f *params, const Adam *adam,
                     const LstmParams_f *best, const TrainProgress *progress, char *err,
                     size_t err_size)
{
    Header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, sizeof MAGIC - 1);
    h.vocab = params->vocab;
    h.hidden = params->hidden;
    h.layers = params->layers;
    h.evals_since_best = progress->evals_since_best;
    h.count = (int64_t)params->count;
    h.step = progress->step;
    h.adam_step = adam->step;
    h.best_step = progress->best_step;
    h.rng_state = progress->rng.state;
    h.rng_inc = progress->rng.inc;
    h.best_val_nll = progress->best_val_nll;
    h.best_val_acc = progress->best_val_acc;
    h.best_train_acc = progress->best_train_acc;
    h.seconds = progress->seconds;

    size_t tmp_size = strlen(path) + 16;
    char *tmp = malloc(tmp_size);
    if (!tmp) {
        snprintf(err, err_size, "out of memory writing %s", path);
        return -1;
    }
    snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create a temporary file beside %s: %s", path,
                 strerror(errno));
        free(tmp);
        return -1;
    }
    size_t bytes = params->count * sizeof(float);
    uint64_t sum = 0xcbf29ce484222325u;
    int bad = write_all(fd, &h, sizeof h, &sum) || write_all(fd, params->data, bytes, &sum) ||
              write_all(fd, adam->m, bytes, &sum) || write_all(fd, adam->v, bytes, &sum) ||
              write_all(fd, best->data, bytes, &sum);
    uint64_t total = sum;
    bad = bad || write_all(fd, &total, sizeof total, &sum) || fsync(fd) != 0;
    int saved = errno;
    if (close(fd) != 0) bad = 1;
    if (!bad && rename(tmp, path) != 0) {
        saved = errno;
        bad = 1;
    }
    if (bad) {
        snprintf(err, err_size, "cannot write checkpoint %s: %s", path, strerror(saved));
        unlink(tmp);
    }
    free(tmp);
    return bad ? -1 : 0;
}

static int read_all(FILE *f, void *data, size_t n, uint64_t *sum)
{
    if (fread(data, 1, n, f) != n) return -1;
    *sum = fnv1a(*sum, data, n);
    return 0;
}

int checkpoint_read(const char *path, LstmParams_f *params, Adam *adam, LstmParams_f *best,
                    TrainProgress *progress, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "cannot open checkpoint %s: %s", path, strerror(errno));
        return -1;
    }
    Header h;
    uint64_t sum = 0xcbf29ce484222325u, stored = 0;
    int bad = read_all(f, &h, sizeof h, &sum);
    if (!bad && memcmp(h.magic, MAGIC, sizeof MAGIC - 1) != 0) {
        snprintf(err, err_size, "%s is not a cantus-train checkpoint", path);
        fclose(f);
        return -1;
    }
    if (!bad && (h.vocab != params->vocab || h.hidden != params->hidden ||
                 h.layers != params->layers || h.count != (int64_t)params->count)) {
        snprintf(err, err_size, "checkpoint %s is for V=%d H=%d L=%d, this run has V=%d H=%d L=%d",
                 path, h.vocab, h.hidden, h.layers, params->vocab, params->hidden, params->layers);
        fclose(f);
        return -1;
    }
    size_t bytes = params->count * sizeof(float);
    bad = bad || read_all(f, params->data, bytes, &sum) || read_all(f, adam->m, bytes, &sum) ||
          read_all(f, adam->v, bytes, &sum) || read_all(f, best->data, bytes, &sum);
    uint64_t expected = sum;
    bad = bad || fread(&stored, sizeof stored, 1, f) != 1 || stored != expected;
    fclose(f);
    if (bad) {
        snprintf(err, err_size, "checkpoint %s is truncated or damaged", path);
        return -1;
    }
    adam->step = h.adam_step;
    progress->step = h.step;
    progress->rng.state = h.rng_state;
    progress->rng.inc = h.rng_inc;
    progress->best_val_nll = h.best_val_nll;
    progress->best_val_acc = h.best_val_acc;
    progress->best_train_acc = h.best_train_acc;
    progress->best_step = h.best_step;
    progress->evals_since_best = h.evals_since_best;
    progress->seconds = h.seconds;
    return 0;
}
