/* The host itself, driven with the real plugin: the worker's two modes and
 * its late answers, answers pending when the host is freed, the input
 * sequence's rules, controls by symbol and the log ring. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static char dir[64];
static char model[128];

static int setup(void **state)
{
    (void)state;
    make_temp_dir(dir, sizeof(dir));
    snprintf(model, sizeof(model), "%s/small.safetensors", dir);
    write_test_model(model, 51, 60, 12, 8);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(dir);
    return 0;
}

/* Cycles from the patch:Set until the plugin announces the new model. */
static int cycles_to_swap(CantusHostWorkerMode mode, unsigned delay)
{
    CantusHost *host = fixture_host(48000, 64, mode);
    cantus_host_set_worker_delay(host, delay);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    assert_true(cantus_host_add_patch_set_path(host, 0, MODEL_URI, model));
    int cycles = 0;
    while (strcmp(s.last_model, model) && cycles < 2000) {
        session_run(&s, 64);
        ++cycles;
        if (mode == CANTUS_HOST_WORKER_THREADED) cantus_host_worker_drain(host);
    }
    /* The load, and the old model handed back to be freed. */
    assert_true(cantus_host_worker_jobs(host) >= 1);
    session_free(&s);
    cantus_host_free(host);
    return cycles;
}

static void worker_answers_on_time_and_late(void **state)
{
    (void)state;
    int now = cycles_to_swap(CANTUS_HOST_WORKER_DEFERRED, 0);
    assert_int_equal(now, 2); /* asked in cycle 1, answered after it, swapped in cycle 2 */
    assert_int_equal(cycles_to_swap(CANTUS_HOST_WORKER_DEFERRED, 6), now + 6);
    int threaded = cycles_to_swap(CANTUS_HOST_WORKER_THREADED, 0);
    assert_true(threaded >= now && threaded < 2000);
    assert_true(cycles_to_swap(CANTUS_HOST_WORKER_THREADED, 4) >= now + 4);
}

/* Many requests (2000 loads of ~60 bytes through a 64 KiB ring) wrap the
 * rings; paced as a user could (each answered before the next is asked),
 * the worker never loses one. */
static void worker_rings_wrap(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(48000, 64, CANTUS_HOST_WORKER_THREADED);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    for (int i = 0; i < 2000; ++i) {
        assert_true(cantus_host_add_patch_set_path(host, 0, MODEL_URI, model));
        session_run(&s, 64);
        cantus_host_worker_drain(host);
    }
    /* Answers are handed over after a run, and swapped in at the next. */
    for (int i = 0; i < 4; ++i)
        session_run(&s, 64);
    assert_int_equal(cantus_host_log_count(host), 0);
    assert_true(cantus_host_worker_jobs(host) >= 2000);
    assert_string_equal(s.last_model, model);
    session_free(&s);
    cantus_host_free(host);
}

/* An answer still in the ring when the host goes is delivered, so what it
 * carries is the plugin's to free (the sanitizer build checks for leaks). */
static void freed_with_answers_pending(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; ++mode) {
        CantusHost *host = fixture_host(48000, 64, (CantusHostWorkerMode)mode);
        cantus_host_set_worker_delay(host, 1000);
        Session s;
        session_init(&s, host, 1, SEND_ON_CHANGE);
        assert_true(cantus_host_add_patch_set_path(host, 0, MODEL_URI, model));
        session_run(&s, 64);
        session_run(&s, 64);
        session_free(&s);
        cantus_host_free(host);
    }
}

static void input_sequence_rules(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(48000, 64, CANTUS_HOST_WORKER_DEFERRED);
    const uint8_t note[3] = {0x90, 60, 1};
    assert_true(cantus_host_add_midi(host, 10, note, 3));
    assert_false(cantus_host_add_midi(host, 5, note, 3));  /* back in time */
    assert_false(cantus_host_add_midi(host, 64, note, 3)); /* past the cycle */
    cantus_host_run(host, 64);
    /* The sequence is emptied by run(): offset 0 is fine again. */
    assert_true(cantus_host_add_midi(host, 0, note, 3));
    /* A full buffer refuses rather than overruns. */
    bool refused = false;
    for (int i = 0; i < 100000 && !refused; ++i)
        refused = !cantus_host_add_midi(host, 1, note, 3);
    assert_true(refused);
    assert_int_equal(cantus_host_run(host, 0), 0);
    assert_int_equal(cantus_host_run(host, 65), 0);
    cantus_host_run(host, 64);
    cantus_host_free(host);
}

static void controls_by_symbol(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(44100, 128, CANTUS_HOST_WORKER_DEFERRED);
    assert_true(cantus_host_set_control(host, "temperature", 0.25f));
    assert_float_equal(cantus_host_get_control(host, "temperature"), 0.25f, 0);
    assert_false(cantus_host_set_control(host, "no_such_port", 1.0f));
    assert_true(isnan(cantus_host_get_control(host, "no_such_port")));
    assert_float_equal(cantus_host_sample_rate(host), 44100, 0);
    assert_int_equal(cantus_host_block_length(host), 128);
    LV2_URID id = cantus_host_map(host, "urn:cantus:test-uri");
    assert_true(id > 0);
    assert_int_equal(cantus_host_map(host, "urn:cantus:test-uri"), id);
    assert_string_equal(cantus_host_unmap(host, id), "urn:cantus:test-uri");
    assert_null(cantus_host_unmap(host, 0));
    cantus_host_free(host);
}

static void log_ring_keeps_the_last_lines(void **state)
{
    (void)state;
    CantusHost *host = fixture_host(48000, 64, CANTUS_HOST_WORKER_DEFERRED);
    Session s;
    session_init(&s, host, 1, SEND_ON_CHANGE);
    char bad[160];
    for (int i = 0; i < CANTUS_HOST_LOG_LINES + 5; ++i) {
        snprintf(bad, sizeof(bad), "/nonexistent/missing-%d.safetensors", i);
        assert_true(cantus_host_add_patch_set_path(host, 0, MODEL_URI, bad));
        session_run(&s, 64);
    }
    assert_int_equal(cantus_host_log_count(host), CANTUS_HOST_LOG_LINES);
    /* Oldest kept first: line 5 names file 5, the last names the last. */
    assert_non_null(strstr(cantus_host_log_line(host, 0), "missing-5."));
    snprintf(bad, sizeof(bad), "missing-%d.", CANTUS_HOST_LOG_LINES + 4);
    assert_non_null(strstr(cantus_host_log_line(host, CANTUS_HOST_LOG_LINES - 1), bad));
    assert_null(cantus_host_log_line(host, CANTUS_HOST_LOG_LINES));
    cantus_host_log_clear(host);
    assert_int_equal(cantus_host_log_count(host), 0);
    session_free(&s);
    cantus_host_free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(worker_answers_on_time_and_late),
        cmocka_unit_test(worker_rings_wrap),
        cmocka_unit_test(freed_with_answers_pending),
        cmocka_unit_test(input_sequence_rules),
        cmocka_unit_test(controls_by_symbol),
        cmocka_unit_test(log_ring_keeps_the_last_lines),
    };
    /* CMOCKA_TEST_FILTER=name runs one test alone (leak hunting). */
    if (getenv("CMOCKA_TEST_FILTER")) cmocka_set_test_filter(getenv("CMOCKA_TEST_FILTER"));
    return cmocka_run_group_tests_name("host library", tests, setup, teardown);
}
