/* cantus-train meta: prints a model's metadata, or rewrites it (--set,
 * --unset, --strip-paths) with the tensors copied byte for byte: only the
 * JSON header changes, and the data section after it is the same bytes
 * (safetensors offsets count from the data section's start, so a header
 * of another length moves nothing inside it). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "model.h"
#include "provenance.h"
#include "train_options.h"
#include "write_all.h"

/* Headers past this are refused by core's loader too. */
#define MAX_HEADER (1u << 20)

typedef struct {
    const char *model, *output;
    CliList sets, unsets;
    int strip_paths, json;
} MetaOptions;

static bool parse_set(const char *option, const char *text, void *sets)
{
    if (strchr(text, '=') && text[0] != '=') return cli_list_add(sets, text);
    cli_bad_value(option, text, "wants KEY=VALUE");
    return false;
}

static const CliOption options[] = {
    {.help =
         "usage: cantus-train meta MODEL [--json]\n"
         "       cantus-train meta MODEL [--set KEY=VALUE]... [--unset KEY]... [--strip-paths]\n"
         "                               [-o OUT]\n\n"
         "Prints a model's metadata (__metadata__), one KEY=VALUE a line, or rewrites it:\n"
         "the tensors are copied byte for byte and the result is loaded before it replaces\n"
         "MODEL (or is written to OUT).\n\n"},
    {"json", NULL, "print the metadata as one JSON object", CLI_FLAG(MetaOptions, json)},
    {"set", "KEY=VALUE", "set a key (repeatable)", CLI_PARSED(MetaOptions, sets, parse_set)},
    {"unset", "KEY", "remove a key (repeatable)", CLI_LIST(MetaOptions, unsets)},
    {"strip-paths", NULL,
     "record the corpus folders by name (cantus.trained_on) and\n"
     "the paths of the recorded command line (cantus.train_args)\n"
     "by their last component, as cantus-train train does",
     CLI_FLAG(MetaOptions, strip_paths)},
    {"output", "OUT", "write the rewritten model to OUT instead of MODEL",
     CLI_TEXT(MetaOptions, output), .letter = 'o'},
    CLI_HELP_AND_VERSION,
    CLI_END(21),
};

/* 0 to go on, 1 after --help or --version, 2 after a usage error. */
static int parse(MetaOptions *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    int status = cli_parse_options(argc, argv, options, o);
    if (status != CLI_SUCCESS) return status == CLI_ANSWERED ? 1 : 2;
    if (optind + 1 != argc)
        return optind < argc ? cli_usage_error("%s: one model at a time", argv[optind + 1])
                             : cli_usage_error("needs a MODEL");
    o->model = argv[optind];
    if (o->output && !o->sets.count && !o->unsets.count && !o->strip_paths)
        return cli_usage_error("-o: there is nothing to rewrite (--set, --unset, --strip-paths)");
    return 0;
}

typedef struct {
    unsigned char *bytes;
    size_t size, header_len;
    json_t *header;
    json_t *metadata; /* borrowed from header */
} ModelFile;

static int read_model(const char *path, ModelFile *m)
{
    memset(m, 0, sizeof *m);
    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    if (!model) {
        cli_error("%s", err);
        return -1;
    }
    cantus_model_free(model);
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 8 || !(m->bytes = malloc((size_t)st.st_size)) ||
        fread(m->bytes, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        cli_error("%s: cannot read it", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    m->size = (size_t)st.st_size;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | m->bytes[i];
    json_error_t jerr;
    if (n > MAX_HEADER || n > m->size - 8 ||
        !(m->header = json_loadb((const char *)m->bytes + 8, (size_t)n, 0, &jerr)) ||
        !json_is_object(m->header)) {
        cli_error("%s: its header changed while it was read", path);
        return -1;
    }
    m->header_len = (size_t)n;
    m->metadata = json_object_get(m->header, "__metadata__");
    if (!m->metadata) {
        m->metadata = json_object();
        json_object_set_new(m->header, "__metadata__", m->metadata);
    }
    return 0;
}

static void free_model(ModelFile *m)
{
    free(m->bytes);
    json_decref(m->header);
}

/* cantus.train_args of a `cantus-train train` run with its paths reduced,
 * found by the train command's own parser; NULL (with the reason on stderr)
 * for another command line. */
static char *strip_train_args(const char *line)
{
    int n;
    char **words = provenance_split(line, &n);
    if (!words) return NULL;
    char *stripped = NULL;
    const char *program = n > 0 ? strrchr(words[0], '/') : NULL;
    program = program ? program + 1 : n > 0 ? words[0] : "";
    if (n < 2 || strcmp(program, "cantus-train") != 0 || strcmp(words[1], "train") != 0) {
        cli_error("cantus.train_args: not a cantus-train train command; --set it instead");
        free(words);
        return NULL;
    }
    char **copy = malloc((size_t)n * sizeof *copy);
    TrainOptions o;
    memset(&o, 0, sizeof o);
    if (copy) {
        memcpy(copy, words + 1, (size_t)(n - 1) * sizeof *copy);
        copy[n - 1] = NULL;
        if (train_options_parse(&o, n - 1, copy) == 0) {
            const char **paths = calloc((size_t)o.dirs.count + 1, sizeof *paths);
            if (paths) {
                memcpy(paths, o.dirs.items, (size_t)o.dirs.count * sizeof *paths);
                paths[o.dirs.count] = o.output;
                stripped = provenance_command_line("cantus-train", n - 1, words + 1, paths,
                                                   o.dirs.count + 1);
                free(paths);
            }
        } else {
            cli_error("cantus.train_args: the train command cannot read it; --set it instead");
        }
    }
    free(o.dirs.items);
    free(copy);
    free(words);
    return stripped;
}

static int strip_paths(json_t *metadata)
{
    json_t *value = json_object_get(metadata, "cantus.trained_on");
    if (json_is_string(value)) {
        json_t *folders = json_loads(json_string_value(value), 0, NULL);
        size_t i;
        json_t *entry;
        if (!json_is_array(folders)) {
            cli_error("cantus.trained_on: not a JSON array of folders");
            json_decref(folders);
            return -1;
        }
        const char **dirs = calloc(json_array_size(folders) + 1, sizeof *dirs);
        json_array_foreach(folders, i, entry) dirs[i] = json_string_value(entry);
        char *names = NULL;
        for (i = 0; i < json_array_size(folders) && dirs[i]; i++)
            ;
        if (i == json_array_size(folders))
            names = provenance_folders_json(dirs, (int)i);
        else
            cli_error("cantus.trained_on: an entry is not a string");
        free(dirs);
        json_decref(folders);
        if (!names) return -1;
        json_object_set_new(metadata, "cantus.trained_on", json_string(names));
        free(names);
    }
    value = json_object_get(metadata, "cantus.train_args");
    if (json_is_string(value)) {
        char *line = strip_train_args(json_string_value(value));
        if (!line) return -1;
        json_object_set_new(metadata, "cantus.train_args", json_string(line));
        free(line);
    }
    /* The PyTorch road records the tokens file it read. */
    value = json_object_get(metadata, "cantus.tokens_file");
    if (json_is_string(value)) {
        char name[4096];
        provenance_name(json_string_value(value), name, sizeof name);
        json_object_set_new(metadata, "cantus.tokens_file", json_string(name));
    }
    return 0;
}

/* The new header (spaces pad it to a multiple of 8, so the data section
 * stays aligned, as core's writer does) and the old data section, into a
 * temporary file beside out; loaded by core, then renamed over out. */
static int write_model(const ModelFile *m, const char *out, mode_t mode)
{
    char *text = json_dumps(m->header, JSON_COMPACT);
    size_t len = text ? strlen(text) : 0, padded = (len + 7) & ~(size_t)7;
    size_t tmp_size = strlen(out) + 16;
    char *tmp = malloc(tmp_size);
    char *header = malloc(padded + 8);
    int status = -1, fd = -1;
    if (!text || !tmp || !header || padded > MAX_HEADER) {
        cli_error("%s: the new header does not fit", out);
        goto done;
    }
    for (int i = 0; i < 8; i++)
        header[i] = (char)((uint64_t)padded >> (8 * i));
    memcpy(header + 8, text, len);
    memset(header + 8 + len, ' ', padded - len);
    snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", out);
    if ((fd = mkstemp(tmp)) < 0) {
        cli_error("%s: cannot write a file in its folder: %s", out, strerror(errno));
        goto done;
    }
    const size_t data_start = 8 + m->header_len;
    if (cantus_write_all(fd, header, padded + 8) != 0 ||
        cantus_write_all(fd, m->bytes + data_start, m->size - data_start) != 0 ||
        fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        cli_error("%s: %s", tmp, strerror(errno));
        goto done;
    }
    close(fd);
    fd = -1;
    char err[CANTUS_ERROR_SIZE];
    CantusModel *check = cantus_model_load(tmp, err, sizeof err);
    if (!check) {
        cli_error("the rewritten model does not load: %s", err);
        goto done;
    }
    cantus_model_free(check);
    if (rename(tmp, out) != 0) {
        cli_error("%s: %s", out, strerror(errno));
        goto done;
    }
    status = 0;
done:
    if (fd >= 0) close(fd);
    if (status != 0 && tmp) unlink(tmp);
    free(tmp);
    free(header);
    free(text);
    return status;
}

static void print_metadata(json_t *metadata, int json)
{
    if (json) {
        char *text = json_dumps(metadata, JSON_COMPACT);
        if (text) printf("%s\n", text);
        free(text);
        return;
    }
    const char *key;
    json_t *value;
    json_object_foreach(metadata, key, value)
    {
        printf("%s=%s\n", key, json_is_string(value) ? json_string_value(value) : "(not a string)");
    }
}

int cmd_meta(int argc, char **argv)
{
    MetaOptions o;
    int parsed = parse(&o, argc, argv);
    int status = parsed == 1 ? 0 : 2;
    ModelFile m;
    memset(&m, 0, sizeof m);
    if (parsed != 0) goto done;
    status = 1;
    if (read_model(o.model, &m) != 0) goto done;
    if (!o.sets.count && !o.unsets.count && !o.strip_paths) {
        print_metadata(m.metadata, o.json);
        status = fflush(stdout) == 0 ? 0 : 1;
        goto done;
    }
    for (int i = 0; i < o.unsets.count; i++)
        json_object_del(m.metadata, o.unsets.items[i]);
    for (int i = 0; i < o.sets.count; i++) {
        const char *eq = strchr(o.sets.items[i], '=');
        char *key = strndup(o.sets.items[i], (size_t)(eq - o.sets.items[i]));
        if (!key) goto done;
        json_object_set_new(m.metadata, key, json_string(eq + 1));
        free(key);
    }
    if (o.strip_paths && strip_paths(m.metadata) != 0) goto done;
    struct stat st;
    mode_t mode = stat(o.model, &st) == 0 ? st.st_mode & 07777 : 0644;
    const char *out = o.output ? o.output : o.model;
    if (write_model(&m, out, mode) != 0) goto done;
    fprintf(stderr, "%s: wrote %s, its tensors unchanged\n", cli_program(), out);
    status = 0;
done:
    free_model(&m);
    free(o.sets.items);
    free(o.unsets.items);
    return status;
}
