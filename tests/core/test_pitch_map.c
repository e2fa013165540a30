/* The register (core/pitch_map.c) and the mask built on it: notes carried
 * by octaves into the range, narrow ranges, the fallbacks, the chord, and
 * the claim that drawing a token then sounding its pitch is drawing from
 * the merged distribution over pitches. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rng.h"
#include "sampler.h"
#include "test_model.h"

/* 36 pitch tokens from MIDI 48 (C3..B5), REST 36, HOLD 37. */
static CantusModelInfo wide_model(void)
{
    return test_model_info(48, 36);
}

static CantusMaskSpec range(int low, int high)
{
    return (CantusMaskSpec){.note_low = low, .note_high = high, .scale = CANTUS_SCALE_CHROMATIC};
}

static void folds_by_octaves_keeping_the_pitch_class(void **unused)
{
    (void)unused;
    const CantusModelInfo info = wide_model();
    int16_t pitch_of[38];

    /* The model's own range: every token at its own pitch. */
    CantusMaskSpec spec = range(0, 127);
    assert_int_equal(cantus_pitch_map_build(&info, &spec, pitch_of), 36);
    for (int t = 0; t < 36; t++)
        assert_int_equal(pitch_of[t], 48 + t);
    assert_int_equal(pitch_of[36], CANTUS_NO_PITCH);
    assert_int_equal(pitch_of[37], CANTUS_NO_PITCH);

    /* Every range of an octave or more: each token inside, its pitch class
     * kept, and carried the least number of octaves (the nearest octave). */
    for (int low = 0; low <= 115; low++)
        for (int high = low + 11; high <= 127; high++) {
            spec = range(low, high);
            assert_int_equal(cantus_pitch_map_build(&info, &spec, pitch_of), 36);
            for (int t = 0; t < 36; t++) {
                const int model = 48 + t, p = pitch_of[t];
                assert_true(p >= low && p <= high);
                assert_int_equal((p - model) % 12, 0);
                if (model >= low && model <= high) assert_int_equal(p, model);
                if (model < low) assert_true(p - 12 < low);
                if (model > high) assert_true(p + 12 > high);
            }
        }

    /* Transpose first, then the range: +24 from C3..B5 is C5..B7; in
     * 60..96 what lands above 96 comes down an octave. */
    spec = range(60, 96);
    spec.transpose = 24;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    assert_int_equal(pitch_of[0], 72);  /* C3 + 24 = C5 */
    assert_int_equal(pitch_of[24], 96); /* C5 + 24 = C7 */
    assert_int_equal(pitch_of[25], 85); /* C#7 comes down to C#6 */
    spec.transpose = -24;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    assert_int_equal(pitch_of[0], 60); /* C1 goes up two octaves */
    assert_int_equal(pitch_of[35], 71);

    /* Ends outside MIDI are clamped, reversed ends swapped. */
    spec = range(200, -5);
    assert_int_equal(cantus_pitch_map_build(&info, &spec, pitch_of), 36);
    for (int t = 0; t < 36; t++)
        assert_int_equal(pitch_of[t], 48 + t);
}

static void a_narrow_range_keeps_the_pitch_classes_that_fit(void **unused)
{
    (void)unused;
    const CantusModelInfo info = wide_model();
    int16_t pitch_of[38];
    uint8_t mask[38];

    /* 60..66 (C4..F#4): seven pitch classes, each token of one of them at
     * its one place in the range. */
    CantusMaskSpec spec = range(60, 66);
    assert_int_equal(cantus_pitch_map_build(&info, &spec, pitch_of), 21);
    for (int t = 0; t < 36; t++) {
        const int pc = (48 + t) % 12;
        assert_int_equal(pitch_of[t], pc <= 6 ? 60 + pc : CANTUS_NO_PITCH);
    }
    /* With C major: C D E F, three octaves of each. */
    spec.scale = CANTUS_SCALE_MAJOR;
    assert_int_equal(cantus_mask_build_mapped(&info, &spec, pitch_of, mask), 12);
    for (int t = 0; t < 36; t++)
        if (mask[t])
            assert_true(pitch_of[t] == 60 || pitch_of[t] == 62 || pitch_of[t] == 64 ||
                        pitch_of[t] == 65);

    /* 66..68 in C major pentatonic (C D E G A): F# and G# are a semitone
     * from the scale, G is in it, so G alone. */
    spec = range(66, 68);
    spec.scale = CANTUS_SCALE_MAJOR_PENTATONIC;
    assert_int_equal(cantus_mask_build(&info, &spec, mask), 3);
    /* 65..66 (F, F#): neither in it; both a semitone from E or G: the
     * nearest allowed pitches, never a note outside the range. */
    spec = range(65, 66);
    spec.scale = CANTUS_SCALE_MAJOR_PENTATONIC;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    assert_int_equal(cantus_mask_build_mapped(&info, &spec, pitch_of, mask), 6);
    for (int t = 0; t < 36; t++)
        if (mask[t]) assert_true(pitch_of[t] == 65 || pitch_of[t] == 66);

    /* A model of five pitch classes (C..E) and a range without any of
     * them (F#..A#): every token at the range's pitch nearest its own. */
    CantusModelInfo small = {.vocab = 5,
                             .hidden = 4,
                             .layers = 1,
                             .note_low = 60,
                             .note_high = 64,
                             .pitch_tokens = 5,
                             .rest_token = -1,
                             .hold_token = -1,
                             .steps_per_beat = 1};
    spec = range(66, 70);
    assert_int_equal(cantus_pitch_map_build(&small, &spec, pitch_of), 5);
    for (int t = 0; t < 5; t++)
        assert_int_equal(pitch_of[t], 66);
    assert_int_equal(cantus_mask_build(&small, &spec, mask), 5);
}

static void the_chord_replaces_the_scale_and_falls_back_to_it(void **unused)
{
    (void)unused;
    const CantusModelInfo info = wide_model();
    uint8_t mask[38];
    int16_t pitch_of[38];
    const uint16_t a_minor = 1u << 9 | 1u << 0 | 1u << 4; /* A C E */

    CantusMaskSpec spec = range(0, 127);
    spec.scale = CANTUS_SCALE_MAJOR;
    spec.chord = a_minor;
    spec.rests = true;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    assert_int_equal(cantus_mask_build_mapped(&info, &spec, pitch_of, mask), 9 + 2);
    for (int t = 0; t < 36; t++) {
        const int pc = pitch_of[t] % 12;
        assert_int_equal(mask[t], pc == 9 || pc == 0 || pc == 4);
    }
    /* A chord outside the key is played as held: it replaces key/scale. */
    spec.chord = 1u << 1 | 1u << 6; /* C# F# */
    assert_int_equal(cantus_mask_build_mapped(&info, &spec, pitch_of, mask), 6 + 2);

    /* A range without a chord tone (61..63 with A C E): key/scale (D). */
    spec = range(61, 63);
    spec.scale = CANTUS_SCALE_MAJOR;
    spec.chord = a_minor;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    assert_int_equal(cantus_mask_build_mapped(&info, &spec, pitch_of, mask), 3);
    for (int t = 0; t < 36; t++)
        if (mask[t]) assert_int_equal(pitch_of[t], 62);
    /* The opening mask keeps the chord and drops REST and HOLD. */
    spec = range(0, 127);
    spec.chord = a_minor;
    spec.rests = true;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    assert_int_equal(cantus_mask_build_opening_mapped(&info, &spec, pitch_of, mask), 9);
}

/* Drawing a token and sounding pitch_of[token] gives each pitch the summed
 * probability of its tokens: the empirical distribution of the sounded
 * pitches over 400,000 draws matches the merged softmax. */
static void drawing_then_mapping_is_drawing_from_the_merged_distribution(void **unused)
{
    (void)unused;
    const CantusModelInfo info = wide_model();
    int16_t pitch_of[38];
    uint8_t mask[38];
    CantusMaskSpec spec = range(60, 66); /* 3 octaves of 7 classes onto 7 pitches */
    spec.scale = CANTUS_SCALE_CHROMATIC;
    cantus_pitch_map_build(&info, &spec, pitch_of);
    cantus_mask_build_mapped(&info, &spec, pitch_of, mask);

    float logits[38];
    for (int t = 0; t < 38; t++)
        logits[t] = (float)sin(1.7 * t) * 2.0f;
    double probs[38], merged[128] = {0};
    assert_true(cantus_softmax(logits, mask, 38, 0.8f, probs));
    for (int t = 0; t < 38; t++)
        if (probs[t] > 0) merged[pitch_of[t]] += probs[t];

    enum { DRAWS = 400000 };
    static int count[128];
    memset(count, 0, sizeof count);
    CantusRng rng;
    cantus_rng_seed(&rng, 11u, 0u);
    double scratch[38];
    for (int i = 0; i < DRAWS; i++) {
        const int t = cantus_sample(logits, mask, 38, 0.8f, &rng, scratch);
        assert_true(t >= 0 && mask[t]);
        count[pitch_of[t]]++;
    }
    double chi2 = 0.0;
    int cells = 0;
    for (int p = 0; p < 128; p++) {
        if (merged[p] == 0.0) {
            assert_int_equal(count[p], 0);
            continue;
        }
        const double expected = merged[p] * DRAWS;
        chi2 += (count[p] - expected) * (count[p] - expected) / expected;
        cells++;
    }
    assert_int_equal(cells, 7);
    /* 6 degrees of freedom: P(chi2 > 22.46) = 0.001. */
    assert_true(chi2 < 22.46);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_by_octaves_keeping_the_pitch_class),
        cmocka_unit_test(a_narrow_range_keeps_the_pitch_classes_that_fit),
        cmocka_unit_test(the_chord_replaces_the_scale_and_falls_back_to_it),
        cmocka_unit_test(drawing_then_mapping_is_drawing_from_the_merged_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
