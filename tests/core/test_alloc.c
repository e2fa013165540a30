/* After cantus_lstm_state_new, stepping, sampling, masking, prefetching and
 * resetting make no allocator, mmap or mutex call at all: 10^5 steps with
 * every such function interposed and counted (alloc_count.c). Built only
 * without sanitizers, which interpose the same functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "alloc_count.h"
#include "lstm.h"
#include "sampler.h"

/* The interposer must see what it is meant to see, or a zero proves
 * nothing. Calls go through volatile pointers so the compiler cannot elide
 * the malloc/free pair. */
static void interposer_counts(void **unused)
{
    (void)unused;
    void *(*volatile do_malloc)(size_t) = malloc;
    void (*volatile do_free)(void *) = free;
    alloc_count_begin();
    void *p = do_malloc(64);
    do_free(p);
    AllocCounts c = alloc_count_end();
    assert_int_equal(c.allocs, 1);
    assert_int_equal(c.frees, 1);
    /* Not counted once stopped. */
    p = do_malloc(64);
    do_free(p);
    alloc_count_begin();
    assert_int_equal(alloc_count_total(alloc_count_end()), 0);
}

static void run_no_alloc(const char *path, CantusPrecision precision)
{
    char err[CANTUS_ERROR_SIZE] = "";
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    if (!model) fail_msg("%s", err);
    const CantusModelInfo *info = cantus_model_info(model);
    CantusLstmState *state = cantus_lstm_state_new_precision(model, precision);
    assert_non_null(state);
    uint8_t *mask = calloc((size_t)info->vocab, 1);
    double *scratch = calloc((size_t)info->vocab, sizeof(double));
    CantusRng rng;
    cantus_rng_seed(&rng, 7u, 1u);
    CantusMaskSpec spec = {info->note_low, info->note_high, 0, CANTUS_SCALE_MAJOR, true, 0, 0};

    alloc_count_begin();
    int token = 0;
    for (int i = 0; i < 100000; i++) {
        if (i % 1000 == 0) {
            spec.key = (spec.key + 5) % 12;
            cantus_mask_build(info, &spec, mask);
            cantus_lstm_state_prefetch(state);
        }
        if (i % 4096 == 4095) cantus_lstm_state_reset(state);
        const float *logits = cantus_lstm_state_step(state, token);
        float t = (i % 3 == 0) ? 0.0f : 0.9f;
        token = cantus_sample(logits, mask, info->vocab, t, &rng, scratch);
        if (i % 777 == 0) cantus_softmax(logits, mask, info->vocab, 1.2f, scratch);
    }
    AllocCounts c = alloc_count_end();
    assert_true(token >= 0 && token < info->vocab);
    if (alloc_count_total(c) != 0)
        fail_msg("%s: %lu allocs, %lu frees, %lu maps, %lu locks in 10^5 steps", path, c.allocs,
                 c.frees, c.maps, c.locks);
    free(scratch);
    free(mask);
    cantus_lstm_state_free(state);
    cantus_model_free(model);
}

static void step_sample_reset_allocate_nothing(void **unused)
{
    (void)unused;
    run_no_alloc(GOLDEN_DIR "/seed_l1_h128_v78.safetensors", CANTUS_PRECISION_F32);
    run_no_alloc(GOLDEN_DIR "/odd_l3_h20_v13.safetensors", CANTUS_PRECISION_F32);
    run_no_alloc(GOLDEN_DIR "/rest_hold_l2_h32_v20.safetensors", CANTUS_PRECISION_F16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interposer_counts),
        cmocka_unit_test(step_sample_reset_allocate_nothing),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
