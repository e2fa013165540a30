/* The plugin's control table (plugin/controls.c) says what the TTL says:
 * every control port's symbol, range, default and integer-ness, read from
 * the built bundle through lilv as a host reads it. And the clamping that
 * run() applies keeps every value, NaN and ±∞ included, inside the TTL's
 * range. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <lilv/lilv.h>

#include "controls.h"
#include "player.h"

#define LV2_CORE "http://lv2plug.in/ns/lv2core#"

typedef struct {
    LilvWorld *world;
    const LilvPlugin *plugin;
} Ttl;

static int setup(void **state)
{
    static Ttl ttl;
    ttl.world = lilv_world_new();
    const char *bundle = getenv("CANTUS_BUNDLE");
    if (!bundle) return -1;
    char uri_text[4096];
    snprintf(uri_text, sizeof uri_text, "file://%s/", bundle);
    LilvNode *uri = lilv_new_uri(ttl.world, uri_text);
    lilv_world_load_bundle(ttl.world, uri);
    lilv_node_free(uri);
    LilvNode *plugin_uri = lilv_new_uri(ttl.world, "urn:cantus:generator");
    ttl.plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(ttl.world), plugin_uri);
    lilv_node_free(plugin_uri);
    *state = &ttl;
    return ttl.plugin ? 0 : -1;
}

static int teardown(void **state)
{
    lilv_world_free(((Ttl *)*state)->world);
    return 0;
}

static void test_table_equals_ttl(void **state)
{
    const Ttl *ttl = (const Ttl *)*state;
    LilvWorld *w = ttl->world;
    LilvNode *control = lilv_new_uri(w, LV2_CORE "ControlPort");
    LilvNode *output = lilv_new_uri(w, LV2_CORE "OutputPort");
    LilvNode *integer = lilv_new_uri(w, LV2_CORE "integer");
    LilvNode *toggled = lilv_new_uri(w, LV2_CORE "toggled");

    assert_int_equal(lilv_plugin_get_num_ports(ttl->plugin), CANTUS_PORT_COUNT);
    float minimum[CANTUS_PORT_COUNT], maximum[CANTUS_PORT_COUNT], fallback[CANTUS_PORT_COUNT];
    lilv_plugin_get_port_ranges_float(ttl->plugin, minimum, maximum, fallback);
    int checked = 0;
    for (uint32_t i = 0; i < CANTUS_PORT_COUNT; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(ttl->plugin, i);
        const CantusControlSpec *spec = &cantus_control_specs[i];
        const char *symbol = lilv_node_as_string(lilv_port_get_symbol(ttl->plugin, port));
        if (!lilv_port_is_a(ttl->plugin, port, control)) {
            assert_null(spec->symbol);
            continue;
        }
        assert_non_null(spec->symbol);
        assert_string_equal(spec->symbol, symbol);
        if (spec->minimum != minimum[i] || spec->maximum != maximum[i] ||
            spec->fallback != fallback[i])
            fail_msg("%s: table %g..%g (%g), TTL %g..%g (%g)", symbol, spec->minimum, spec->maximum,
                     spec->fallback, minimum[i], maximum[i], fallback[i]);
        const bool is_integer = lilv_port_has_property(ttl->plugin, port, integer) ||
                                lilv_port_has_property(ttl->plugin, port, toggled);
        if (is_integer != spec->integer) fail_msg("%s: integer-ness differs", symbol);
        assert_int_equal(lilv_port_is_a(ttl->plugin, port, output), spec->output);
        checked++;
    }
    assert_int_equal(checked, CANTUS_PORT_COUNT - 2);
    lilv_node_free(control);
    lilv_node_free(output);
    lilv_node_free(integer);
    lilv_node_free(toggled);
}

/* Every input control, fed values inside, outside, at the ends, NaN and
 * ±∞, reads back inside the TTL's range (and the default for NaN). */
static void test_values_clamp_to_the_range(void **state)
{
    (void)state;
    const float probes[] = {-1e30f, -65536.0f, -25.0f, -1.0f,    0.0f,     0.04f,
                            0.5f,   1.0f,      3.7f,   4.5f,     50.0f,    75.5f,
                            127.6f, 1e9f,      NAN,    INFINITY, -INFINITY};
    for (int port = CANTUS_TEMPERATURE; port < CANTUS_PORT_COUNT; port++) {
        const CantusControlSpec *spec = &cantus_control_specs[port];
        if (spec->output) continue;
        for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            const float v = cantus_control_value((CantusPortIndex)port, &probes[p]);
            if (!(v >= spec->minimum && v <= spec->maximum))
                fail_msg("%s: %g read as %g", spec->symbol, probes[p], v);
            if (isnan(probes[p])) assert_true(v == spec->fallback);
            if (spec->integer) assert_true(v == nearbyintf(v));
        }
        assert_true(cantus_control_value((CantusPortIndex)port, NULL) == spec->fallback);
    }
    /* And through the player's reading, every field inside its range. */
    const float *ports[CANTUS_PORT_COUNT] = {0};
    const float inf = INFINITY, minus_inf = -INFINITY, nan = NAN;
    for (int round = 0; round < 3; round++) {
        const float *v = round == 0 ? &inf : round == 1 ? &minus_inf : &nan;
        for (int port = CANTUS_TEMPERATURE; port < CANTUS_PORT_COUNT; port++)
            ports[port] = v;
        const CantusControls c = player_controls_from_ports(ports);
        assert_true(c.temperature >= 0.05f && c.temperature <= 4.0f);
        assert_true(c.seed <= 65535u);
        assert_true(c.gate >= 5.0f && c.gate <= 100.0f);
        assert_true(c.transpose >= -24 && c.transpose <= 24);
        assert_true(c.swing >= 50.0f && c.swing <= 75.0f);
        assert_true(c.harmony >= 0 && c.harmony <= 2);
        assert_true(c.accent >= 0.0f && c.accent <= 100.0f);
        assert_true(c.humanize >= 0.0f && c.humanize <= 100.0f);
    }
}

/* `rate` offers "As trained" first, and it is the default: a preset or a
 * fresh instance plays the model's own steps (plugin/player.h). */
static void test_rate_as_trained_is_the_default(void **state)
{
    const Ttl *ttl = (const Ttl *)*state;
    LilvNode *symbol = lilv_new_string(ttl->world, "rate");
    const LilvPort *port = lilv_plugin_get_port_by_symbol(ttl->plugin, symbol);
    lilv_node_free(symbol);
    assert_non_null(port);
    LilvScalePoints *points = lilv_port_get_scale_points(ttl->plugin, port);
    assert_non_null(points);
    float lowest = INFINITY;
    const char *lowest_label = NULL;
    int count = 0;
    LILV_FOREACH(scale_points, i, points)
    {
        const LilvScalePoint *point = lilv_scale_points_get(points, i);
        const float value = lilv_node_as_float(lilv_scale_point_get_value(point));
        if (value < lowest) {
            lowest = value;
            lowest_label = lilv_node_as_string(lilv_scale_point_get_label(point));
        }
        count++;
    }
    assert_int_equal(count, 5);
    assert_float_equal(lowest, PLAYER_RATE_AS_TRAINED, 0);
    assert_string_equal(lowest_label, "As trained");
    assert_float_equal(cantus_control_specs[CANTUS_RATE].fallback, PLAYER_RATE_AS_TRAINED, 0);
    assert_int_equal(player_default_controls().rate, PLAYER_RATE_AS_TRAINED);
    lilv_scale_points_free(points);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_equals_ttl),
        cmocka_unit_test(test_values_clamp_to_the_range),
        cmocka_unit_test(test_rate_as_trained_is_the_default),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
