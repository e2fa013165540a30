/* The host, the transport and the note checks every host test shares; see
 * fixture.h. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "midi_ledger.h"

CantusHost *fixture_host(double sample_rate, uint32_t block_length, CantusHostWorkerMode worker)
{
    CantusHostConfig config = {
        .sample_rate = sample_rate,
        .block_length = block_length,
        .worker = worker,
    };
    return fixture_host_with(&config);
}

CantusHost *fixture_host_with(const CantusHostConfig *base)
{
    char err[512];
    /* The bundle itself, as meson built it; LV2_PATH discovery has its own
     * test (a build tree holds many folders that are not bundles, and lilv
     * complains about each). */
    CantusHostConfig config = *base;
    config.bundle_dir = getenv("CANTUS_BUNDLE");
    config.log_to_stderr = getenv("CANTUS_TEST_VERBOSE") != NULL;
    CantusHost *host = cantus_host_new(&config, err, sizeof(err));
    if (!host) fail_msg("cannot load the plugin: %s", err);
    assert_true(cantus_host_set_control(host, "rests", 0.0f));
    assert_true(cantus_host_set_control(host, "gate", 50.0f));
    assert_true(cantus_host_set_control(host, "phrase_bars", 0.0f));
    assert_true(cantus_host_set_control(host, "follow", 0.0f));
    assert_true(cantus_host_set_control(host, "enable", 1.0f));
    cantus_host_activate(host);
    return host;
}

CantusHost *fixture_host_inactive(void)
{
    char err[512];
    CantusHostConfig config = {.bundle_dir = getenv("CANTUS_BUNDLE"), .block_length = 256};
    CantusHost *host = cantus_host_new(&config, err, sizeof(err));
    if (!host) fail_msg("cannot load the plugin: %s", err);
    return host;
}

void fixture_save(CantusHost *host, const char *dir, const char *scratch_dir)
{
    char err[512];
    if (!cantus_host_save_state(host, dir, scratch_dir, err, sizeof(err))) fail_msg("%s", err);
}

void fixture_restore(CantusHost *host, const char *dir)
{
    char err[512];
    if (!cantus_host_restore_state(host, dir, err, sizeof(err))) fail_msg("%s", err);
}

static int64_t gcd64(int64_t a, int64_t b)
{
    if (a < 0) a = -a;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}

Ratio ratio(int64_t num, int64_t den)
{
    if (den < 0) {
        num = -num;
        den = -den;
    }
    int64_t g = gcd64(num, den);
    return (Ratio){num / g, den / g};
}

Ratio ratio_add(Ratio a, Ratio b)
{
    int64_t g = gcd64(a.den, b.den);
    __int128 den = (__int128)(a.den / g) * b.den;
    __int128 num = (__int128)a.num * (b.den / g) + (__int128)b.num * (a.den / g);
    assert_true(den < INT64_MAX && num < INT64_MAX && num > INT64_MIN);
    return ratio((int64_t)num, (int64_t)den);
}

Ratio ratio_mul(Ratio a, Ratio b)
{
    Ratio x = ratio(a.num, b.den);
    Ratio y = ratio(b.num, a.den);
    __int128 num = (__int128)x.num * y.num;
    __int128 den = (__int128)x.den * y.den;
    assert_true(den < INT64_MAX && num < INT64_MAX && num > INT64_MIN);
    return ratio((int64_t)num, (int64_t)den);
}

double ratio_value(Ratio r)
{
    return (double)r.num / (double)r.den;
}

/* The frame the plugin's contract (core/beat_grid.h) gives step k of a line
 * anchored at (frame0, beat0) with tempo bpm: the first whole frame at or
 * after the exact time, with times less than a thousandth of a frame above
 * a whole frame taken as that frame. Computed in exact integers. */
static int64_t step_frame(const Session *s, int64_t k, int64_t frame0, Ratio beat0, Ratio bpm)
{
    /* t = (k/rate - beat0) * 60 * sr / bpm = P / Q, rate = rn / rd */
    const __int128 rn = s->rate.num, rd = s->rate.den;
    __int128 p = ((__int128)k * rd * beat0.den - rn * beat0.num) * 60 * s->sample_rate * bpm.den;
    __int128 q = rn * beat0.den * bpm.num;
    /* n = ceil(t - 1/1000) = ceil((1000 p - q) / (1000 q)) */
    __int128 a = 1000 * p - q;
    __int128 b = 1000 * q;
    __int128 n = a >= 0 ? (a + b - 1) / b : -((-a) / b);
    return frame0 + (int64_t)n;
}

static void expect_frame(Session *s, int64_t frame)
{
    if (s->n_expected == s->cap_expected) {
        s->cap_expected = s->cap_expected ? 2 * s->cap_expected : 1024;
        s->expected = realloc(s->expected, (size_t)s->cap_expected * sizeof(int64_t));
        assert_non_null(s->expected);
    }
    s->expected[s->n_expected++] = frame;
}

/* Steps of the current line that fall in [anchor_frame, end). */
static void close_line(Session *s, int64_t end)
{
    if (s->rolling) {
        double first = floor(ratio_value(s->anchor_beat) * ratio_value(s->rate)) - 1;
        for (int64_t k = (int64_t)first;; ++k) {
            int64_t f = step_frame(s, k, s->anchor_frame, s->anchor_beat, s->bpm);
            if (f >= end) break;
            if (f >= s->anchor_frame && f >= s->expected_until) expect_frame(s, f);
        }
    }
    if (end > s->expected_until) s->expected_until = end;
}

Ratio session_beat_at(const Session *s, int64_t frame)
{
    if (!s->rolling) return s->anchor_beat;
    Ratio elapsed = ratio(frame - s->anchor_frame, 1);
    Ratio beats_per_frame = ratio_mul(s->bpm, ratio(1, 60 * s->sample_rate));
    return ratio_add(s->anchor_beat, ratio_mul(elapsed, beats_per_frame));
}

static void send_position(Session *s, uint32_t offset)
{
    double beat = ratio_value(s->anchor_beat);
    double bar = floor(beat / s->beats_per_bar);
    CantusPosition pos = {
        .fields = CANTUS_POS_ALL,
        .speed = s->rolling ? 1.0 : 0.0,
        .bpm = ratio_value(s->bpm),
        .bar = (int64_t)bar,
        .bar_beat = beat - bar * s->beats_per_bar,
        .beats_per_bar = s->beats_per_bar,
        .frame = s->anchor_frame,
        .beat_unit = s->beat_unit,
        .style = s->style,
    };
    assert_true(cantus_host_add_position(s->host, offset, &pos));
}

int model_file_steps_per_beat(const char *path)
{
    char err[CANTUS_ERROR_SIZE];
    CantusModel *model = cantus_model_load(path, err, sizeof err);
    if (!model) fail_msg("%s", err);
    const int steps = cantus_model_info(model)->steps_per_beat;
    cantus_model_free(model);
    return steps;
}

void session_init(Session *s, CantusHost *host, int rate, PositionPolicy policy)
{
    session_init_meter(s, host, rate, 4, 4, policy);
}

void session_init_meter(Session *s, CantusHost *host, int rate, int beats_per_bar, int beat_unit,
                        PositionPolicy policy)
{
    memset(s, 0, sizeof(*s));
    s->host = host;
    s->sample_rate = (int64_t)cantus_host_sample_rate(host);
    s->rate = ratio(rate, 1);
    s->policy = policy;
    s->style = policy == SEND_EVERY_CYCLE ? CANTUS_NUMBERS_DOUBLE : CANTUS_NUMBERS_LIKE_ARDOUR;
    s->beats_per_bar = beats_per_bar;
    s->beat_unit = beat_unit;
    s->bpm = ratio(120, 1);
    s->anchor_beat = ratio(0, 1);
    s->anchor_frame = cantus_host_frame(host);
    s->expected_until = s->anchor_frame;
    s->played = calloc(MAX_RECORDED, sizeof(NoteEvent));
    assert_non_null(s->played);
    assert_true(cantus_host_set_control(host, "rate", (float)rate));
    /* A host tells the plugin where it stands before anything plays, so the
     * fallback tempo never sounds in these tests. */
    send_position(s, 0);
    s->as_trained = rate == 0;
    if (s->as_trained) {
        /* As trained: the model's steps a quarter, in the host's beats. */
        const char *model = session_ask_model(s);
        if (!model[0]) fail_msg("the plugin did not say which model it plays");
        s->rate = ratio(4 * model_file_steps_per_beat(model), beat_unit);
    }
}

void session_free(Session *s)
{
    free(s->expected);
    free(s->played);
    memset(s, 0, sizeof(*s));
}

static Ratio float_exact(double value);

/* Ardour and jalv send the tempo as an atom:Float: the tempo the plugin
 * hears is that float, and the grid it must keep is that float's. */
static Ratio heard_bpm(const Session *s, Ratio bpm)
{
    if (s->style != CANTUS_NUMBERS_LIKE_ARDOUR) return bpm;
    return float_exact(ratio_value(bpm));
}

static void begin_cycle(Session *s);

static Ratio float_exact(double value)
{
    int exponent;
    double mantissa = frexp((double)(float)value, &exponent);
    int64_t num = (int64_t)ldexp(mantissa, 24);
    exponent -= 24;
    return exponent >= 0 ? ratio(num << exponent, 1) : ratio(num, (int64_t)1 << -exponent);
}

/* The same for a beat: Ardour sends the bar as a Long and the beat within
 * it as a Float, and the plugin takes the host's word for where it is. */
static Ratio heard_beat(const Session *s, Ratio beat)
{
    if (s->style != CANTUS_NUMBERS_LIKE_ARDOUR) return beat;
    double bar = floor(ratio_value(beat) / s->beats_per_bar);
    Ratio bar_start = ratio((int64_t)(bar * s->beats_per_bar), 1);
    Ratio within = ratio_add(beat, ratio(-bar_start.num, 1));
    return ratio_add(bar_start, float_exact(ratio_value(within)));
}

static int64_t at(const Session *s, uint32_t offset)
{
    begin_cycle((Session *)s);
    return cantus_host_frame(s->host) + offset;
}

void session_start(Session *s, uint32_t offset, Ratio beat, Ratio bpm)
{
    close_line(s, at(s, offset));
    s->rolling = true;
    s->anchor_frame = at(s, offset);
    s->anchor_beat = beat;
    s->bpm = heard_bpm(s, bpm);
    send_position(s, offset);
}

void session_stop(Session *s, uint32_t offset)
{
    close_line(s, at(s, offset));
    s->anchor_beat = heard_beat(s, session_beat_at(s, at(s, offset)));
    s->anchor_frame = at(s, offset);
    s->rolling = false;
    send_position(s, offset);
}

void session_locate(Session *s, uint32_t offset, Ratio beat)
{
    close_line(s, at(s, offset));
    s->anchor_frame = at(s, offset);
    s->anchor_beat = beat;
    send_position(s, offset);
}

void session_tempo(Session *s, uint32_t offset, Ratio bpm)
{
    close_line(s, at(s, offset));
    s->anchor_beat = heard_beat(s, session_beat_at(s, at(s, offset)));
    s->anchor_frame = at(s, offset);
    s->bpm = heard_bpm(s, bpm);
    send_position(s, offset);
}

/* Carla's way: the position at every cycle's first frame, written before
 * any change the cycle carries. */
static void begin_cycle(Session *s)
{
    if (s->cycle_begun) return;
    s->cycle_begun = true;
    int64_t now = cantus_host_frame(s->host);
    if (s->policy != SEND_EVERY_CYCLE || now == s->anchor_frame) return;
    Ratio saved_beat = s->anchor_beat;
    int64_t saved_frame = s->anchor_frame;
    s->anchor_beat = session_beat_at(s, now);
    s->anchor_frame = now;
    send_position(s, 0);
    s->anchor_beat = saved_beat;
    s->anchor_frame = saved_frame;
}

void session_run(Session *s, uint32_t nframes)
{
    CantusHost *host = s->host;
    begin_cycle(s);
    s->cycle_begun = false;
    uint32_t n = cantus_host_run(host, nframes);
    s->last_patch_path = NULL;
    for (uint32_t i = 0; i < n; ++i) {
        const CantusEvent *ev = cantus_host_event(host, i);
        if (ev->kind == CANTUS_EVENT_PATCH_SET) {
            ++s->n_patch_sets;
            s->last_patch_path = ev->value_path;
            if (ev->value_path)
                snprintf(s->last_model, sizeof(s->last_model), "%s", ev->value_path);
            continue;
        }
        if (ev->kind != CANTUS_EVENT_MIDI || ev->midi_size != 3) continue;
        uint8_t type = ev->midi[0] & 0xf0;
        if (type != 0x90 && type != 0x80) continue;
        assert_true(s->n_played < MAX_RECORDED);
        s->played[s->n_played++] = (NoteEvent){ev->frame, ev->midi[0], ev->midi[1], ev->midi[2]};
    }
}

void session_run_for(Session *s, int64_t frames, uint32_t block)
{
    while (frames > 0) {
        uint32_t n = frames < block ? (uint32_t)frames : block;
        session_run(s, n);
        frames -= n;
    }
}

static bool is_note_on(const NoteEvent *e)
{
    return (e->status & 0xf0) == 0x90 && e->velocity > 0;
}

int session_note_ons(const Session *s, int64_t *frames, int cap)
{
    int n = 0;
    for (int i = 0; i < s->n_played; ++i)
        if (is_note_on(&s->played[i])) {
            if (n < cap) frames[n] = s->played[i].frame;
            ++n;
        }
    return n;
}

int session_pitches(const Session *s, int *pitches, int cap)
{
    int n = 0;
    for (int i = 0; i < s->n_played; ++i)
        if (is_note_on(&s->played[i])) {
            if (n < cap) pitches[n] = s->played[i].pitch;
            ++n;
        }
    return n;
}

const char *session_ask_model(Session *s)
{
    int before = s->n_patch_sets;
    s->last_model[0] = '\0';
    assert_true(cantus_host_add_patch_get(s->host, 0, MODEL_URI));
    for (int i = 0; i < 8 && s->n_patch_sets == before; ++i)
        session_run(s, 64 < cantus_host_block_length(s->host) ? 64 : 1);
    return s->last_model;
}

void session_load_model(Session *s, const char *path)
{
    assert_false(s->rolling);
    assert_true(cantus_host_add_patch_set_path(s->host, 0, MODEL_URI, path));
    for (int i = 0; i < 64 && strcmp(s->last_model, path); ++i)
        session_run(s, 64);
    if (strcmp(s->last_model, path)) fail_msg("the plugin did not take the model %s", path);
    if (s->as_trained) s->rate = ratio(4 * model_file_steps_per_beat(path), s->beat_unit);
}

void assert_notes_on_grid(const Session *s)
{
    close_line((Session *)s, cantus_host_frame(s->host));
    int n_on = session_note_ons(s, NULL, 0);
    int64_t *on = malloc(((size_t)n_on + 1) * sizeof(int64_t));
    assert_non_null(on);
    session_note_ons(s, on, n_on);
    int i = 0, j = 0;
    while (i < s->n_expected || j < n_on) {
        if (i < s->n_expected && j < n_on && s->expected[i] == on[j]) {
            ++i;
            ++j;
            continue;
        }
        int64_t want = i < s->n_expected ? s->expected[i] : -1;
        int64_t got = j < n_on ? on[j] : -1;
        free(on);
        fail_msg("step %d of %d: expected a note-on at frame %lld, the plugin played one at "
                 "%lld (note-on %d of %d; sr %lld, rate %lld/%lld)",
                 i, s->n_expected, (long long)want, (long long)got, j, n_on,
                 (long long)s->sample_rate, (long long)s->rate.num, (long long)s->rate.den);
    }
    free(on);
    assert_true(s->n_expected > 0);
}

void assert_no_hanging_notes(const Session *s)
{
    MidiLedger ledger;
    ledger_init(&ledger);
    for (int i = 0; i < s->n_played; ++i) {
        const NoteEvent *e = &s->played[i];
        const uint8_t message[3] = {e->status, e->pitch, e->velocity};
        ledger_message(&ledger, e->frame, message, 3);
        if (ledger.double_ons) fail_msg("%s", ledger.first_error);
    }
    for (int ch = 0; ch < 16; ++ch)
        for (int p = 0; p < 128; ++p)
            if (ledger.sounding[ch][p])
                fail_msg("pitch %d on channel %d struck at frame %lld never ended", p, ch + 1,
                         (long long)ledger.on_frame[ch][p]);
}

void assert_notes_within_gate(const Session *s, double gate_percent, double slowest_bpm)
{
    /* The slowest tempo of the session bounds a step's length. */
    for (int i = 0; i < s->n_played; ++i) {
        const NoteEvent *e = &s->played[i];
        if (!is_note_on(e)) continue;
        for (int j = i + 1; j < s->n_played; ++j) {
            const NoteEvent *o = &s->played[j];
            if (is_note_on(o) || o->pitch != e->pitch || (o->status & 0x0f) != (e->status & 0x0f))
                continue;
            double step = 60.0 * (double)s->sample_rate / (slowest_bpm * ratio_value(s->rate));
            double limit = ceil(step * gate_percent / 100.0) + 1;
            if ((double)(o->frame - e->frame) > limit)
                fail_msg("note %d at frame %lld lasts %lld frames, past its gate of %.0f", e->pitch,
                         (long long)e->frame, (long long)(o->frame - e->frame), limit);
            break;
        }
    }
}

int fixture_play_16_beats(CantusHost *host, int *out, int cap)
{
    Session s;
    session_init(&s, host, (int)cantus_host_get_control(host, "rate"), SEND_ON_CHANGE);
    session_start(&s, 0, ratio(0, 1), ratio(120, 1));
    session_run_for(&s, 16 * 24000, 256);
    session_stop(&s, 0);
    session_run(&s, 256);
    assert_no_hanging_notes(&s);
    int n = session_pitches(&s, out, cap);
    session_free(&s);
    return n;
}
