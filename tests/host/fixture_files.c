/* The files host tests make for themselves: small model files (good and
 * flawed, written by tests/common/test_model.c), temporary folders, and a
 * copy of the bundle with a preset of our own; see fixture.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

void write_test_model(const char *path, uint32_t seed, int note_low, int pitches, int hidden)
{
    write_flawed_model(path, seed, note_low, pitches, hidden, FLAW_NONE);
}

void write_flawed_model(const char *path, uint32_t seed, int note_low, int pitches, int hidden,
                        ModelFlaw flaw)
{
    const TestModelSpec spec = {.note_low = note_low,
                                .pitches = pitches,
                                .hidden = hidden,
                                .seed = seed,
                                .scale = 0.75f,
                                .flaw = flaw};
    if (test_model_write(path, &spec) != 0) fail_msg("could not write the model %s", path);
}

char *make_temp_dir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/cantus-host-test-XXXXXX");
    assert_non_null(mkdtemp(buf));
    return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool mkdir_p_ok(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; ++p) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(buf, 0755);
        *p = '/';
    }
    struct stat st;
    return (mkdir(buf, 0755) == 0 || stat(buf, &st) == 0) && stat(buf, &st) == 0;
}

/* A bundle of our own: the built one's files linked, its manifest with one
 * more preset in the shape ttl/preset.ttl.in gives the shipped ones, a
 * model of ours beside it. Returns the bundle's path in `bundle`. */
void bundle_with_preset(const char *dir, char *bundle, size_t size)
{
    const char *built = getenv("CANTUS_BUNDLE");
    snprintf(bundle, size, "%s/cantus.lv2", dir);
    char presets[256], path[512], target[512];
    snprintf(presets, sizeof(presets), "%s/presets", bundle);
    assert_true(mkdir_p_ok(presets));
    DIR *d = opendir(built);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "manifest.ttl") ||
            !strcmp(e->d_name, "presets"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", bundle, e->d_name);
        snprintf(target, sizeof(target), "%s/%s", built, e->d_name);
        char *real = realpath(target, NULL);
        assert_non_null(real);
        assert_int_equal(symlink(real, path), 0);
        free(real);
    }
    closedir(d);
    snprintf(target, sizeof(target), "%s/manifest.ttl", built);
    snprintf(path, sizeof(path), "%s/manifest.ttl", bundle);
    FILE *in = fopen(target, "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[1024];
    while (fgets(line, sizeof(line), in))
        fputs(line, out);
    fclose(in);
    fputs("\n<urn:cantus:preset:hosttest>\n\ta pset:Preset ;\n"
          "\tlv2:appliesTo <urn:cantus:generator> ;\n"
          "\trdfs:seeAlso <presets/hosttest.ttl> .\n",
          out);
    fclose(out);
    snprintf(path, sizeof(path), "%s/hosttest.ttl", presets);
    out = fopen(path, "w");
    assert_non_null(out);
    fputs("@prefix cantus: <urn:cantus:> .\n"
          "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
          "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
          "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
          "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
          "<urn:cantus:preset:hosttest> a pset:Preset ;\n"
          "\tlv2:appliesTo <urn:cantus:generator> ;\n"
          "\trdfs:label \"Host test\" ;\n"
          "\tlv2:port [ lv2:symbol \"rests\" ; pset:value 0 ] ,\n"
          "\t\t[ lv2:symbol \"gate\" ; pset:value 55.0 ] ,\n"
          "\t\t[ lv2:symbol \"rate\" ; pset:value 2 ] ;\n"
          "\tstate:state [ cantus:model <hosttest.safetensors> ] .\n",
          out);
    fclose(out);
    snprintf(path, sizeof(path), "%s/hosttest.safetensors", presets);
    write_test_model(path, 41, 84, 12, 16);
}
