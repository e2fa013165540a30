/* cantus-render: renders bars of the Cantus plugin to a MIDI file, loading
 * it through lilv exactly as a host does (LV2_PATH, features, worker,
 * presets through lilv's state API). The transport rolls from bar 0 with a
 * time:Position at the start and at each tempo change; the MIDI the plugin
 * writes goes into a .mid at the exact tick of each frame, and optionally
 * into a piano-roll PNG. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cantus_host.h"
#include "cli.h"
#include "render.h"

#define MODEL_URI "urn:cantus:model"
#define MAX_SETS  64

typedef struct {
    const char *preset;
    const char *model;
    const char *out;
    const char *png;
    const char *midi_in; /* a MIDI file played into the plugin's input */
    const char *display; /* the inline display's PNG */
    int display_width;
    int bars;
    double bpm;           /* quarter notes a minute */
    double beats_per_bar; /* the host's beats a bar */
    int beat_unit;        /* the note value of its beat: 4 a quarter, 8 an eighth */
    double sample_rate;
    int block;
    CliList sets;   /* --set SYMBOL=VALUE */
    CliList tempos; /* --tempo BAR=BPM */
    TempoMap tempo;
    bool list_presets;
    bool quiet;
} Options;

static bool parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

static bool parse_tempo(const char *option, const char *text, void *tempos)
{
    if (((CliList *)tempos)->count < RENDER_MAX_TEMPOS - 1) return cli_list_add(tempos, text);
    cli_bad_value(option, text, "one tempo change too many");
    return false;
}

static bool parse_set(const char *option, const char *text, void *sets)
{
    if (((CliList *)sets)->count < MAX_SETS && strchr(text, '=')) return cli_list_add(sets, text);
    cli_bad_value(option, text, "wants SYMBOL=VALUE");
    return false;
}

static bool parse_meter(const char *option, const char *text, void *options)
{
    Options *o = options;
    int beats;
    if (!cli_meter_option(option, text, &beats, &o->beat_unit)) return false;
    o->beats_per_bar = beats;
    return true;
}

static const CliOption options[] = {
    {.help = "usage: cantus-render [--preset NAME|URI | --model FILE] [--bars N=8] [--bpm 120]\n"
             "                     [--tempo BAR=BPM ...] [--beats-per-bar 4 | --meter N/D]\n"
             "                     [--rate 48000]\n"
             "                     [--block 256] [--set SYMBOL=VALUE ...] [--png roll.png]\n"
             "                     [--midi-in FILE] [--display face.png [--display-width 160]]\n"
             "                     [--quiet] -o out.mid\n"
             "       cantus-render --list-presets | --help | --version\n"
             "Renders the Cantus LV2 plugin (found on LV2_PATH) to a MIDI file.\n"
             "--midi-in plays a MIDI file's notes into the plugin's input, its beats on the\n"
             "render's (a chord track for the harmony control; it passes through to out.mid).\n"
             "--meter 6/8 makes the host's beat an eighth, 6 a bar (--beats-per-bar N is N/4);\n"
             "--bpm and --tempo count quarter notes, as the MIDI file does.\n"
             "Options take their value as --bars 8 or --bars=8. Errors are one line on stderr;\n"
             "the exit status is 0 on success, 1 on a failure, 2 on a usage error.\n"},
    {"preset", "NAME", NULL, CLI_TEXT(Options, preset)},
    {"model", "FILE", NULL, CLI_TEXT(Options, model)},
    {"bars", "N", NULL, CLI_NUMBER(Options, bars, 1, 10000)},
    {"bpm", "BPM", NULL, CLI_NUMBER(Options, bpm, 1, 999)},
    {"tempo", "BAR=BPM", NULL, CLI_PARSED(Options, tempos, parse_tempo)},
    {"beats-per-bar", "N", NULL, CLI_NUMBER(Options, beats_per_bar, 1, 64)},
    {"meter", "N/D", NULL, CLI_PARSED_WHOLE(parse_meter)},
    {"rate", "HZ", NULL, CLI_NUMBER(Options, sample_rate, 8000, 384000)},
    {"block", "FRAMES", NULL, CLI_NUMBER(Options, block, 1, 8192)},
    {"set", "SYMBOL=VALUE", NULL, CLI_PARSED(Options, sets, parse_set)},
    {"png", "FILE", NULL, CLI_TEXT(Options, png)},
    {"list-presets", NULL, NULL, CLI_FLAG(Options, list_presets)},
    {"quiet", NULL, NULL, CLI_FLAG(Options, quiet)},
    {"midi-in", "FILE", NULL, CLI_TEXT(Options, midi_in)},
    {"display", "FILE", NULL, CLI_TEXT(Options, display)},
    {"display-width", "N", NULL, CLI_NUMBER(Options, display_width, 16, 4096)},
    {"output", "FILE", NULL, CLI_TEXT(Options, out), .letter = 'o'},
    {0},
};

/* The options after the last one is read: the tempo map and what goes
 * together. CLI_SUCCESS, or CLI_USAGE after a usage error. */
static int check_options(Options *o)
{
    /* The map counts quarter notes: a bar of N beats of 1/D notes is 4N/D. */
    tempo_map_init(&o->tempo, o->sample_rate, o->beats_per_bar * 4.0 / o->beat_unit, o->bpm);
    o->tempo.beat_unit = o->beat_unit;
    for (int i = 0; i < o->tempos.count; ++i) {
        const char *tempo = o->tempos.items[i];
        int bar;
        double bpm;
        if (sscanf(tempo, "%d=%lf", &bar, &bpm) != 2 || bar < 1 || bpm < 1 || bpm > 999 ||
            !tempo_map_add(&o->tempo, bar, bpm))
            return cli_bad_value("--tempo", tempo, "wants BAR=BPM, the bars rising");
    }
    if (!o->list_presets && !o->out) return cli_usage_error("needs an output file (-o out.mid)");
    if (o->preset && o->model) return cli_usage_error("--preset and --model exclude each other");
    return CLI_SUCCESS;
}

/* What the usage names as the defaults. */
static const Options defaults = {.bars = 8,
                                 .bpm = 120,
                                 .beats_per_bar = 4,
                                 .beat_unit = 4,
                                 .sample_rate = 48000,
                                 .block = 256,
                                 .display_width = 160};

/* True to go on; false when the program is to exit with *status. */
static bool parse_options(int argc, char **argv, Options *o, int *status)
{
    *o = defaults;
    const bool go_on = cli_read_command_line(argc, argv, options, o, status) &&
                       (*status = check_options(o)) == CLI_SUCCESS;
    free(o->tempos.items); /* in the map now */
    o->tempos = (CliList){0};
    if (!go_on) free(o->sets.items);
    return go_on;
}

static int list_presets(CantusHost *host)
{
    CantusPreset *presets;
    int n = cantus_host_presets(host, &presets);
    for (int i = 0; i < n; ++i)
        printf("%s\n", presets[i].uri);
    cantus_host_presets_free(presets, n);
    return 0;
}

static bool apply_sets(CantusHost *host, const Options *o)
{
    for (int i = 0; i < o->sets.count; ++i) {
        const char *set = o->sets.items[i];
        char symbol[64];
        const char *eq = strchr(set, '=');
        size_t len = (size_t)(eq - set);
        double v;
        if (len >= sizeof(symbol) || !parse_number(eq + 1, &v)) {
            cli_bad_value("--set", set, "wants SYMBOL=NUMBER");
            return false;
        }
        memcpy(symbol, set, len);
        symbol[len] = '\0';
        if (!cantus_host_set_control(host, symbol, (float)v)) {
            cli_error("--set %s: the plugin has no control %s", set, symbol);
            return false;
        }
    }
    return true;
}

static void print_new_log(CantusHost *host, unsigned *seen)
{
    unsigned n = cantus_host_log_count(host);
    for (; *seen < n; ++*seen)
        fprintf(stderr, "cantus-render: plugin says: %s\n", cantus_host_log_line(host, *seen));
}

/* The model goes in as a host's file chooser sends it: a patch:Set while
 * the transport stands; the plugin loads it on the worker and announces the
 * swap with a patch:Set of its own. */
static bool load_model(CantusHost *host, const char *file)
{
    char *path = realpath(file, NULL);
    if (!path) {
        cli_error("%s: cannot find the model file: %s", file, strerror(errno));
        return false;
    }
    LV2_URID model = cantus_host_map(host, MODEL_URI);
    CantusPosition stopped = {
        .fields = CANTUS_POS_ALL, .speed = 0, .bpm = 120, .beats_per_bar = 4, .beat_unit = 4};
    cantus_host_add_position(host, 0, &stopped);
    cantus_host_add_patch_set_path(host, 0, MODEL_URI, path);
    bool swapped = false;
    unsigned logged = cantus_host_log_count(host);
    for (int cycle = 0; cycle < 64 && !swapped; ++cycle) {
        uint32_t n = cantus_host_run(host, cantus_host_block_length(host));
        for (uint32_t i = 0; i < n; ++i) {
            const CantusEvent *ev = cantus_host_event(host, i);
            if (ev->kind == CANTUS_EVENT_PATCH_SET && ev->property == model && ev->value_path &&
                !strcmp(ev->value_path, path))
                swapped = true;
        }
        if (cantus_host_log_count(host) > logged) break;
    }
    free(path);
    if (!swapped) cli_error("%s: the plugin did not take the model", file);
    return swapped;
}

/* Where the transport is, as a host counts it: in its beats (quarter notes
 * x beat_unit / 4, exact for every note value), bars of beats_per_bar. */
static void send_position(CantusHost *host, uint32_t offset, const TempoMap *map, double speed,
                          int64_t frame)
{
    double quarters = tempo_map_beat_at(map, (double)frame);
    double bar = floor(quarters / map->beats_per_bar + 1e-12);
    const double per_quarter = map->beat_unit / 4.0;
    CantusPosition pos = {
        .fields = CANTUS_POS_ALL,
        .speed = speed,
        .bpm = tempo_map_bpm_at(map, quarters) * per_quarter,
        .bar = (int64_t)bar,
        .bar_beat = (quarters - bar * map->beats_per_bar) * per_quarter,
        .beats_per_bar = map->beats_per_bar * per_quarter,
        .frame = frame,
        .beat_unit = map->beat_unit,
        .style = CANTUS_NUMBERS_DOUBLE,
    };
    if (pos.bar_beat < 0) pos.bar_beat = 0;
    cantus_host_add_position(host, offset, &pos);
}

/* Rolls the transport from bar 0 to the end of the last bar and stops it
 * there (which ends every sounding note), collecting the plugin's MIDI.
 * `input` (n_input events sorted by frame) goes into the plugin's input at
 * its frames, merged in time order with the tempo changes; what falls at
 * or after the end is not sent. */
static RenderEvent *render(CantusHost *host, const Options *o, const RenderEvent *input,
                           int n_input, int *count)
{
    const TempoMap *map = &o->tempo;
    double end_beat = o->bars * map->beats_per_bar;
    int64_t end = (int64_t)ceil(tempo_map_frame_of(map, end_beat));
    int64_t change[RENDER_MAX_TEMPOS];
    for (int i = 0; i < map->count; ++i)
        change[i] = (int64_t)ceil(map->start_frame[i]);
    int next_change = 1;
    int next_input = 0;
    int cap = 1024, n = 0;
    RenderEvent *events = malloc((size_t)cap * sizeof(*events));
    int64_t origin = cantus_host_frame(host);
    send_position(host, 0, map, 1.0, 0);
    for (int64_t now = 0; events; now += o->block) {
        uint32_t len = (uint32_t)o->block;
        for (;;) {
            const bool tempo = next_change < map->count && change[next_change] < now + len;
            const bool midi = next_input < n_input && input[next_input].frame < now + len &&
                              input[next_input].frame < end;
            if (!tempo && !midi) break;
            if (tempo && (!midi || change[next_change] <= input[next_input].frame)) {
                send_position(host, (uint32_t)(change[next_change] - now), map, 1.0,
                              change[next_change]);
                ++next_change;
            } else {
                const RenderEvent *in = &input[next_input++];
                if (in->frame >= now)
                    cantus_host_add_midi(host, (uint32_t)(in->frame - now), in->msg, 3);
            }
        }
        const bool last = end < now + len;
        if (last) send_position(host, (uint32_t)(end - now), map, 0, end);
        uint32_t got = cantus_host_run(host, len);
        for (uint32_t i = 0; i < got; ++i) {
            const CantusEvent *ev = cantus_host_event(host, i);
            if (ev->kind != CANTUS_EVENT_MIDI || ev->midi_size == 0 || ev->midi_size > 3) continue;
            if (n == cap) {
                RenderEvent *grown = realloc(events, (size_t)(cap *= 2) * sizeof(*events));
                if (!grown) break;
                events = grown;
            }
            events[n] = (RenderEvent){.frame = ev->frame - origin};
            memcpy(events[n].msg, ev->midi, ev->midi_size);
            ++n;
        }
        if (last) break;
    }
    *count = n;
    return events;
}

static const char *preset_label(CantusHost *host, const char *name, char *buf, size_t size)
{
    CantusPreset *presets;
    int n = cantus_host_presets(host, &presets);
    snprintf(buf, size, "%s", name);
    for (int i = 0; i < n; ++i)
        if (!strcmp(presets[i].uri, name) || !strcasecmp(presets[i].label, name))
            snprintf(buf, size, "%s", presets[i].label);
    cantus_host_presets_free(presets, n);
    return buf;
}

int main(int argc, char **argv)
{
    cli_set_program("cantus-render");
    Options o;
    int status;
    if (!parse_options(argc, argv, &o, &status)) return status;
    char err[512];
    CantusHostConfig config = {.sample_rate = o.sample_rate, .block_length = (uint32_t)o.block};
    CantusHost *host = cantus_host_new(&config, err, sizeof(err));
    if (!host) {
        cli_error("%s", err);
        free(o.sets.items);
        return 1;
    }
    if (o.list_presets) {
        int rc = list_presets(host);
        cantus_host_free(host);
        free(o.sets.items);
        return rc;
    }
    int rc = 1;
    unsigned logged = 0;
    RenderEvent *events = NULL;
    RenderEvent *input = NULL;
    int n_input = 0;
    RenderNote *notes = NULL;
    char label[128] = "default model";
    /* A preset is restored before activate, as a host restores a session. */
    if (o.preset) {
        if (!cantus_host_load_preset(host, o.preset, err, sizeof(err))) {
            cli_error("%s", err);
            goto done;
        }
        preset_label(host, o.preset, label, sizeof(label));
    }
    if (!apply_sets(host, &o)) goto done;
    cantus_host_activate(host);
    if (o.model) {
        if (!load_model(host, o.model)) {
            print_new_log(host, &logged);
            goto done;
        }
        const char *slash = strrchr(o.model, '/');
        snprintf(label, sizeof(label), "%s", slash ? slash + 1 : o.model);
    }
    print_new_log(host, &logged);
    if (o.midi_in) {
        n_input = midi_in_load(o.midi_in, &o.tempo, &input, err, sizeof(err));
        if (n_input < 0) {
            cli_error("%s", err);
            goto done;
        }
    }
    int count = 0;
    events = render(host, &o, input, n_input, &count);
    print_new_log(host, &logged);
    if (!events) goto done;
    if (!midi_write(o.out, events, count, &o.tempo, o.bars * o.tempo.beats_per_bar, err,
                    sizeof(err))) {
        cli_error("%s", err);
        goto done;
    }
    int n_notes = render_notes(events, count, &o.tempo, &notes);
#ifndef CANTUS_PIANO_ROLL
    if (o.png || o.display) {
        cli_error("--png, --display: built without cairo");
        goto done;
    }
#else
    if (o.display) {
        /* As Ardour's mixer strip asks: its width, and room for 3/4 of it. */
        CantusDisplayImage image;
        if (!cantus_host_render_display(host, (uint32_t)o.display_width, (uint32_t)o.display_width,
                                        &image)) {
            cli_error("--display: the plugin has no inline display");
            goto done;
        }
        if (!display_png_write(o.display, &image, err, sizeof(err))) {
            cli_error("%s", err);
            goto done;
        }
    }
    if (o.png) {
        char title[256];
        snprintf(title, sizeof(title), "Cantus - %s - %d bars at %g BPM, %d notes", label, o.bars,
                 o.bpm, n_notes);
        if (!piano_roll_write(o.png, notes, n_notes, o.bars, o.tempo.beats_per_bar, title, err,
                              sizeof(err))) {
            cli_error("%s", err);
            goto done;
        }
    }
#endif
    if (!o.quiet)
        printf("cantus-render: %d notes in %d bars at %g BPM, %s -> %s%s%s\n", n_notes, o.bars,
               o.bpm, label, o.out, o.png ? ", " : "", o.png ? o.png : "");
    rc = 0;
done:
    free(events);
    free(input);
    free(notes);
    free(o.sets.items);
    cantus_host_free(host);
    return rc;
}
