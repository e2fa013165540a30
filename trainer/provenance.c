#define _XOPEN_SOURCE 700 /* realpath */
#include "provenance.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void provenance_name(const char *path, char *name, size_t size)
{
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    snprintf(name, size, "%.*s", (int)(end - start), path + start);
    if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && name[0] != '\0') return;
    /* "." says nothing of the folder: its real name does. */
    char *real = realpath(path, NULL);
    if (!real) return;
    const char *slash = strrchr(real, '/');
    if (slash && slash[1]) snprintf(name, size, "%s", slash + 1);
    free(real);
}

char *provenance_folders_json(const char *const *dirs, int n_dirs)
{
    json_t *array = json_array();
    char name[4096];
    for (int i = 0; array && i < n_dirs; i++) {
        provenance_name(dirs[i], name, sizeof name);
        json_array_append_new(array, json_string(name));
    }
    char *text = array ? json_dumps(array, JSON_COMPACT) : NULL;
    json_decref(array);
    return text;
}

static bool needs_quotes(const char *word, size_t len)
{
    if (len == 0) return true;
    for (size_t i = 0; i < len; i++)
        if (strchr(" \t\n\"'\\$`()&;|<>*?[]#~!{}", word[i])) return true;
    return false;
}

/* Appends word, single-quoted when sh would otherwise read it differently. */
static char *put_word(char *at, const char *word, size_t len)
{
    bool quote = needs_quotes(word, len);
    if (quote) *at++ = '\'';
    for (size_t i = 0; i < len; i++) {
        if (quote && word[i] == '\'') {
            memcpy(at, "'\\''", 4);
            at += 4;
        } else {
            *at++ = word[i];
        }
    }
    if (quote) *at++ = '\'';
    return at;
}

char *provenance_command_line(const char *program, int argc, char *const *argv,
                              const char *const *paths, int n_paths)
{
    size_t size = strlen(program) + 1;
    for (int i = 0; i < argc; i++)
        size += 4 * (strlen(argv[i]) + 4096) + 3; /* a reduced path may grow: "." */
    char *line = malloc(size), *at = line;
    if (!line) return NULL;
    at += sprintf(at, "%s", program);
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        size_t len = strlen(word);
        const char *path = NULL;
        for (int k = 0; k < n_paths && !path; k++)
            if (paths[k] && paths[k] >= word && paths[k] <= word + len) path = paths[k];
        *at++ = ' ';
        if (!path) {
            at = put_word(at, word, len);
            continue;
        }
        char reduced[8192], name[4096];
        provenance_name(path, name, sizeof name);
        snprintf(reduced, sizeof reduced, "%.*s%s", (int)(path - word), word, name);
        at = put_word(at, reduced, strlen(reduced));
    }
    *at = '\0';
    return line;
}

char **provenance_split(const char *line, int *n_words)
{
    size_t len = strlen(line);
    /* Room for every pointer a line could need, then the words' text. */
    size_t max_words = len / 2 + 2;
    char **words = malloc(max_words * sizeof *words + 2 * len + 2);
    if (!words) return NULL;
    char *text = (char *)(words + max_words);
    int n = 0;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p) break;
        words[n++] = text;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\'') {
                const char *close = strchr(p + 1, '\'');
                if (!close) goto unclosed;
                memcpy(text, p + 1, (size_t)(close - p - 1));
                text += close - p - 1;
                p = close + 1;
            } else if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && p[1] && strchr("\\\"$`", p[1])) p++;
                    *text++ = *p;
                }
                if (!*p) goto unclosed;
                p++;
            } else if (*p == '\\' && p[1]) {
                *text++ = p[1];
                p += 2;
            } else {
                *text++ = *p++;
            }
        }
        *text++ = '\0';
    }
    words[n] = NULL;
    *n_words = n;
    return words;
unclosed:
    free(words);
    return NULL;
}
