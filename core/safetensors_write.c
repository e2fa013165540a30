/* Writing a safetensors file atomically: a temporary file beside the target
 * (mkstemp, so two writers never share one), written, fsync'd, renamed over
 * the target, then the directory fsync'd so the rename itself survives a
 * crash. On any failure the temporary file is removed and the target is
 * untouched.
 *
 * Layout, as the safetensors format specifies: 8-byte little-endian header
 * length, a JSON header padded with spaces so the data section starts on an
 * 8-byte boundary, then the tensors back to back in the order given (the
 * format forbids holes in the data section, so tensor offsets are
 * contiguous; every tensor is F32, so each starts on a 4-byte boundary). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "safetensors_write.h"
#include "write_all.h"

static void set_error(char *err, size_t err_size, const char *fmt, ...)
{
    if (!err || err_size == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

static size_t tensor_elements(const CantusSafetensorsWriteTensor *t)
{
    return (size_t)t->rows * (size_t)(t->cols > 0 ? t->cols : 1);
}

static int check_tensors(const char *path, const CantusSafetensorsWriteTensor *tensors,
                         int n_tensors, char *err, size_t err_size)
{
    for (int i = 0; i < n_tensors; i++) {
        const CantusSafetensorsWriteTensor *t = &tensors[i];
        if (!t->name || !*t->name || strcmp(t->name, "__metadata__") == 0) {
            set_error(err, err_size, "cannot write '%s': tensor %d has no usable name", path, i);
            return -1;
        }
        if (t->rows <= 0 || t->cols < 0 || !t->data) {
            set_error(err, err_size, "cannot write '%s': tensor '%s' has shape [%d, %d] or no data",
                      path, t->name, t->rows, t->cols);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(tensors[j].name, t->name) == 0) {
                set_error(err, err_size, "cannot write '%s': tensor '%s' is given twice", path,
                          t->name);
                return -1;
            }
        }
    }
    return 0;
}

/* Appends to a header being built; a first pass with out == NULL counts. */
typedef struct {
    char *out;
    size_t len;
} Header;

static void put(Header *h, const char *text)
{
    size_t n = strlen(text);
    if (h->out) memcpy(h->out + h->len, text, n);
    h->len += n;
}

/* -1 when s is not valid UTF-8. */
static int put_string(Header *h, const char *s)
{
    size_t n = cantus_json_write_string(h->out ? h->out + h->len : NULL, s);
    if (n == (size_t)-1) return -1;
    h->len += n;
    return 0;
}

/* The compact JSON the format expects, keys in the order given:
 * {"__metadata__":{"k":"v",...},"name":{"dtype":"F32","shape":[r,c],
 * "data_offsets":[b,e]},...} (no __metadata__ when there is none). Returns
 * 0, or -(i + 1) when metadata entry i is not valid UTF-8, or
 * -(n_meta + i + 1) when tensor i's name is not. */
static int header_text(Header *h, const CantusSafetensorsWriteTensor *tensors, int n_tensors,
                       const CantusSafetensorsWriteMeta *meta, int n_meta)
{
    put(h, "{");
    if (n_meta > 0) {
        put(h, "\"__metadata__\":{");
        for (int i = 0; i < n_meta; i++) {
            if (i > 0) put(h, ",");
            if (put_string(h, meta[i].key) != 0) return -(i + 1);
            put(h, ":");
            if (put_string(h, meta[i].value) != 0) return -(i + 1);
        }
        put(h, "}");
    }
    uint64_t offset = 0;
    for (int i = 0; i < n_tensors; i++) {
        const CantusSafetensorsWriteTensor *t = &tensors[i];
        uint64_t bytes = (uint64_t)tensor_elements(t) * 4u;
        char numbers[128];
        if (n_meta > 0 || i > 0) put(h, ",");
        if (put_string(h, t->name) != 0) return -(n_meta + i + 1);
        if (t->cols > 0)
            snprintf(numbers, sizeof numbers,
                     ":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[%" PRIu64 ",%" PRIu64
                     "]}",
                     t->rows, t->cols, offset, offset + bytes);
        else
            snprintf(numbers, sizeof numbers,
                     ":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%" PRIu64 ",%" PRIu64
                     "]}",
                     t->rows, offset, offset + bytes);
        put(h, numbers);
        offset += bytes;
    }
    put(h, "}");
    return 0;
}

/* The header JSON, padded with spaces to a multiple of 8 bytes. */
static char *build_header(const char *path, const CantusSafetensorsWriteTensor *tensors,
                          int n_tensors, const CantusSafetensorsWriteMeta *meta, int n_meta,
                          size_t *out_len, char *err, size_t err_size)
{
    for (int i = 0; i < n_meta; i++) {
        if (!meta[i].key || !meta[i].value) {
            set_error(err, err_size, "cannot write '%s': metadata entry %d is NULL", path, i);
            return NULL;
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(meta[j].key, meta[i].key) == 0) {
                set_error(err, err_size, "cannot write '%s': metadata key '%s' is given twice",
                          path, meta[i].key);
                return NULL;
            }
        }
    }
    Header count = {NULL, 0};
    int bad = header_text(&count, tensors, n_tensors, meta, n_meta);
    if (bad < 0) {
        if (-bad <= n_meta)
            set_error(err, err_size,
                      "cannot write '%s': metadata entry %d is not valid UTF-8, which the JSON "
                      "header needs",
                      path, -bad - 1);
        else
            set_error(err, err_size,
                      "cannot write '%s': tensor %d's name is not valid UTF-8, which the JSON "
                      "header needs",
                      path, -bad - 1 - n_meta);
        return NULL;
    }
    size_t padded = (count.len + 7u) & ~(size_t)7u;
    Header h = {malloc(padded), 0};
    if (!h.out) {
        set_error(err, err_size, "cannot write '%s': out of memory", path);
        return NULL;
    }
    header_text(&h, tensors, n_tensors, meta, n_meta);
    memset(h.out + h.len, ' ', padded - h.len);
    *out_len = padded;
    return h.out;
}

/* Floats as little-endian bytes whatever the host, a block at a time. */
static int write_floats_le(int fd, const float *data, size_t count)
{
    unsigned char block[4096];
    size_t fill = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &data[i], 4);
        block[fill++] = (unsigned char)(bits);
        block[fill++] = (unsigned char)(bits >> 8);
        block[fill++] = (unsigned char)(bits >> 16);
        block[fill++] = (unsigned char)(bits >> 24);
        if (fill == sizeof block) {
            if (cantus_write_all(fd, block, fill) != 0) return -1;
            fill = 0;
        }
    }
    return fill ? cantus_write_all(fd, block, fill) : 0;
}

static int write_contents(int fd, const char *header, size_t header_len,
                          const CantusSafetensorsWriteTensor *tensors, int n_tensors)
{
    unsigned char len_le[8];
    for (int i = 0; i < 8; i++)
        len_le[i] = (unsigned char)((uint64_t)header_len >> (8 * i));
    if (cantus_write_all(fd, len_le, 8) != 0 || cantus_write_all(fd, header, header_len) != 0)
        return -1;
    for (int i = 0; i < n_tensors; i++)
        if (write_floats_le(fd, tensors[i].data, tensor_elements(&tensors[i])) != 0) return -1;
    return 0;
}

/* The directory part of path ("." when there is none), for mkstemp and for
 * the fsync that makes the rename durable. */
static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

static void fsync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some filesystems refuse it on directories */
        close(fd);
    }
}

int cantus_safetensors_write(const char *path, const CantusSafetensorsWriteTensor *tensors,
                             int n_tensors, const CantusSafetensorsWriteMeta *meta, int n_meta,
                             char *err, size_t err_size)
{
    if (!path || !*path || n_tensors < 0 || n_meta < 0 || (n_tensors > 0 && !tensors) ||
        (n_meta > 0 && !meta)) {
        set_error(err, err_size, "cannot write a model: no path or bad arguments");
        return -1;
    }
    if (check_tensors(path, tensors, n_tensors, err, err_size) != 0) return -1;

    size_t header_len = 0;
    char *header = build_header(path, tensors, n_tensors, meta, n_meta, &header_len, err, err_size);
    if (!header) return -1;

    char *dir = directory_of(path);
    size_t tmp_size = strlen(path) + 16;
    char *tmp = malloc(tmp_size);
    if (!dir || !tmp) {
        set_error(err, err_size, "cannot write '%s': out of memory", path);
        free(header);
        free(dir);
        free(tmp);
        return -1;
    }
    snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path);

    int result = -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        set_error(err, err_size, "cannot write '%s': cannot create a temporary file there (%s)",
                  path, strerror(errno));
        goto done;
    }
    /* mkstemp makes the file 0600; a model is an ordinary shareable file. */
    (void)fchmod(fd, 0644);
    if (write_contents(fd, header, header_len, tensors, n_tensors) != 0 || fsync(fd) != 0) {
        set_error(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    if (close(fd) != 0) {
        set_error(err, err_size, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        set_error(err, err_size, "cannot write '%s': rename failed (%s)", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    fsync_directory(dir);
    result = 0;
done:
    free(header);
    free(dir);
    free(tmp);
    return result;
}
