/* A player with a recorder and a loaded model: what the player tests drive
 * instead of a host. */
#ifndef CANTUS_TESTS_PLUGIN_RIG_H
#define CANTUS_TESTS_PLUGIN_RIG_H

#include "player.h"
#include "recorder.h"

#define SEED_MODEL      "seed_l1_h128_v78.safetensors"
#define REST_HOLD_MODEL "rest_hold_l2_h32_v20.safetensors"
#define TINY_MODEL      "tiny_l1_h16_v12.safetensors"

typedef struct {
    CantusPlayer player;
    Recorder recorder;
} Rig;

/* A golden model from tests/golden, ready to play; fails the test if not. */
CantusEngine *rig_load(const char *model);

void rig_init(Rig *rig, const char *model, const CantusControls *controls);
void rig_free(Rig *rig);

/* One host cycle: work ahead, then render. */
void rig_cycle(Rig *rig, uint32_t frames);
/* Cycles of `cycle` frames (the last one shorter) for `frames` frames. */
void rig_run(Rig *rig, int64_t frames, uint32_t cycle);
/* Renders up to the absolute frame `frame` in cycles of `cycle` frames,
 * starting a cycle wherever the last call stopped. */
void rig_run_to(Rig *rig, int64_t frame, uint32_t cycle);

/* The default controls with seed 7, at this fallback tempo. */
CantusControls rig_controls(double fallback_bpm);

/* A full time:Position: rolling (speed 1) or stopped at bar/barBeat. */
CantusPositionFields rig_position(double speed, double bpm, double bar, double bar_beat,
                                  double beats_per_bar);

/* ceil(k * 60 * sample_rate / (bpm * rate)) in exact integers. */
int64_t rig_exact_frame(int64_t k, int64_t sample_rate, int64_t bpm_times_rate);

/* Frees every engine the player has retired. */
void rig_free_retired(Rig *rig);

#endif
