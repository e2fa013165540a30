/* The files host tests make for themselves: small model files (good and
 * flawed), temporary folders, and a copy of the bundle with a preset of
 * our own; see fixture.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <math.h>
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
#include "safetensors_write.h"

void write_test_model(const char *path, uint32_t seed, int note_low, int pitches, int hidden)
{
    write_flawed_model(path, seed, note_low, pitches, hidden, FLAW_NONE);
}

void write_flawed_model(const char *path, uint32_t seed, int note_low, int pitches, int hidden,
                        ModelFlaw flaw)
{
    const int vocab = pitches + 2;
    const int gates = 4 * hidden;
    /* A wrong shape: fc.weight one column wider than the hidden size. */
    const int fc_cols = flaw == FLAW_SHAPE ? hidden + 1 : hidden;
    size_t sizes[6] = {(size_t)gates * vocab, (size_t)gates * hidden,  (size_t)gates,
                       (size_t)gates,         (size_t)vocab * fc_cols, (size_t)vocab};
    float *data[6];
    uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
    for (int t = 0; t < 6; ++t) {
        data[t] = malloc(sizes[t] * sizeof(float));
        assert_non_null(data[t]);
        for (size_t i = 0; i < sizes[t]; ++i) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            data[t][i] = ((float)(x >> 40) / (float)(1u << 24) - 0.5f) * 1.5f;
        }
    }
    if (flaw == FLAW_NAN) data[1][sizes[1] / 2] = NAN;
    CantusSafetensorsWriteTensor tensors[6] = {
        {"lstm.weight_ih_l0", data[0], gates, vocab}, {"lstm.weight_hh_l0", data[1], gates, hidden},
        {"lstm.bias_ih_l0", data[2], gates, 0},       {"lstm.bias_hh_l0", data[3], gates, 0},
        {"fc.weight", data[4], vocab, fc_cols},       {"fc.bias", data[5], vocab, 0},
    };
    char low[16], high[16], rest[16], hold[16];
    snprintf(low, sizeof(low), "%d", note_low);
    snprintf(high, sizeof(high), "%d", note_low + pitches - 1);
    snprintf(rest, sizeof(rest), "%d", pitches);
    snprintf(hold, sizeof(hold), "%d", pitches + 1);
    CantusSafetensorsWriteMeta meta[] = {
        {"cantus.format", "1"},         {"cantus.note_low", low},    {"cantus.note_high", high},
        {"cantus.rest_token", rest},    {"cantus.hold_token", hold}, {"cantus.steps_per_beat", "1"},
        {"cantus.label", "test model"},
    };
    char err[512];
    int rc = cantus_safetensors_write(path, tensors, 6, meta, 7, err, sizeof(err));
    for (int t = 0; t < 6; ++t)
        free(data[t]);
    if (rc) fail_msg("%s", err);
    if (flaw == FLAW_TRUNCATED) {
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(truncate(path, st.st_size * 2 / 3), 0);
    }
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
