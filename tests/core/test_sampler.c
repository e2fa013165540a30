/* Sampling: argmax at low temperature, masks that hold over 10^5 draws,
 * reproducible streams, the empirical distribution against softmax
 * (chi-square), temperature's effect, the mask's fall-backs and the scale
 * tables. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sampler.h"
#include "test_model.h"

#define V 12
static const float logits12[V] = {0.5f, -1.0f, 2.0f,  0.0f, 1.5f, -0.5f,
                                  0.3f, 1.0f,  -2.0f, 0.8f, 0.1f, -0.3f};

/* Critical value of chi-square with 11 degrees of freedom at p = 0.001.
 * The seed is fixed, so the test is deterministic; a correct sampler would
 * exceed this on only 1 seed in 1000. */
#define CHI2_11_P001 31.264

/* 12 pitches from MIDI 60 (C4), REST 12, HOLD 13. */
static CantusModelInfo model_info(void)
{
    return test_model_info(60, 12);
}

static void low_temperature_is_argmax(void **unused)
{
    (void)unused;
    CantusRng rng;
    cantus_rng_seed(&rng, 5u, 0u);
    const float temps[] = {0.0f, 1e-4f, CANTUS_TEMPERATURE_ARGMAX, -1.0f, NAN, INFINITY};
    double scratch[V];
    for (size_t t = 0; t < sizeof temps / sizeof temps[0]; t++) {
        CantusRng before = rng;
        assert_int_equal(cantus_sample(logits12, NULL, V, temps[t], &rng, scratch), 2);
        /* No random numbers consumed. */
        assert_memory_equal(&before, &rng, sizeof rng);
    }
    uint8_t mask[V] = {1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(cantus_sample(logits12, mask, V, 0.0f, &rng, scratch), 4);
    /* Ties: the lowest index. */
    const float tie[4] = {1.0f, 3.0f, 3.0f, 0.0f};
    assert_int_equal(cantus_sample(tie, NULL, 4, 0.0f, &rng, scratch), 1);

    double probs[V];
    assert_true(cantus_softmax(logits12, mask, V, 0.0f, probs));
    for (int i = 0; i < V; i++)
        assert_true(probs[i] == (i == 4 ? 1.0 : 0.0));

    /* Just above the argmax threshold the mode is drawn almost always. */
    int hits = 0;
    for (int i = 0; i < 1000; i++)
        hits += cantus_sample(logits12, NULL, V, 0.01f, &rng, scratch) == 2;
    assert_int_equal(hits, 1000);
}

static void mask_never_violated(void **unused)
{
    (void)unused;
    CantusModelInfo info = model_info();
    CantusMaskSpec spec = {.note_low = 60,
                           .note_high = 71,
                           .key = 2,
                           .scale = CANTUS_SCALE_MAJOR,
                           .rests = false,
                           0,
                           0};
    uint8_t mask[14];
    int allowed = cantus_mask_build(&info, &spec, mask);
    assert_int_equal(allowed, 7); /* D major: D E F# G A B C# */

    /* The masked-out tokens get the largest logits. */
    float logits[14];
    for (int i = 0; i < 14; i++)
        logits[i] = mask[i] ? 0.0f : 8.0f;
    CantusRng rng;
    cantus_rng_seed(&rng, 2026u, 3u);
    double scratch[14];
    int seen[14] = {0};
    for (int i = 0; i < 100000; i++) {
        float t = i % 2 ? 1.0f : 3.0f;
        int tok = cantus_sample(logits, mask, 14, t, &rng, scratch);
        assert_true(tok >= 0 && tok < 14);
        if (!mask[tok]) fail_msg("draw %d chose masked token %d", i, tok);
        seen[tok]++;
    }
    for (int i = 0; i < 14; i++)
        assert_true(mask[i] ? seen[i] > 0 : seen[i] == 0);
}

static void nothing_allowed(void **unused)
{
    (void)unused;
    uint8_t mask[V] = {0};
    CantusRng rng;
    cantus_rng_seed(&rng, 1u, 1u);
    double scratch[V];
    assert_int_equal(cantus_sample(logits12, mask, V, 1.0f, &rng, scratch), -1);
    assert_int_equal(cantus_sample(logits12, mask, V, 0.0f, &rng, scratch), -1);
    assert_false(cantus_softmax(logits12, mask, V, 1.0f, scratch));
    assert_false(cantus_softmax(logits12, mask, V, 0.0f, scratch));
}

static void non_finite_logits(void **unused)
{
    (void)unused;
    const float l[4] = {NAN, 1.0f, INFINITY, -INFINITY};
    CantusRng rng;
    cantus_rng_seed(&rng, 1u, 1u);
    double scratch[4];
    for (int i = 0; i < 1000; i++)
        assert_int_equal(cantus_sample(l, NULL, 4, 1.0f, &rng, scratch), 1);
    assert_int_equal(cantus_sample(l, NULL, 4, 0.0f, &rng, scratch), 1);
    /* All allowed logits non-finite: the allowed tokens share equally. */
    const float all_bad[3] = {NAN, -INFINITY, NAN};
    double probs[3];
    assert_true(cantus_softmax(all_bad, NULL, 3, 1.0f, probs));
    for (int i = 0; i < 3; i++)
        assert_true(fabs(probs[i] - 1.0 / 3.0) < 1e-12);
    assert_int_equal(cantus_sample(all_bad, NULL, 3, 0.0f, &rng, scratch), 0);
}

static void same_seed_same_tokens(void **unused)
{
    (void)unused;
    CantusRng a, b;
    cantus_rng_seed(&a, 77u, 1u);
    cantus_rng_seed(&b, 77u, 1u);
    double sa[V], sb[V];
    int first[64];
    for (int i = 0; i < 64; i++) {
        first[i] = cantus_sample(logits12, NULL, V, 1.3f, &a, sa);
        assert_int_equal(first[i], cantus_sample(logits12, NULL, V, 1.3f, &b, sb));
    }
    /* ...and a different seed gives a different sequence. */
    cantus_rng_seed(&b, 78u, 1u);
    int same = 0;
    for (int i = 0; i < 64; i++)
        same += first[i] == cantus_sample(logits12, NULL, V, 1.3f, &b, sb);
    assert_true(same < 40);
}

static double chi_square(const float *logits, const uint8_t *mask, float temperature,
                         const double *expected_probs, int draws, uint64_t seed, int *df)
{
    CantusRng rng;
    cantus_rng_seed(&rng, seed, 11u);
    double scratch[V];
    int counts[V] = {0};
    for (int i = 0; i < draws; i++)
        counts[cantus_sample(logits, mask, V, temperature, &rng, scratch)]++;
    double chi2 = 0.0;
    *df = -1;
    for (int i = 0; i < V; i++) {
        if (expected_probs[i] <= 0.0) {
            assert_int_equal(counts[i], 0);
            continue;
        }
        double e = expected_probs[i] * draws;
        chi2 += (counts[i] - e) * (counts[i] - e) / e;
        (*df)++;
    }
    return chi2;
}

static void fits_softmax_chi_square(void **unused)
{
    (void)unused;
    double p[V], sum = 0.0;
    for (int i = 0; i < V; i++)
        sum += p[i] = exp((double)logits12[i]);
    for (int i = 0; i < V; i++)
        p[i] /= sum;

    int df;
    double chi2 = chi_square(logits12, NULL, 1.0f, p, 120000, 42u, &df);
    assert_int_equal(df, 11);
    print_message("chi-square at T=1: %.2f (df 11, critical %.3f at p=0.001)\n", chi2,
                  CHI2_11_P001);
    assert_true(chi2 < CHI2_11_P001);

    /* The same test has the power to reject a wrong distribution: the draws
     * do not fit the uniform one. */
    double uniform[V];
    for (int i = 0; i < V; i++)
        uniform[i] = 1.0 / V;
    assert_true(chi_square(logits12, NULL, 1.0f, uniform, 120000, 42u, &df) > 100 * CHI2_11_P001);

    /* And at T = 0.5 the draws fit softmax(l / 0.5) (cantus_softmax's). */
    double p_half[V];
    assert_true(cantus_softmax(logits12, NULL, V, 0.5f, p_half));
    chi2 = chi_square(logits12, NULL, 0.5f, p_half, 120000, 43u, &df);
    assert_true(chi2 < CHI2_11_P001);
}

static void temperature_properties(void **unused)
{
    (void)unused;
    double p1[V], p2[V], p_low[V], p_high[V];
    assert_true(cantus_softmax(logits12, NULL, V, 1.0f, p1));
    double sum = 0.0, z = 0.0;
    for (int i = 0; i < V; i++)
        z += exp((double)logits12[i] - 2.0);
    for (int i = 0; i < V; i++) {
        assert_true(fabs(p1[i] - exp((double)logits12[i] - 2.0) / z) < 1e-12);
        sum += p1[i];
    }
    assert_true(fabs(sum - 1.0) < 1e-12);

    /* softmax(l / T) == softmax(2l / 2T). */
    float doubled[V];
    for (int i = 0; i < V; i++)
        doubled[i] = 2.0f * logits12[i];
    assert_true(cantus_softmax(doubled, NULL, V, 2.0f, p2));
    for (int i = 0; i < V; i++)
        assert_true(fabs(p1[i] - p2[i]) < 1e-12);

    /* Lower T sharpens, higher T flattens; order is kept. */
    assert_true(cantus_softmax(logits12, NULL, V, 0.25f, p_low));
    assert_true(cantus_softmax(logits12, NULL, V, 4.0f, p_high));
    assert_true(p_low[2] > p1[2] && p1[2] > p_high[2]);
    assert_true(p_low[8] < p1[8] && p1[8] < p_high[8]);
    for (int i = 0; i < V; i++)
        for (int j = 0; j < V; j++)
            if (logits12[i] > logits12[j])
                assert_true(p_high[i] > p_high[j] && p_low[i] > p_low[j]);

    /* Very high T: nearly uniform. Very low (but above argmax): all mass on
     * the mode, computed in double without overflow. */
    double p_hot[V], p_cold[V];
    assert_true(cantus_softmax(logits12, NULL, V, 1e6f, p_hot));
    for (int i = 0; i < V; i++)
        assert_true(fabs(p_hot[i] - 1.0 / V) < 1e-5);
    assert_true(cantus_softmax(logits12, NULL, V, 2e-3f, p_cold));
    assert_true(p_cold[2] > 0.999999);

    /* Masked tokens get exactly zero and the rest still sum to one. */
    uint8_t mask[V] = {0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1};
    assert_true(cantus_softmax(logits12, mask, V, 1.0f, p1));
    sum = 0.0;
    for (int i = 0; i < V; i++) {
        if (!mask[i]) assert_true(p1[i] == 0.0);
        sum += p1[i];
    }
    assert_true(fabs(sum - 1.0) < 1e-12);
}

/* A sequence opens with a note: the opening mask is the same scale and
 * range with REST and HOLD masked, whatever the rests control says. */
static void opening_mask_has_no_silence(void **unused)
{
    (void)unused;
    CantusModelInfo info = model_info();
    uint8_t mask[14], opening[14];
    CantusMaskSpec spec = {60, 71, 0, CANTUS_SCALE_MAJOR, true, 0, 0};
    cantus_mask_build(&info, &spec, mask);
    assert_int_equal(cantus_mask_build_opening(&info, &spec, opening), 7);
    assert_int_equal(opening[12] + opening[13], 0);
    assert_memory_equal(opening, mask, 12);
    assert_true(spec.rests); /* the caller's spec is left as it was */

    /* Logits that all but insist on HOLD still open on a pitch. */
    float logits[14] = {0};
    logits[13] = 30.0f;
    double scratch[14];
    CantusRng rng;
    cantus_rng_seed(&rng, 9u, 0u);
    for (int i = 0; i < 1000; i++) {
        int t = cantus_sample(logits, opening, 14, 1.0f, &rng, scratch);
        assert_true(t >= 0 && t < 12 && opening[t]);
    }
}

static void mask_fallbacks(void **unused)
{
    (void)unused;
    CantusModelInfo info = model_info();
    uint8_t mask[14];

    /* C major, 60..71, rests on: 7 pitches + REST + HOLD. */
    CantusMaskSpec spec = {60, 71, 0, CANTUS_SCALE_MAJOR, true, 0, 0};
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 9);
    const uint8_t c_major[14] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1};
    assert_memory_equal(mask, c_major, 14);

    /* Rests off: REST and HOLD masked. */
    spec.rests = false;
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 7);
    assert_int_equal(mask[12] + mask[13], 0);

    /* A range holding only C#4 in C major: the pitch nearest the scale,
     * C#4 itself, rather than a note outside the range. */
    spec = (CantusMaskSpec){61, 61, 0, CANTUS_SCALE_MAJOR, false, 0, 0};
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 1);
    assert_int_equal(mask[1], 1);

    /* A range outside the model's notes: the notes are carried there by
     * octaves, so the scale still applies. */
    spec = (CantusMaskSpec){20, 40, 0, CANTUS_SCALE_MAJOR, false, 0, 0};
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 7);
    assert_memory_equal(mask, c_major, 12);

    /* A reversed range is the range between its ends: D4..A#4 holds nine
     * pitch classes, plus REST and HOLD. */
    spec = (CantusMaskSpec){70, 62, 0, CANTUS_SCALE_CHROMATIC, true, 0, 0};
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 11);

    /* Key wraps, negative keys fold into 0..11: A minor pentatonic. */
    spec = (CantusMaskSpec){60, 71, 9 - 12, CANTUS_SCALE_MINOR_PENTATONIC, false, 0, 0};
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 5);
    const uint8_t a_min_pent[12] = {1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0}; /* C D E G A */
    assert_memory_equal(mask, a_min_pent, 12);

    /* A model without REST/HOLD: rests on adds nothing. */
    CantusModelInfo plain = info;
    plain.vocab = 12;
    plain.rest_token = plain.hold_token = -1;
    spec = (CantusMaskSpec){60, 71, 0, CANTUS_SCALE_CHROMATIC, true, 0, 0};
    assert_int_equal(cantus_mask_build(&plain, &spec, mask), 12);
}

static void scale_tables(void **unused)
{
    (void)unused;
    const int sizes[CANTUS_SCALE_COUNT] = {12, 7, 7, 7, 7, 7, 5, 5, 6};
    for (int s = 0; s < CANTUS_SCALE_COUNT; s++) {
        uint16_t pcs = cantus_scale_pitch_classes((CantusScale)s);
        assert_int_equal(__builtin_popcount(pcs), sizes[s]);
        assert_true(pcs & 1u);          /* every scale holds its tonic */
        assert_int_equal(pcs >> 12, 0); /* and nothing past 12 pitch classes */
        const char *name = cantus_scale_name((CantusScale)s);
        assert_non_null(name);
        assert_int_equal(cantus_scale_from_name(name), s);
    }
    assert_int_equal(cantus_scale_pitch_classes(CANTUS_SCALE_MAJOR), 0xAB5);
    assert_int_equal(cantus_scale_pitch_classes(CANTUS_SCALE_NATURAL_MINOR), 0x5AD);
    assert_int_equal(cantus_scale_pitch_classes(CANTUS_SCALE_HARMONIC_MINOR), 0x9AD);
    assert_int_equal(cantus_scale_pitch_classes(CANTUS_SCALE_BLUES), 0x4E9);
    assert_null(cantus_scale_name(CANTUS_SCALE_COUNT));
    assert_int_equal(cantus_scale_from_name("lydian"), -1);
    assert_int_equal(cantus_scale_from_name(NULL), -1);
    assert_int_equal(cantus_scale_from_name("natural-minor"), CANTUS_SCALE_NATURAL_MINOR);
}

static void token_pitch_mapping(void **unused)
{
    (void)unused;
    CantusModelInfo info = model_info();
    assert_int_equal(cantus_token_pitch(&info, 0), 60);
    assert_int_equal(cantus_token_pitch(&info, 11), 71);
    assert_int_equal(cantus_token_pitch(&info, 12), -1); /* REST */
    assert_int_equal(cantus_token_pitch(&info, 13), -1); /* HOLD */
    assert_int_equal(cantus_token_pitch(&info, -1), -1);
    assert_int_equal(cantus_pitch_token(&info, 64), 4);
    assert_int_equal(cantus_pitch_token(&info, 40), 4);              /* E2 folds up to E4 */
    assert_int_equal(cantus_pitch_token(&info, 100), 4);             /* E7 folds down */
    assert_int_equal(cantus_pitch_token(&info, -2147483647 - 1), 4); /* no endless loop */
    CantusModelInfo narrow = info;
    narrow.note_low = 60;
    narrow.note_high = 64;
    narrow.pitch_tokens = 5;
    assert_int_equal(cantus_pitch_token(&narrow, 67), -1); /* G has no place in C..E */
    assert_int_equal(cantus_pitch_token(&narrow, 50), 2);  /* D3 -> D4 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(low_temperature_is_argmax),
        cmocka_unit_test(mask_never_violated),
        cmocka_unit_test(nothing_allowed),
        cmocka_unit_test(non_finite_logits),
        cmocka_unit_test(same_seed_same_tokens),
        cmocka_unit_test(fits_softmax_chi_square),
        cmocka_unit_test(temperature_properties),
        cmocka_unit_test(mask_fallbacks),
        cmocka_unit_test(opening_mask_has_no_silence),
        cmocka_unit_test(scale_tables),
        cmocka_unit_test(token_pitch_mapping),
    };
    return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
