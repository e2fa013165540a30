/* A host that breaks the lifecycle rules or leans on them hard: ports left
 * unconnected during run() (Ardour's latency probe), run() before
 * activate(), restore() before activate() (Carla), 64 instances at once, a
 * model swapped every cycle for 10^4 cycles, and a worker that answers 40
 * cycles late. Every output is checked by the rig (hostile_rig.h); under
 * ASan (the sanitized build) a leak or use-after-free fails the test too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostile_rig.h"
#include "test_model.h"

#define MODEL_URI "urn:cantus:model"
#define RATE      48000.0

static char dir[64];
static char model_a[128], model_b[128], model_c[128], model_bad[128];

static int make_models(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cantus-hostile-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(model_a, sizeof model_a, "%s/a.safetensors", dir);
    snprintf(model_b, sizeof model_b, "%s/b.safetensors", dir);
    snprintf(model_c, sizeof model_c, "%s/c.safetensors", dir);
    snprintf(model_bad, sizeof model_bad, "%s/bad.safetensors", dir);
    if (test_model_write_default(model_a, 1) || test_model_write_default(model_b, 2) ||
        test_model_write_default(model_c, 3))
        return -1;
    FILE *f = fopen(model_bad, "wb");
    if (!f) return -1;
    fputs("this is not a model", f);
    fclose(f);
    return 0;
}

static int remove_models(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void set_model(HostileRig *rig, const char *path)
{
    if (!cantus_host_add_patch_set_path(rig->host, 0, MODEL_URI, path))
        fail_msg("the host could not queue a patch:Set");
}

/* LV2 forbids run() before activate(), but hosts have done it. Whatever the
 * plugin plays then must still end. */
static void run_before_activate_leaves_no_hanging_note(void **state)
{
    (void)state;
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    /* One short cycle: the first note is still sounding at activate(). */
    rig_cycle(&rig, 512);
    cantus_host_activate(rig.host);
    rig_run_for(&rig, 4 * 48000, 512);
    rig_assert_silent_after_disable(&rig);
    rig_close(&rig);
}

/* Ardour's latency probe runs a cycle with every port connected to NULL. */
static void ports_unconnected_during_run(void **state)
{
    (void)state;
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    rig_run_for(&rig, 48000, 512);
    LilvInstance *instance = cantus_host_instance(rig.host);
    uint32_t ports = lilv_plugin_get_num_ports(cantus_host_plugin(rig.host));
    for (uint32_t i = 0; i < ports; i++)
        lilv_instance_connect_port(instance, i, NULL);
    for (int i = 0; i < 100; i++)
        lilv_instance_run(instance, 512);
    lilv_instance_deactivate(instance);
    lilv_instance_activate(instance);
    lilv_instance_run(instance, 0);
    lilv_instance_run(instance, 8192);
    rig_close(&rig);
}

/* Carla restores the state before it activates the plugin. */
static void restore_before_activate(void **state)
{
    (void)state;
    char saved[128];
    snprintf(saved, sizeof saved, "%s/state", dir);
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    set_model(&rig, model_b);
    rig_run_for(&rig, 48000, 512);
    char err[512] = "";
    if (!cantus_host_save_state(rig.host, saved, NULL, err, sizeof err)) fail_msg("save: %s", err);
    rig_close(&rig);

    rig_open(&rig, RATE, 8192);
    if (!cantus_host_restore_state(rig.host, saved, err, sizeof err))
        fail_msg("restore before activate: %s", err);
    cantus_host_activate(rig.host);
    if (!cantus_host_add_patch_get(rig.host, 0, MODEL_URI))
        fail_msg("the host could not queue a patch:Get");
    const char *announced = rig_announced(&rig, rig_cycle(&rig, 512));
    if (!announced || !strstr(announced, "b.safetensors"))
        fail_msg("after restore, patch:Get answers %s, not model b",
                 announced ? announced : "nothing");
    rig_run_for(&rig, 4 * 48000, 512);
    if (rig.note_ons_total < 6)
        fail_msg("a restored instance played %ld notes in 4 s", rig.note_ons_total);
    rig_assert_silent_after_disable(&rig);
    rig_close(&rig);
}

#define MANY 64

static void many_instances_at_once(void **state)
{
    (void)state;
    HostileRig *rigs = calloc(MANY, sizeof *rigs);
    assert_non_null(rigs);
    for (int i = 0; i < MANY; i++) {
        rig_open(&rigs[i], RATE, 8192);
        cantus_host_set_control(rigs[i].host, "seed", (float)i);
        cantus_host_activate(rigs[i].host);
    }
    for (int c = 0; c < 200; c++)
        for (int i = 0; i < MANY; i++)
            rig_cycle(&rigs[i], 512);
    for (int i = 0; i < MANY; i++) {
        if (rigs[i].note_ons_total < 3)
            fail_msg("instance %d played %ld notes in 200 cycles", i, rigs[i].note_ons_total);
        rig_assert_silent_after_disable(&rigs[i]);
        rig_close(&rigs[i]);
    }
    free(rigs);
}

/* A patch:Set in every one of 10^4 cycles: three good models and a bad
 * file in turn. Every load is validated on the worker and swapped at a
 * step; the old engine is freed on the worker. */
static void model_swapped_every_cycle(void **state)
{
    (void)state;
    const char *paths[4] = {model_a, model_b, model_bad, model_c};
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_set_control(rig.host, "rate", 4.0f);
    cantus_host_activate(rig.host);
    for (int c = 0; c < 10000; c++) {
        set_model(&rig, paths[c % 4]);
        rig_cycle(&rig, 256);
    }
    rig_assert_silent_after_disable(&rig);
    if (cantus_host_worker_jobs(rig.host) < 10000)
        fail_msg("only %u worker jobs for 10^4 loads", cantus_host_worker_jobs(rig.host));
    if (rig.patch_sets < 100)
        fail_msg("only %ld model swaps announced in 10^4 cycles", rig.patch_sets);
    /* 10^4 x 256 frames = 53.3 s at 120 BPM: 8 steps a second. */
    if (rig.note_ons_total < 400)
        fail_msg("only %ld notes in 10^4 cycles at rate 4", rig.note_ons_total);
    rig_close(&rig);
}

/* The worker's answers come 40 cycles after they are ready; meanwhile a
 * second request supersedes the first. The old model keeps playing, the
 * notes stay balanced, and the model that plays in the end is the last one
 * asked for. */
static void worker_answering_late(void **state)
{
    (void)state;
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    cantus_host_set_worker_delay(rig.host, 40);
    set_model(&rig, model_b);
    long first_announcement = -1;
    for (int c = 0; c < 400; c++) {
        if (c == 10) set_model(&rig, model_c);
        /* (The default model's own announcement is not an answer.) */
        const char *announced = rig_announced(&rig, rig_cycle(&rig, 512));
        if (announced && !strstr(announced, "default") && first_announcement < 0)
            first_announcement = c;
    }
    if (first_announcement >= 0 && first_announcement < 40)
        fail_msg("a model was announced in cycle %ld, before the worker answered (40)",
                 first_announcement);
    if (rig.note_ons_total < 6)
        fail_msg("only %ld notes while the worker was slow", rig.note_ons_total);
    cantus_host_set_worker_delay(rig.host, 0);
    if (!cantus_host_add_patch_get(rig.host, 0, MODEL_URI))
        fail_msg("the host could not queue a patch:Get");
    const char *announced = rig_announced(&rig, rig_cycle(&rig, 512));
    if (!announced || !strstr(announced, "c.safetensors"))
        fail_msg("the last model asked for was c, the plugin plays %s",
                 announced ? announced : "(no answer)");
    rig_assert_silent_after_disable(&rig);
    rig_close(&rig);
}

/* 50 presets chosen in a row while active, faster than a step: each one
 * supersedes the last before it can play. Every model loaded must be freed
 * (LeakSanitizer checks at exit in the sanitized build): the engines beyond
 * the plugin's 16-entry retired list once leaked, 33 of 50. */
static void presets_in_a_row_while_active(void **state)
{
    (void)state;
    HostileRig rig;
    rig_open(&rig, RATE, 8192);
    cantus_host_activate(rig.host);
    rig_cycle(&rig, 512);
    CantusPreset *presets = NULL;
    int count = cantus_host_presets(rig.host, &presets);
    if (count <= 0) {
        cantus_host_presets_free(presets, count);
        rig_close(&rig);
        skip();
    }
    char err[512];
    for (int i = 0; i < 50; i++)
        if (!cantus_host_load_preset(rig.host, presets[i % count].uri, err, sizeof err))
            fail_msg("preset %s: %s", presets[i % count].uri, err);
    cantus_host_presets_free(presets, count);
    rig_run_for(&rig, 2 * 48000, 512);
    rig_assert_silent_after_disable(&rig);
    rig_close(&rig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ports_unconnected_during_run),
        cmocka_unit_test(restore_before_activate),
        cmocka_unit_test(many_instances_at_once),
        cmocka_unit_test(model_swapped_every_cycle),
        cmocka_unit_test(worker_answering_late),
        cmocka_unit_test(presets_in_a_row_while_active),
        cmocka_unit_test(run_before_activate_leaves_no_hanging_note),
    };
    return cmocka_run_group_tests(tests, make_models, remove_models);
}
