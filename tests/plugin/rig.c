/* The test rig; see rig.h. */
#include "rig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

CantusEngine *rig_load(const char *model)
{
    char path[1024];
    char err[CANTUS_ERROR_SIZE];
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, model);
    CantusEngine *engine = engine_load(path, err, sizeof err);
    if (!engine) fail_msg("%s", err);
    return engine;
}

void rig_init(Rig *rig, const char *model, const CantusControls *controls)
{
    recorder_init(&rig->recorder, 1u << 20);
    player_init(&rig->player, 48000.0, recorder_sink(&rig->recorder));
    player_set_controls(&rig->player, controls);
    assert_null(player_replace_engine(&rig->player, rig_load(model)));
}

void rig_free_retired(Rig *rig)
{
    CantusEngine *engine;
    while ((engine = player_take_retired(&rig->player)))
        engine_free(engine);
}

void rig_free(Rig *rig)
{
    rig_free_retired(rig);
    engine_free(rig->player.pending);
    engine_free(rig->player.engine);
    recorder_free(&rig->recorder);
}

void rig_cycle(Rig *rig, uint32_t frames)
{
    player_work_ahead(&rig->player, frames);
    player_render(&rig->player, frames);
}

void rig_run(Rig *rig, int64_t frames, uint32_t cycle)
{
    while (frames > 0) {
        const uint32_t n = frames < cycle ? (uint32_t)frames : cycle;
        rig_cycle(rig, n);
        frames -= n;
    }
}

void rig_run_to(Rig *rig, int64_t frame, uint32_t cycle)
{
    rig_run(rig, frame - rig->player.now, cycle);
}

CantusControls rig_controls(double fallback_bpm)
{
    CantusControls controls = player_default_controls();
    controls.fallback_bpm = fallback_bpm;
    controls.seed = 7;
    return controls;
}

CantusPositionFields rig_position(double speed, double bpm, double bar, double bar_beat,
                                  double beats_per_bar)
{
    return (CantusPositionFields){
        .has_speed = true,
        .has_bar = true,
        .has_bar_beat = true,
        .has_beats_per_bar = true,
        .has_bpm = true,
        .speed = speed,
        .bar = bar,
        .bar_beat = bar_beat,
        .beats_per_bar = beats_per_bar,
        .bpm = bpm,
    };
}

int64_t rig_exact_frame(int64_t k, int64_t sample_rate, int64_t bpm_times_rate)
{
    const int64_t numerator = k * 60 * sample_rate;
    if (numerator >= 0) return (numerator + bpm_times_rate - 1) / bpm_times_rate;
    return -((-numerator) / bpm_times_rate);
}
