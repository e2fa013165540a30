/* The shared object through its bare descriptor, with the least a host can
 * give: a missing required feature refuses to instantiate; unconnected
 * ports (Ardour's latency probe runs with NULL buffers) and empty cycles do
 * not crash; a bundle without default.safetensors still instantiates and is
 * silent until a model is set. The full host view is tests/host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>
#include <lv2/urid/urid.h>
#include <lv2/state/state.h>
#include <lv2/worker/worker.h>

#include "cantus.h"

static const char *mapped[256];
static LV2_URID mapped_count;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    (void)handle;
    for (LV2_URID i = 0; i < mapped_count; i++)
        if (!strcmp(mapped[i], uri)) return i + 1;
    assert_true(mapped_count < 256);
    mapped[mapped_count++] = uri;
    return mapped_count;
}

static LV2_Worker_Status schedule_nothing(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                          const void *data)
{
    (void)handle;
    (void)size;
    (void)data;
    return LV2_WORKER_SUCCESS;
}

static const LV2_Descriptor *descriptor(void **library)
{
    *library = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(*library);
    LV2_Descriptor_Function entry = (LV2_Descriptor_Function)dlsym(*library, "lv2_descriptor");
    assert_non_null(entry);
    const LV2_Descriptor *d = entry(0);
    assert_non_null(d);
    assert_string_equal(d->URI, "urn:cantus:generator");
    assert_null(entry(1));
    return d;
}

static LV2_URID_Map map = {NULL, map_uri};
static LV2_Worker_Schedule schedule = {NULL, schedule_nothing};
static const LV2_Feature map_feature = {LV2_URID__map, &map};
static const LV2_Feature schedule_feature = {LV2_WORKER__schedule, &schedule};

static void test_required_features(void **unused)
{
    (void)unused;
    void *library;
    const LV2_Descriptor *d = descriptor(&library);
    const LV2_Feature *map_only[] = {&map_feature, NULL};
    const LV2_Feature *schedule_only[] = {&schedule_feature, NULL};
    assert_null(d->instantiate(d, 48000.0, BUNDLE_PATH, map_only));
    assert_null(d->instantiate(d, 48000.0, BUNDLE_PATH, schedule_only));
    dlclose(library);
}

/* Runs with an output buffer of `capacity` bytes and counts the note-ons
 * written; `sounding` follows every note across cycles. */
static int run_counting(const LV2_Descriptor *d, LV2_Handle h, uint32_t frames, uint32_t capacity,
                        int *sounding)
{
    static uint64_t buffer[4096];
    assert_true(capacity <= sizeof buffer);
    LV2_Atom_Sequence *out = (LV2_Atom_Sequence *)buffer;
    out->atom.size = capacity - (uint32_t)sizeof(LV2_Atom);
    out->atom.type = 0;
    d->connect_port(h, CANTUS_NOTIFY, out);
    d->run(h, frames);
    const LV2_URID midi = map_uri(NULL, "http://lv2plug.in/ns/ext/midi#MidiEvent");
    int ons = 0;
    if (out->atom.type != map_uri(NULL, LV2_ATOM__Sequence))
        return 0; /* nothing written: the host's buffer is left as it was */
    const LV2_URID object = map_uri(NULL, LV2_ATOM__Object);
    LV2_ATOM_SEQUENCE_FOREACH(out, event)
    {
        /* Whole events only: MIDI of 3 bytes or the model's patch:Set,
         * never a header without its body (a flooded output once left one,
         * which a host read as a 0-byte event). */
        assert_true(event->body.type == midi || event->body.type == object);
        if (event->body.type != midi) continue;
        assert_int_equal(event->body.size, 3);
        const uint8_t *m = (const uint8_t *)(event + 1);
        if ((m[0] & 0xF0) == 0x90) {
            ons++;
            (*sounding)++;
        } else if ((m[0] & 0xF0) == 0x80) {
            (*sounding)--;
        }
        assert_true(*sounding >= 0 && *sounding <= 1);
    }
    return ons;
}

static void test_null_ports_and_empty_cycles(void **unused)
{
    (void)unused;
    void *library;
    const LV2_Descriptor *d = descriptor(&library);
    const LV2_Feature *features[] = {&map_feature, &schedule_feature, NULL};
    LV2_Handle h = d->instantiate(d, 48000.0, BUNDLE_PATH, features);
    assert_non_null(h);
    d->activate(h);
    for (uint32_t port = 0; port < CANTUS_PORT_COUNT; port++)
        d->connect_port(h, port, NULL);
    for (int i = 0; i < 200; i++)
        d->run(h, i % 3 ? 4096 : 0);
    /* Connected again, it plays (its default model, the fallback tempo). */
    int notes = 0, sounding = 0;
    for (int i = 0; i < 100; i++)
        notes += run_counting(d, h, 1024, 32768, &sounding);
    assert_true(notes > 0);
    d->deactivate(h);
    d->cleanup(h);
    dlclose(library);
}

static void test_no_default_model(void **unused)
{
    (void)unused;
    void *library;
    const LV2_Descriptor *d = descriptor(&library);
    const LV2_Feature *features[] = {&map_feature, &schedule_feature, NULL};
    LV2_Handle h = d->instantiate(d, 44100.0, "/nonexistent/bundle/", features);
    assert_non_null(h);
    d->activate(h);
    int notes = 0, sounding = 0;
    for (int i = 0; i < 100; i++)
        notes += run_counting(d, h, 1024, 32768, &sounding);
    assert_int_equal(notes, 0);
    d->deactivate(h);
    d->cleanup(h);
    dlclose(library);
}

static void test_small_output_buffers(void **unused)
{
    (void)unused;
    /* Output buffers from far too small to just enough: the plugin keeps
     * room for its note-offs, so whatever it could play, nothing hangs. */
    void *library;
    const LV2_Descriptor *d = descriptor(&library);
    const LV2_Feature *features[] = {&map_feature, &schedule_feature, NULL};
    int played = 0;
    for (uint32_t capacity = 16; capacity <= 1024; capacity += 8) {
        LV2_Handle h = d->instantiate(d, 48000.0, BUNDLE_PATH, features);
        assert_non_null(h);
        float gate = 100.0f; /* a note always sounds: every cut must show */
        d->connect_port(h, CANTUS_GATE, &gate);
        d->activate(h);
        int sounding = 0;
        for (int i = 0; i < 60; i++)
            played += run_counting(d, h, 1024, capacity, &sounding);
        /* A stop is a panic here: trigger it and see the last note end. */
        float panic = 1.0f;
        d->connect_port(h, CANTUS_PANIC, &panic);
        run_counting(d, h, 64, capacity < 64 ? 64 : capacity, &sounding);
        assert_int_equal(sounding, 0);
        d->deactivate(h);
        d->cleanup(h);
    }
    assert_true(played > 0);
    dlclose(library);
}

static void test_flooded_output(void **unused)
{
    (void)unused;
    /* Far more steps than the output holds (a nonsense tempo once overflowed
     * it, leaving a header without its body). At 100 Hz, 400 BPM
     * and rate 4 a cycle of 8192 frames has 2184 steps (the player plays
     * PLAYER_MAX_STEPS_PER_CYCLE of them); buffers of every size, aligned
     * or not, fill up mid-cycle again and again. */
    void *library;
    const LV2_Descriptor *d = descriptor(&library);
    const LV2_Feature *features[] = {&map_feature, &schedule_feature, NULL};
    int played = 0;
    for (uint32_t capacity = 16; capacity <= 2048; capacity += 13) {
        LV2_Handle h = d->instantiate(d, 100.0, BUNDLE_PATH, features);
        assert_non_null(h);
        float gate = 100.0f, rate = 4.0f, bpm = 400.0f, rests = 0.0f;
        d->connect_port(h, CANTUS_GATE, &gate);
        d->connect_port(h, CANTUS_RATE, &rate);
        d->connect_port(h, CANTUS_FALLBACK_BPM, &bpm);
        d->connect_port(h, CANTUS_RESTS, &rests);
        d->activate(h);
        int sounding = 0;
        for (int i = 0; i < 6; i++)
            played += run_counting(d, h, 8192, capacity, &sounding);
        float panic = 1.0f;
        d->connect_port(h, CANTUS_PANIC, &panic);
        run_counting(d, h, 64, 1024, &sounding);
        assert_int_equal(sounding, 0);
        d->deactivate(h);
        d->cleanup(h);
    }
    assert_true(played > 0);
    dlclose(library);
}

/* A schedule_work that must not be called: jalv passes restore() one it has
 * not set up (calling it crashed jalv). */
static int restore_schedules;
static LV2_Worker_Status schedule_counting(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                           const void *data)
{
    (void)handle;
    (void)size;
    (void)data;
    restore_schedules++;
    return LV2_WORKER_SUCCESS;
}

static const void *retrieve_model(LV2_State_Handle handle, uint32_t key, size_t *size,
                                  uint32_t *type, uint32_t *flags)
{
    (void)handle;
    if (key != map_uri(NULL, "urn:cantus:model")) return NULL;
    static const char path[] = BUNDLE_PATH "default.safetensors";
    *size = sizeof path;
    *type = map_uri(NULL, LV2_ATOM__Path);
    *flags = LV2_STATE_IS_POD;
    return path;
}

/* A worker run by hand: run() queues jobs (the retired engine to free),
 * the test hands them to work() after the cycle. */
static uint64_t jobs[8][64];
static uint32_t job_sizes[8];
static int job_count;
static LV2_Worker_Status schedule_queue(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                        const void *data)
{
    (void)handle;
    if (job_count == 8 || size > sizeof jobs[0]) return LV2_WORKER_ERR_NO_SPACE;
    memcpy(jobs[job_count], data, size);
    job_sizes[job_count++] = size;
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status respond_nothing(LV2_Worker_Respond_Handle handle, uint32_t size,
                                         const void *data)
{
    (void)handle;
    (void)size;
    (void)data;
    fail_msg("a free job answered");
    return LV2_WORKER_SUCCESS;
}

static void work_queued(const LV2_Descriptor *d, LV2_Handle h)
{
    const LV2_Worker_Interface *worker =
        (const LV2_Worker_Interface *)d->extension_data(LV2_WORKER__interface);
    for (int i = 0; i < job_count; i++)
        assert_int_equal(worker->work(h, respond_nothing, NULL, job_sizes[i], jobs[i]),
                         LV2_WORKER_SUCCESS);
    job_count = 0;
}

static void test_restore_while_active_loads_at_once(void **unused)
{
    (void)unused;
    void *library;
    const LV2_Descriptor *d = descriptor(&library);
    LV2_Worker_Schedule queue = {NULL, schedule_queue};
    const LV2_Feature queue_feature = {LV2_WORKER__schedule, &queue};
    const LV2_Feature *features[] = {&map_feature, &queue_feature, NULL};
    LV2_Handle h = d->instantiate(d, 48000.0, BUNDLE_PATH, features);
    assert_non_null(h);
    d->activate(h);
    int sounding = 0;
    for (int i = 0; i < 30; i++)
        run_counting(d, h, 1024, 4096, &sounding);
    const LV2_State_Interface *state =
        (const LV2_State_Interface *)d->extension_data(LV2_STATE__interface);
    assert_non_null(state);
    LV2_Worker_Schedule restore_schedule = {NULL, schedule_counting};
    const LV2_Feature restore_feature = {LV2_WORKER__schedule, &restore_schedule};
    const LV2_Feature *restore_features[] = {&restore_feature, NULL};
    restore_schedules = 0;
    assert_int_equal(state->restore(h, retrieve_model, NULL, 0, restore_features),
                     LV2_STATE_SUCCESS);
    assert_int_equal(restore_schedules, 0);
    /* It swaps in at a step and goes on playing, nothing hanging. */
    int notes = 0;
    for (int i = 0; i < 100; i++) {
        notes += run_counting(d, h, 1024, 4096, &sounding);
        work_queued(d, h); /* frees the engine the swap retired */
    }
    assert_true(notes > 0);
    d->deactivate(h);
    d->cleanup(h);
    dlclose(library);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_features),
        cmocka_unit_test(test_null_ports_and_empty_cycles),
        cmocka_unit_test(test_no_default_model),
        cmocka_unit_test(test_small_output_buffers),
        cmocka_unit_test(test_flooded_output),
        cmocka_unit_test(test_restore_while_active_loads_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
