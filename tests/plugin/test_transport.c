/* The time:Position reader: every numeric atom type accepted, partial
 * updates merged, junk ignored. Objects are built with the LV2 forge as a
 * host would write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <lv2/atom/forge.h>

#include "transport.h"

/* A tiny urid:map for the test. */
static const char *uris_seen[64];
static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    (void)handle;
    for (LV2_URID i = 0; i < 64; i++) {
        if (!uris_seen[i]) {
            uris_seen[i] = uri;
            return i + 1;
        }
        if (!strcmp(uris_seen[i], uri)) return i + 1;
    }
    return 0;
}

typedef enum { AS_DOUBLE, AS_FLOAT, AS_INT, AS_LONG } NumberType;

static void forge_number(LV2_Atom_Forge *forge, NumberType type, double value)
{
    switch (type) {
    case AS_DOUBLE:
        lv2_atom_forge_double(forge, value);
        break;
    case AS_FLOAT:
        lv2_atom_forge_float(forge, (float)value);
        break;
    case AS_INT:
        lv2_atom_forge_int(forge, (int32_t)value);
        break;
    case AS_LONG:
        lv2_atom_forge_long(forge, (int64_t)value);
        break;
    }
}

static void test_every_number_type(void **unused)
{
    (void)unused;
    LV2_URID_Map map = {NULL, map_uri};
    CantusURIs uris;
    map_cantus_uris(&map, &uris);
    for (NumberType type = AS_DOUBLE; type <= AS_LONG; type++) {
        uint8_t buffer[1024];
        LV2_Atom_Forge forge;
        lv2_atom_forge_init(&forge, &map);
        lv2_atom_forge_set_buffer(&forge, buffer, sizeof buffer);
        LV2_Atom_Forge_Frame frame;
        lv2_atom_forge_object(&forge, &frame, 0, uris.time_Position);
        lv2_atom_forge_key(&forge, uris.time_speed);
        forge_number(&forge, type, 1.0);
        lv2_atom_forge_key(&forge, uris.time_bar);
        forge_number(&forge, type, 3.0);
        lv2_atom_forge_key(&forge, uris.time_barBeat);
        forge_number(&forge, type, 2.0);
        lv2_atom_forge_key(&forge, uris.time_beatsPerMinute);
        forge_number(&forge, type, 130.0);
        lv2_atom_forge_key(&forge, uris.time_beatsPerBar);
        forge_number(&forge, type, 3.0);
        lv2_atom_forge_key(&forge, uris.time_frame);
        forge_number(&forge, type, 96000.0);
        lv2_atom_forge_key(&forge, uris.time_beatUnit);
        forge_number(&forge, type, 8.0);
        lv2_atom_forge_pop(&forge, &frame);

        CantusPositionFields fields;
        assert_true(transport_read_position(&uris, (const LV2_Atom_Object *)buffer, &fields));
        assert_true(fields.has_speed && fields.has_bar && fields.has_bar_beat && fields.has_bpm &&
                    fields.has_beats_per_bar && fields.has_frame && fields.has_beat_unit);
        assert_false(fields.has_beat);
        assert_float_equal(fields.bpm, 130.0, 1e-9);
        CantusTransport transport;
        transport_init(&transport);
        bool moved = false;
        const double beat = transport_apply(&transport, &fields, 0.0, 48000.0, 120.0, &moved);
        assert_true(moved);
        assert_float_equal(beat, 3 * 3.0 + 2.0, 1e-9);
        assert_int_equal(transport.beat_unit, 8);
    }
}

/* time:beatUnit, the note value of the host's beat: a quarter until a host
 * says otherwise; a value that is no note value (0, 65, 2.5, negative)
 * keeps the last good one and spoils nothing else of its update. */
static void test_beat_unit(void **unused)
{
    (void)unused;
    CantusTransport transport;
    transport_init(&transport);
    assert_int_equal(transport.beat_unit, 4);
    bool moved;
    CantusPositionFields fields = {.has_speed = true,
                                   .speed = 1.0,
                                   .has_beat_unit = true,
                                   .beat_unit = 8.0,
                                   .has_beat = true,
                                   .beat = 3.0};
    transport_apply(&transport, &fields, 0.0, 48000.0, 120.0, &moved);
    assert_int_equal(transport.beat_unit, 8);
    const double wrong[] = {0.0, 65.0, 2.5, -4.0};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        fields.beat_unit = wrong[i];
        fields.beat = 4.0 + (double)i;
        assert_float_equal(transport_apply(&transport, &fields, 0.0, 48000.0, 120.0, &moved),
                           fields.beat, 0.0);
        assert_true(moved);
        assert_int_equal(transport.beat_unit, 8);
    }
    fields.beat_unit = 2.0;
    transport_apply(&transport, &fields, 0.0, 48000.0, 120.0, &moved);
    assert_int_equal(transport.beat_unit, 2);
}

static void test_partial_updates_merge(void **unused)
{
    (void)unused;
    CantusTransport transport;
    transport_init(&transport);
    bool moved;
    const CantusPositionFields full = {
        .has_speed = true,
        .speed = 1.0,
        .has_bpm = true,
        .bpm = 100.0,
        .has_beats_per_bar = true,
        .beats_per_bar = 6.0,
        .has_bar = true,
        .bar = 2.0,
        .has_bar_beat = true,
        .bar_beat = 1.5,
    };
    assert_float_equal(transport_apply(&transport, &full, 0.0, 48000.0, 120.0, &moved), 13.5,
                       1e-12);
    /* Only a tempo: nothing moves, the rest is kept. */
    const CantusPositionFields tempo = {.has_bpm = true, .bpm = 90.0};
    assert_float_equal(transport_apply(&transport, &tempo, 14.25, 48000.0, 120.0, &moved), 14.25,
                       1e-12);
    assert_false(moved);
    assert_float_equal(transport.bpm, 90.0, 0.0);
    assert_float_equal(transport.speed, 1.0, 0.0);
    assert_float_equal(transport.beats_per_bar, 6.0, 0.0);
    /* Only barBeat: the bar is the last one sent. */
    const CantusPositionFields bar_beat = {.has_bar_beat = true, .bar_beat = 4.0};
    assert_float_equal(transport_apply(&transport, &bar_beat, 0.0, 48000.0, 120.0, &moved), 16.0,
                       1e-12);
    assert_true(moved);
    /* Only speed 0: stopped where we are. */
    const CantusPositionFields stop = {.has_speed = true, .speed = 0.0};
    assert_float_equal(transport_apply(&transport, &stop, 16.5, 48000.0, 120.0, &moved), 16.5,
                       1e-12);
    assert_float_equal(transport.speed, 0.0, 0.0);
}

static void test_frame_only_host(void **unused)
{
    (void)unused;
    /* JACK without a timebase master: frame and speed only, placed by the
     * fallback tempo (jalv does this). */
    CantusTransport transport;
    transport_init(&transport);
    bool moved;
    const CantusPositionFields frames = {
        .has_speed = true, .speed = 1.0, .has_frame = true, .frame = 96000.0};
    assert_float_equal(transport_apply(&transport, &frames, 0.0, 48000.0, 120.0, &moved), 4.0,
                       1e-12);
    assert_true(moved);
    assert_float_equal(transport_bpm(&transport, 120.0), 120.0, 0.0);
}

/* Positions no grid can hold (they once hung run() in the grid's settle
 * loops) are ignored (the line goes on from `predicted`), the update's tempo
 * still applies, and the meter keeps its last good value. The limits
 * themselves are accepted. */
static void test_unusable_positions_ignored(void **unused)
{
    (void)unused;
    CantusTransport transport;
    transport_init(&transport);
    bool moved;
    const CantusPositionFields huge_bar = {.has_speed = true,
                                           .speed = 1.0,
                                           .has_bpm = true,
                                           .bpm = 90.0,
                                           .has_beats_per_bar = true,
                                           .beats_per_bar = 1e300,
                                           .has_bar = true,
                                           .bar = 5.0,
                                           .has_bar_beat = true,
                                           .bar_beat = 1.0};
    assert_float_equal(transport_apply(&transport, &huge_bar, 7.5, 48000.0, 120.0, &moved), 7.5,
                       0.0);
    assert_false(moved);
    assert_float_equal(transport.beats_per_bar, 4.0, 0.0);
    assert_float_equal(transport.bpm, 90.0, 0.0);

    const double bad_meters[] = {0.0, -7.0, 1024.5};
    for (size_t i = 0; i < 3; i++) {
        CantusPositionFields f = huge_bar;
        f.beats_per_bar = bad_meters[i];
        transport_apply(&transport, &f, 7.5, 48000.0, 120.0, &moved);
        assert_false(moved);
    }
    CantusPositionFields far = huge_bar;
    far.beats_per_bar = 4.0;
    far.bar = 1e15;
    transport_apply(&transport, &far, 7.5, 48000.0, 120.0, &moved);
    assert_false(moved);
    assert_float_equal(transport.bar, 0.0, 0.0); /* the bad bar is not kept */
    const CantusPositionFields far_beat = {.has_beat = true, .beat = -2e12};
    transport_apply(&transport, &far_beat, 7.5, 48000.0, 120.0, &moved);
    assert_false(moved);

    /* The limits: 1024 beats a bar, 2^40 beats. */
    CantusPositionFields longest = huge_bar;
    longest.beats_per_bar = CANTUS_TRANSPORT_MAX_BEATS_PER_BAR;
    assert_float_equal(transport_apply(&transport, &longest, 0.0, 48000.0, 120.0, &moved),
                       5.0 * 1024.0 + 1.0, 0.0);
    assert_true(moved);
    const CantusPositionFields edge = {.has_beat = true, .beat = -CANTUS_TRANSPORT_MAX_BEAT};
    assert_float_equal(transport_apply(&transport, &edge, 0.0, 48000.0, 120.0, &moved),
                       -CANTUS_TRANSPORT_MAX_BEAT, 0.0);
    assert_true(moved);
}

/* An effective tempo (bpm x speed) outside 1..1000 BPM is the
 * host talking nonsense; the fallback tempo plays and its positions are
 * ignored. Speed 0 or below is stopped. */
static void test_tempo_range(void **unused)
{
    (void)unused;
    CantusTransport t;
    transport_init(&t);
    assert_float_equal(transport_tempo(&t, 120.0), 120.0, 0.0); /* nothing heard yet */
    t.host_seen = true;
    const struct {
        double bpm, speed, tempo;
    } cases[] = {
        {120.0, 1.0, 120.0}, {120.0, 2.0, 240.0}, {1000.0, 1.0, 1000.0},  {500.0, 2.0, 1000.0},
        {1.0, 1.0, 1.0},     {1e9, 1.0, 77.0},    {120.0, 66048.0, 77.0}, {1000.5, 1.0, 77.0},
        {120.0, 1e-3, 77.0}, {0.5, 1.0, 77.0},    {120.0, 0.0, 0.0},      {120.0, -1.0, 0.0},
        {0.0, 2.0, 154.0}, /* no tempo from the host: the fallback at its speed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t.bpm = cases[i].bpm;
        t.speed = cases[i].speed;
        assert_float_equal(transport_tempo(&t, 77.0), cases[i].tempo, 1e-9);
    }
    t.bpm = 1e9;
    assert_float_equal(transport_bpm(&t, 77.0), 77.0, 0.0);

    /* Positions at a nonsense tempo do not move the line. */
    transport_init(&t);
    bool moved;
    const CantusPositionFields nonsense = {.has_speed = true,
                                           .speed = 1.0,
                                           .has_bpm = true,
                                           .bpm = 1e9,
                                           .has_beat = true,
                                           .beat = 5e6};
    assert_float_equal(transport_apply(&t, &nonsense, 3.0, 48000.0, 120.0, &moved), 3.0, 0.0);
    assert_false(moved);
    const CantusPositionFields sane = {
        .has_bpm = true, .bpm = 130.0, .has_beat = true, .beat = 9.0};
    assert_float_equal(transport_apply(&t, &sane, 3.0, 48000.0, 120.0, &moved), 9.0, 0.0);
    assert_true(moved);
}

static void test_not_a_position_or_junk(void **unused)
{
    (void)unused;
    LV2_URID_Map map = {NULL, map_uri};
    CantusURIs uris;
    map_cantus_uris(&map, &uris);
    uint8_t buffer[512];
    LV2_Atom_Forge forge;
    lv2_atom_forge_init(&forge, &map);
    lv2_atom_forge_set_buffer(&forge, buffer, sizeof buffer);
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_object(&forge, &frame, 0, uris.patch_Get);
    lv2_atom_forge_pop(&forge, &frame);
    CantusPositionFields fields;
    assert_false(transport_read_position(&uris, (const LV2_Atom_Object *)buffer, &fields));

    /* A string where a number should be, a NaN, a negative tempo: ignored. */
    lv2_atom_forge_set_buffer(&forge, buffer, sizeof buffer);
    lv2_atom_forge_object(&forge, &frame, 0, uris.time_Position);
    lv2_atom_forge_key(&forge, uris.time_speed);
    lv2_atom_forge_string(&forge, "1", 1);
    lv2_atom_forge_key(&forge, uris.time_barBeat);
    lv2_atom_forge_double(&forge, 0.0 / 0.0);
    lv2_atom_forge_key(&forge, uris.time_beatsPerMinute);
    lv2_atom_forge_float(&forge, -120.0f);
    lv2_atom_forge_pop(&forge, &frame);
    assert_true(transport_read_position(&uris, (const LV2_Atom_Object *)buffer, &fields));
    assert_false(fields.has_speed || fields.has_bar_beat || fields.has_bpm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_number_type),
        cmocka_unit_test(test_partial_updates_merge),
        cmocka_unit_test(test_beat_unit),
        cmocka_unit_test(test_frame_only_host),
        cmocka_unit_test(test_unusable_positions_ignored),
        cmocka_unit_test(test_tempo_range),
        cmocka_unit_test(test_not_a_position_or_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
