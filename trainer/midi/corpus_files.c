#include "midi/corpus_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

char *corpus_files_join(const char *dir, const char *relative)
{
    size_t a = strlen(dir), b = strlen(relative);
    while (a > 1 && dir[a - 1] == '/')
        a--;
    char *path = malloc(a + b + 2);
    if (!path) return NULL;
    memcpy(path, dir, a);
    path[a] = '/';
    memcpy(path + a + 1, relative, b + 1);
    return path;
}

static int is_midi_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && !strcasecmp(name + n - 4, ".mid")) ||
           (n > 5 && !strcasecmp(name + n - 5, ".midi"));
}

typedef struct {
    char **paths;
    int n, cap;
} Paths;

static int push(Paths *paths, char *path)
{
    if (paths->n == paths->cap) {
        int cap = paths->cap ? paths->cap * 2 : 64;
        char **grown = realloc(paths->paths, (size_t)cap * sizeof *grown);
        if (!grown) return -1;
        paths->paths = grown;
        paths->cap = cap;
    }
    paths->paths[paths->n++] = path;
    return 0;
}

/* relative is "" for the root, else "a/b" (no trailing slash). */
static int walk(const char *root, const char *relative, Paths *paths, int depth)
{
    if (depth > 64) /* deeper than any real corpus; a guard against bind-mount loops */
        return 0;
    char *dir_path = relative[0] ? corpus_files_join(root, relative) : strdup(root);
    if (!dir_path) return -1;
    DIR *dir = opendir(dir_path);
    if (!dir) {
        int saved = errno;
        free(dir_path);
        errno = saved;
        return depth == 0 ? -1 : 0; /* an unreadable subfolder is passed over */
    }
    int status = 0;
    struct dirent *entry;
    while (status == 0 && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char *child =
            relative[0] ? corpus_files_join(relative, entry->d_name) : strdup(entry->d_name);
        char *full = corpus_files_join(dir_path, entry->d_name);
        struct stat link_info, info;
        if (!child || !full) {
            free(child), free(full);
            status = -1;
            break;
        }
        if (lstat(full, &link_info) != 0 || stat(full, &info) != 0) {
            free(child), free(full);
            continue;
        }
        if (S_ISDIR(info.st_mode) && !S_ISLNK(link_info.st_mode)) {
            status = walk(root, child, paths, depth + 1);
            free(child);
        } else if (S_ISREG(info.st_mode) && is_midi_name(entry->d_name)) {
            if (push(paths, child) != 0) {
                free(child);
                status = -1;
            }
        } else {
            free(child);
        }
        free(full);
    }
    closedir(dir);
    free(dir_path);
    return status;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int corpus_files_find(const char *dir, CorpusFileList *list)
{
    Paths paths = {0};
    list->paths = NULL;
    list->n = 0;
    if (walk(dir, "", &paths, 0) != 0) {
        int saved = errno;
        for (int i = 0; i < paths.n; i++)
            free(paths.paths[i]);
        free(paths.paths);
        errno = saved;
        return -1;
    }
    if (paths.n > 1) qsort(paths.paths, (size_t)paths.n, sizeof *paths.paths, compare_paths);
    list->paths = paths.paths;
    list->n = paths.n;
    return 0;
}

void corpus_files_free(CorpusFileList *list)
{
    for (int i = 0; i < list->n; i++)
        free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->n = 0;
}
