/* The tokens, logits and generate commands, run as cantus-train runs them
 * (argv in, exit status out, stdout captured): logits --json matches the
 * core step for step and bit for bit; tokens --json matches corpus_load;
 * generate writes a file that reads back to exactly the tokens the model
 * gives from the plugin's start of a sequence, each note as long as the
 * vocabulary says (core/token.h). test_generate_render.c holds generate to
 * cantus-render note for note. */
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"
#include "midi/corpus.h"
#include "lstm.h"
#include "midi/melody.h"
#include "midi_fixture.h"
#include "midi/midi_read.h"
#include "model.h"
#include "rng.h"
#include "sampler.h"
#include "token.h"

#define MODEL GOLDEN_DIR "/rest_hold_l2_h32_v20.safetensors"

/* Runs a command with stdout sent to a file; returns its exit status and
 * the captured text (malloc'd). */
static int run(int (*command)(int, char **), char **argv, char **out)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    char path[512];
    snprintf(path, sizeof path, "%s/stdout.txt", fixture_dir);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    int status = command(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    size_t size;
    uint8_t *text = fixture_slurp(path, &size);
    text[size] = '\0';
    *out = (char *)text;
    return status;
}

static void test_logits_json_matches_core(void **state)
{
    (void)state;
    char *out;
    char *argv[] = {"logits", "--model", MODEL, "--tokens", "5,17,17,3,C4,REST,HOLD,0",
                    "--json", NULL};
    assert_int_equal(run(cmd_logits, argv, &out), 0);

    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(MODEL, err, sizeof err);
    assert_non_null(model);
    const CantusModelInfo *info = cantus_model_info(model);
    CantusLstmState *s = cantus_lstm_state_new(model);
    const int inputs[8] = {5, 17, 17, 3, 60 - info->note_low, info->rest_token, info->hold_token,
                           0};
    char *line = out, *next;
    int steps = 0;
    for (; *line; line = next) {
        next = strchr(line, '\n');
        assert_non_null(next);
        *next++ = '\0';
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        assert_non_null(obj);
        assert_int_equal(json_object_size(obj), 3);
        assert_int_equal(json_integer_value(json_object_get(obj, "step")), steps);
        assert_int_equal(json_integer_value(json_object_get(obj, "input")), inputs[steps]);
        json_t *logits = json_object_get(obj, "logits");
        assert_int_equal(json_array_size(logits), info->vocab);
        const float *expected = cantus_lstm_state_step(s, inputs[steps]);
        for (int v = 0; v < info->vocab; v++) {
            /* %.9g is enough digits for every float to come back exactly */
            float got = (float)json_number_value(json_array_get(logits, (size_t)v));
            if (got != expected[v])
                fail_msg("step %d logit %d: %.9g printed, %.9g computed", steps, v, (double)got,
                         (double)expected[v]);
        }
        json_decref(obj);
        steps++;
    }
    assert_int_equal(steps, 8);
    free(out);

    /* The human-readable form lists names and probabilities. */
    char *argv2[] = {"logits", "--model", MODEL, "--tokens", "1,2", "--top", "3", NULL};
    assert_int_equal(run(cmd_logits, argv2, &out), 0);
    assert_non_null(strstr(out, "step 1"));
    assert_non_null(strstr(out, "%"));
    free(out);

    /* A token outside the vocabulary is an error, not a silent zero input. */
    char bad[16];
    snprintf(bad, sizeof bad, "3,%d", info->vocab);
    char *argv3[] = {"logits", "--model", MODEL, "--tokens", bad, NULL};
    assert_int_equal(run(cmd_logits, argv3, &out), 1);
    assert_string_equal(out, "");
    free(out);
    char *argv4[] = {"logits", "--model", MODEL, "--tokens", "3,x7", NULL};
    assert_int_equal(run(cmd_logits, argv4, &out), 1);
    free(out);
    char *argv5[] = {"logits", "--model", "/nonexistent.safetensors", "--tokens", "1", NULL};
    assert_int_equal(run(cmd_logits, argv5, &out), 1);
    free(out);
    cantus_lstm_state_free(s);
    cantus_model_free(model);
}

static void test_tokens_json_matches_corpus(void **state)
{
    (void)state;
    char path[512];
    const int pitches[3][12] = {{60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 72},
                                {67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, 55},
                                {64, 64, 65, 67, 67, 65, 64, 62, 60, 60, 62, 64}};
    for (int f = 0; f < 3; f++) {
        FixNote notes[12];
        for (int i = 0; i < 12; i++)
            notes[i] = (FixNote){0, 0, pitches[f][i], i * 192, i * 192 + (i % 3 ? 150 : 380)};
        snprintf(path, sizeof path, "%s/song \"%d\".mid", fixture_dir, f);
        fixture_write(path, 0, 96, 1, notes, 12, NULL, 0);
    }
    char *out;
    char *argv[] = {"tokens", "--corpus", fixture_dir, "--min-length", "4", "--steps-per-beat",
                    "2",      "--json",   NULL};
    assert_int_equal(run(cmd_tokens, argv, &out), 0);

    CorpusOptions o;
    corpus_options_default(&o);
    o.min_length = 4;
    o.steps_per_beat = 2;
    Corpus c;
    const char *dirs[] = {fixture_dir};
    assert_int_equal(corpus_load(&c, dirs, 1, &o, NULL), 0);
    assert_int_equal(c.n_seqs, 3);
    char *line = out, *next;
    int i = 0;
    for (; *line; line = next, i++) {
        next = strchr(line, '\n');
        assert_non_null(next);
        *next++ = '\0';
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        if (!obj) fail_msg("not JSON: %s (%s)", line, jerr.text);
        assert_true(i < c.n_seqs);
        const CorpusSequence *s = &c.seqs[i];
        assert_string_equal(json_string_value(json_object_get(obj, "file")), s->file);
        assert_int_equal(json_integer_value(json_object_get(obj, "note_low")), c.note_low);
        assert_int_equal(json_integer_value(json_object_get(obj, "note_high")), c.note_high);
        assert_int_equal(json_integer_value(json_object_get(obj, "rest_token")), c.rest_token);
        assert_int_equal(json_integer_value(json_object_get(obj, "hold_token")), c.hold_token);
        assert_int_equal(json_integer_value(json_object_get(obj, "steps_per_beat")), 2);
        assert_int_equal(json_integer_value(json_object_get(obj, "transpose")), 0);
        json_t *folders = json_object_get(json_object_get(obj, "corpus"), "folders");
        /* By name, as a model records it: no path of this machine. */
        assert_string_equal(json_string_value(json_array_get(folders, 0)),
                            strrchr(fixture_dir, '/') + 1);
        json_t *tokens = json_object_get(obj, "tokens");
        assert_int_equal(json_array_size(tokens), s->length);
        for (int k = 0; k < s->length; k++)
            assert_int_equal(json_integer_value(json_array_get(tokens, (size_t)k)), s->tokens[k]);
        json_decref(obj);
    }
    assert_int_equal(i, 3);
    free(out);
    corpus_free(&c);

    char *argv2[] = {"tokens", "--help", NULL};
    assert_int_equal(run(cmd_tokens, argv2, &out), 0);
    assert_non_null(strstr(out, "--steps-per-beat"));
    free(out);
    char *argv3[] = {"tokens", "--steps-per-beat", "0", "--corpus", fixture_dir, NULL};
    assert_int_equal(run(cmd_tokens, argv3, &out), 2);
    free(out);
}

/* Samples what generate should have sampled, the way the plugin starts a
 * sequence, and turns it into the tokens a reader should see: a HOLD with
 * nothing sounding is silence, and leading/trailing silence is cut. */
static int expected_tokens(int beats, int seed, float temperature, int rests, int *out)
{
    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(MODEL, err, sizeof err);
    assert_non_null(model);
    const CantusModelInfo *info = cantus_model_info(model);
    CantusLstmState *s = cantus_lstm_state_new(model);
    uint8_t mask[CANTUS_MAX_VOCAB], opening_mask[CANTUS_MAX_VOCAB];
    double scratch[CANTUS_MAX_VOCAB];
    CantusMaskSpec spec = {info->note_low, info->note_high, 0, CANTUS_SCALE_CHROMATIC, rests, 0, 0};
    cantus_mask_build(info, &spec, mask);
    cantus_mask_build_opening(info, &spec, opening_mask);
    CantusRng rng;
    cantus_rng_seed(&rng, (uint64_t)seed, 0);
    cantus_lstm_state_reset(s);
    const float *logits = cantus_lstm_state_step(s, -1);
    int sounding = 0, n = 0;
    for (int k = 0; k < beats * info->steps_per_beat; k++) {
        int t = cantus_sample(logits, k == 0 ? opening_mask : mask, info->vocab, temperature, &rng,
                              scratch);
        logits = cantus_lstm_state_step(s, t);
        const CantusTokenKind kind = cantus_token_kind(info, t);
        if (kind == CANTUS_TOKEN_PITCH) {
            out[n++] = cantus_token_pitch(info, t);
            sounding = 1;
        } else if (kind == CANTUS_TOKEN_HOLD && sounding) {
            out[n++] = MELODY_HOLD;
        } else {
            sounding = 0;
            if (n > 0) out[n++] = MELODY_REST;
        }
    }
    while (n > 0 && out[n - 1] == MELODY_REST)
        n--;
    cantus_lstm_state_free(s);
    cantus_model_free(model);
    return n;
}

/* Returns the number of notes tied over by HOLDs. */
static int check_generated(int seed, const char *temperature, int rests)
{
    char path[512], seed_text[16];
    snprintf(path, sizeof path, "%s/out.mid", fixture_dir);
    snprintf(seed_text, sizeof seed_text, "%d", seed);
    char *out;
    char *argv[] = {"generate",
                    "--model",
                    MODEL,
                    "--beats",
                    "48",
                    "--seed",
                    seed_text,
                    "--temperature",
                    (char *)temperature,
                    "--rests",
                    rests ? "on" : "off",
                    "--bpm",
                    "96",
                    "-o",
                    path,
                    NULL};
    assert_int_equal(run(cmd_generate, argv, &out), 0);
    free(out);

    MidiSong song;
    char reason[MIDI_REASON_SIZE];
    assert_int_equal(midi_read_file(path, &song, reason, sizeof reason), 0);
    assert_int_equal(song.format, 0);
    int *got, n_got;
    assert_int_equal(
        melody_tokens(&song, MELODY_ANY, MELODY_ANY, 1, &got, &n_got, reason, sizeof reason), 0);
    int expected[64];
    int n_expected = expected_tokens(48, seed, (float)atof(temperature), rests, expected);
    assert_true(n_expected > 10);
    assert_int_equal(n_got, n_expected);
    for (int k = 0; k < n_got; k++)
        if (got[k] != expected[k])
            fail_msg("seed %d step %d: read back %d, sampled %d", seed, k, got[k], expected[k]);
    if (!rests)
        for (int k = 0; k < n_got; k++)
            assert_true(got[k] >= 0);
    /* A pitch followed by h HOLDs sounds h steps and 0.8 of one more (the
     * default gate, 80 %): 2.8 steps for a pitch and two HOLDs, as the
     * plugin plays it. A step is a beat here (the model's rate), 960 ticks. */
    assert_int_equal(song.ppqn, 960);
    int note = 0, ties_seen = 0;
    for (int k = 0; k < n_got; k++) {
        if (got[k] < 0) continue;
        int holds = 0;
        while (k + 1 + holds < n_got && got[k + 1 + holds] == MELODY_HOLD)
            holds++;
        assert_true(note < song.n_notes);
        const MidiNote *m = &song.notes[note++];
        assert_int_equal(m->pitch, got[k]);
        assert_int_equal(m->start % 960, 0);
        if (m->end - m->start != holds * 960 + 768)
            fail_msg("seed %d: the note at tick %lld with %d HOLDs lasts %lld ticks, not %d", seed,
                     (long long)m->start, holds, (long long)(m->end - m->start), holds * 960 + 768);
        assert_int_equal(m->velocity, 100);
        ties_seen += holds > 0;
    }
    assert_int_equal(note, song.n_notes);
    free(got);
    midi_song_free(&song);
    return ties_seen;
}

/* logits --meter on a metre model (P = 6 at two steps a beat): step k is
 * fed position k mod the bar's steps (6 in 3/4 and 6/8, 4 in 2/4), the
 * JSON says so, and the logits are the core's at those positions. A bar
 * longer than P, a meter that is not one, and --meter on a model without
 * metre input are refused. */
static void test_logits_meter(void **state)
{
    (void)state;
    const char *metre_model = GOLDEN_DIR "/metre_l2_h24_v14_p6.safetensors";
    const char *meters[3] = {"3/4", "6/8", "2/4"};
    const int bars[3] = {6, 6, 4};
    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(metre_model, err, sizeof err);
    assert_non_null(model);
    CantusLstmState *s = cantus_lstm_state_new(model);
    for (int m = 0; m < 3; m++) {
        char *out;
        char *argv[] = {"logits",
                        "--model",
                        (char *)metre_model,
                        "--tokens",
                        "5,12,13,0,1,2,3,4,13",
                        "--meter",
                        (char *)meters[m],
                        "--json",
                        NULL};
        assert_int_equal(run(cmd_logits, argv, &out), 0);
        const int inputs[9] = {5, 12, 13, 0, 1, 2, 3, 4, 13};
        cantus_lstm_state_reset(s);
        char *line = out, *next;
        int steps = 0;
        for (; *line; line = next, steps++) {
            next = strchr(line, '\n');
            *next++ = '\0';
            json_error_t jerr;
            json_t *obj = json_loads(line, 0, &jerr);
            assert_non_null(obj);
            assert_int_equal(json_integer_value(json_object_get(obj, "position")), steps % bars[m]);
            const float *expected = cantus_lstm_state_step_at(s, inputs[steps], steps % bars[m]);
            json_t *logits = json_object_get(obj, "logits");
            for (int v = 0; v < 14; v++)
                assert_true((float)json_number_value(json_array_get(logits, (size_t)v)) ==
                            expected[v]);
            json_decref(obj);
        }
        assert_int_equal(steps, 9);
        free(out);
    }
    cantus_lstm_state_free(s);
    cantus_model_free(model);

    const char *refused[4][2] = {{metre_model, "4/4"}, /* 8 steps > P = 6 */
                                 {metre_model, "3/5"},
                                 {metre_model, "three"},
                                 {MODEL, "3/4"}};
    for (int i = 0; i < 4; i++) {
        char *out;
        char *argv[] = {"logits", "--model", (char *)refused[i][0], "--tokens",
                        "1,2",    "--meter", (char *)refused[i][1], NULL};
        assert_int_equal(run(cmd_logits, argv, &out), 2);
        assert_string_equal(out, "");
        free(out);
    }
}

/* tokens --bar-steps --json: a positions array beside the tokens, from
 * the file's 3/4 time signature. */
static void test_tokens_json_positions(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/waltz.mid", fixture_dir);
    FixNote notes[18];
    for (int i = 0; i < 18; i++)
        notes[i] = (FixNote){0, 0, 60 + i % 5, i * 96, i * 96 + 90};
    FixMeta meter = fixture_meter(0, 0, 3, 4);
    fixture_write(path, 0, 96, 1, notes, 18, &meter, 1);
    char *out;
    char *argv[] = {"tokens", "--corpus", fixture_dir, "--bar-steps", "3", "--json", NULL};
    assert_int_equal(run(cmd_tokens, argv, &out), 0);
    json_error_t jerr;
    json_t *obj = json_loads(out, JSON_DISABLE_EOF_CHECK, &jerr);
    assert_non_null(obj);
    assert_int_equal(json_integer_value(json_object_get(obj, "bar_steps")), 3);
    json_t *positions = json_object_get(obj, "positions");
    assert_int_equal(json_array_size(positions), 18);
    for (int k = 0; k < 18; k++)
        assert_int_equal(json_integer_value(json_array_get(positions, (size_t)k)), k % 3);
    json_decref(obj);
    free(out);
    char *plain[] = {"tokens", "--corpus", fixture_dir, "--json", NULL};
    assert_int_equal(run(cmd_tokens, plain, &out), 0);
    assert_null(strstr(out, "positions"));
    free(out);
}

static void test_generate_reads_back(void **state)
{
    (void)state;
    int ties = check_generated(7, "1.0", 1);
    ties += check_generated(8, "1.5", 1);
    assert_int_equal(check_generated(9, "0.7", 0), 0);
    ties += check_generated(10, "0", 1);
    assert_true(ties >= 3); /* the length rule was seen at work */

    /* Only out.mid is left: the temporary file was renamed. */
    char *out;
    char *ls[] = {"tokens", "--corpus", fixture_dir, "--min-length", "1", NULL};
    assert_int_equal(run(cmd_tokens, ls, &out), 0);
    assert_non_null(strstr(out, "out.mid"));
    assert_null(strstr(out, ".tmp"));
    free(out);

    /* A folder that does not exist: an error, and nothing written. */
    char *argv[] = {
        "generate", "--model", MODEL, "--beats", "4", "-o", "/nonexistent/cantus/out.mid", NULL};
    assert_int_equal(run(cmd_generate, argv, &out), 1);
    free(out);
    char *argv2[] = {"generate", "--model", MODEL, "--beats", "4", NULL};
    assert_int_equal(run(cmd_generate, argv2, &out), 2);
    free(out);
    char *argv3[] = {"generate", "--help", NULL};
    assert_int_equal(run(cmd_generate, argv3, &out), 0);
    assert_non_null(strstr(out, "--temperature"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logits_json_matches_core, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_json_matches_corpus, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_generate_reads_back, fixture_dir_setup,
                                        fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_logits_meter, fixture_dir_setup, fixture_dir_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_json_positions, fixture_dir_setup,
                                        fixture_dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
