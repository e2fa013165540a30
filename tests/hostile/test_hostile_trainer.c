/* cantus-train under faults: a full disk, kill -9 at random moments, and a
 * corpus made only of broken files. A previous model at the output path
 * must survive every one of them byte for byte (or be replaced by a whole,
 * loadable model when the run had finished), no temporary file may be left
 * behind on a full disk, and every failure must say why on stderr.
 *
 * The full disk is a 1 MiB tmpfs mounted by the test when it runs as root
 * and mount(2) works; otherwise a file-size limit (RLIMIT_FSIZE, with
 * SIGXFSZ ignored so that write() fails with EFBIG as on a full disk). The
 * test prints which one ran. argv[1] is the cantus-train executable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

#include "model.h"
#include "test_model.h"

static const char *cantus_train;
static char tmp[64];
static char corpus[128];

static void write_bytes(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)n + 1);
    *size = fread(data, 1, (size_t)n, f);
    fclose(f);
    return data;
}

/* A format-0 MIDI file: a scale-like melody of `notes` quarter notes. */
static void write_melody(const char *path, int first, int notes)
{
    unsigned char track[4096];
    size_t n = 0;
    for (int i = 0; i < notes; i++) {
        int pitch = first + (i * 5) % 12;
        const unsigned char ev[] = {0x00, 0x90, (unsigned char)pitch, 90,
                                    0x60, 0x80, (unsigned char)pitch, 0};
        memcpy(track + n, ev, sizeof ev);
        n += sizeof ev;
    }
    const unsigned char end[] = {0x00, 0xFF, 0x2F, 0x00};
    memcpy(track + n, end, sizeof end);
    n += sizeof end;
    unsigned char file[4200] = {'M',
                                'T',
                                'h',
                                'd',
                                0,
                                0,
                                0,
                                6,
                                0,
                                0,
                                0,
                                1,
                                0,
                                96,
                                'M',
                                'T',
                                'r',
                                'k',
                                0,
                                0,
                                (unsigned char)(n >> 8),
                                (unsigned char)n};
    memcpy(file + 22, track, n);
    write_bytes(path, file, 22 + n);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/cantus-hostile-train-XXXXXX");
    if (!mkdtemp(tmp)) return -1;
    snprintf(corpus, sizeof corpus, "%s/corpus", tmp);
    mkdir(corpus, 0755);
    for (int i = 0; i < 16; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/tune%02d.mid", corpus, i);
        write_melody(path, 60 + i % 5, 48);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct {
    int status; /* exit code, or 128 + signal */
    char err[8192];
} RunResult;

/* Runs cantus-train train (small model, few steps) writing `output`; with
 * fsize > 0 under that file-size limit. kill_after_ms > 0 kills it -9. */
static void train(RunResult *r, const char *corpus_dir, const char *output, const char *steps,
                  long fsize, int kill_after_ms)
{
    char log[256];
    snprintf(log, sizeof log, "%s/train.log", tmp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        if (fsize > 0) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit lim = {(rlim_t)fsize, (rlim_t)fsize};
            setrlimit(RLIMIT_FSIZE, &lim);
        }
        execl(cantus_train, cantus_train, "train", "--corpus", corpus_dir, "-o", output, "--hidden",
              "24", "--batch", "8", "--seq", "8", "--steps", steps, "--threads", "1",
              "--eval-every", "2500", "--patience", "0", "--val-fraction", "0.25", (char *)NULL);
        _exit(127);
    }
    if (kill_after_ms > 0) {
        struct timespec ts = {kill_after_ms / 1000, (kill_after_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
    }
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    size_t n = 0;
    unsigned char *text = read_all(log, &n);
    r->err[0] = '\0';
    if (text) {
        size_t k = n < sizeof r->err - 1 ? n : sizeof r->err - 1;
        memcpy(r->err, text, k);
        r->err[k] = '\0';
        free(text);
    }
}

/* The previous model at `path`: a small valid one; its bytes are returned. */
static unsigned char *previous_model(const char *path, size_t *size)
{
    assert_int_equal(test_model_write_default(path, 99), 0);
    unsigned char *bytes = read_all(path, size);
    assert_non_null(bytes);
    return bytes;
}

static void assert_unchanged(const char *path, const unsigned char *bytes, size_t size)
{
    size_t now_size = 0;
    unsigned char *now = read_all(path, &now_size);
    if (!now) fail_msg("the previous model %s is gone", path);
    if (now_size != size || memcmp(now, bytes, size) != 0)
        fail_msg("the previous model %s was changed (%zu bytes, was %zu)", path, now_size, size);
    free(now);
}

/* Only `keep` and `filler` may be in dir: no temporary file left behind. */
static void assert_no_leftovers(const char *dir, const char *keep, const char *filler)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        if (strcmp(e->d_name, keep) && (!filler || strcmp(e->d_name, filler)))
            fail_msg("a full disk left %s/%s behind", dir, e->d_name);
    }
    closedir(d);
}

static void assert_said_why(const RunResult *r, const char *what)
{
    if (r->status == 0) fail_msg("%s: cantus-train succeeded", what);
    if (!strstr(r->err, "space") && !strstr(r->err, "large") && !strstr(r->err, "EFBIG") &&
        !strstr(r->err, "write"))
        fail_msg("%s: exit %d, and stderr does not say the disk is full:\n%s", what, r->status,
                 r->err);
}

/* Fills the filesystem of dir until only `leave` bytes are free. */
static void fill_disk(const char *dir, const char *name, long leave)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, 0xAB, sizeof block);
    for (;;) {
        ssize_t w = write(fd, block, sizeof block);
        if (w <= 0) break;
    }
    /* Give back `leave` bytes: the model's header fits, its weights do not. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (ftruncate(fd, size > leave ? size - leave : 0) != 0)
        fail_msg("cannot trim the filler file");
    close(fd);
}

static void full_disk_keeps_the_previous_model(void **state)
{
    (void)state;
    char disk[160];
    snprintf(disk, sizeof disk, "%s/disk", tmp);
    mkdir(disk, 0755);
    bool tmpfs = geteuid() == 0 && mount("cantus-test", disk, "tmpfs", 0, "size=1m") == 0;
    char model[256];
    snprintf(model, sizeof model, "%s/model.safetensors", disk);
    size_t size = 0;
    unsigned char *before = previous_model(model, &size);
    RunResult r;
    if (tmpfs) {
        printf("full disk: a 1 MiB tmpfs, filled to 8 KiB free\n");
        fill_disk(disk, "filler", 8192);
        train(&r, corpus, model, "10", 0, 0);
    } else {
        printf("full disk: RLIMIT_FSIZE of 8 KiB (no tmpfs: not root or mount refused)\n");
        train(&r, corpus, model, "10", 8192, 0);
    }
    assert_said_why(&r, "full disk");
    assert_unchanged(model, before, size);
    assert_no_leftovers(disk, "model.safetensors", "filler");
    if (tmpfs) assert_int_equal(umount(disk), 0);
    free(before);
}

/* The same limit with no tmpfs, always: the path a non-root CI takes. */
static void file_size_limit_keeps_the_previous_model(void **state)
{
    (void)state;
    char model[256];
    snprintf(model, sizeof model, "%s/limited.safetensors", tmp);
    size_t size = 0;
    unsigned char *before = previous_model(model, &size);
    RunResult r;
    train(&r, corpus, model, "10", 8192, 0);
    assert_said_why(&r, "RLIMIT_FSIZE");
    assert_unchanged(model, before, size);
    free(before);
}

/* kill -9 at 12 moments spread over a run (loading, training, writing):
 * the file at the output path is always a whole model, the previous one
 * unless the run had already finished. */
static void kill_9_at_random_moments(void **state)
{
    (void)state;
    char model[256];
    snprintf(model, sizeof model, "%s/killed.safetensors", tmp);
    srand(6);
    int replaced = 0, killed = 0;
    for (int i = 0; i < 12; i++) {
        size_t size = 0;
        unsigned char *before = previous_model(model, &size);
        RunResult r;
        train(&r, corpus, model, "10000", 0, 5 + rand() % 900);
        killed += r.status == 128 + SIGKILL;
        size_t now_size = 0;
        unsigned char *now = read_all(model, &now_size);
        if (!now) fail_msg("kill -9 (run %d) left no model at all", i);
        bool same = now_size == size && !memcmp(now, before, size);
        if (!same) {
            char err[CANTUS_ERROR_SIZE];
            CantusModel *m = cantus_model_load(model, err, sizeof err);
            if (!m)
                fail_msg("kill -9 (run %d, status %d) left a broken model: %s", i, r.status, err);
            cantus_model_free(m);
            replaced++;
        }
        free(now);
        free(before);
    }
    printf("kill -9: 12 runs, %d killed mid-run; the model was replaced whole %d times (a "
           "finished run or a best-so-far written atomically), left intact %d times\n",
           killed, replaced, 12 - replaced);
    if (killed == 0) fail_msg("no run was still going when it was killed: the test proved nothing");
}

static void corpus_of_only_broken_files(void **state)
{
    (void)state;
    char dir[160], path[256];
    snprintf(dir, sizeof dir, "%s/broken", tmp);
    mkdir(dir, 0755);
    const struct {
        const char *name;
        const char *bytes;
        size_t size;
    } files[] = {
        {"empty.mid", "", 0},
        {"text.mid", "not a midi file at all\n", 23},
        {"header_only.mid", "MThd\0\0\0\6\0\0\0\1\0\x60", 14},
        {"truncated_track.mid", "MThd\0\0\0\6\0\0\0\1\0\x60MTrk\0\0\1\0\0\x90\x3c", 25},
        {"huge_length.midi", "MThd\x7f\xff\xff\xff\0\0", 10},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        write_bytes(path, files[i].bytes, files[i].size);
    }
    char model[256];
    snprintf(model, sizeof model, "%s/from_broken.safetensors", tmp);
    RunResult r;
    train(&r, dir, model, "5", 0, 0);
    if (r.status != 1)
        fail_msg("a corpus of broken files: exit status %d (expected 1):\n%s", r.status, r.err);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!strstr(r.err, files[i].name))
            fail_msg("stderr does not name the skipped file %s:\n%s", files[i].name, r.err);
    if (access(model, F_OK) == 0) fail_msg("a failed run still wrote %s", model);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CANTUS_TRAIN\n", argv[0]);
        return 2;
    }
    cantus_train = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_of_only_broken_files),
        cmocka_unit_test(full_disk_keeps_the_previous_model),
        cmocka_unit_test(file_size_limit_keeps_the_previous_model),
        cmocka_unit_test(kill_9_at_random_moments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
