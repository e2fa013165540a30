/* Building and freeing the ready object; see engine.h. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controls.h"
#include "sampler.h"

CantusEngine *engine_load(const char *path, char *err, size_t err_size)
{
    CantusModel *model = cantus_model_load(path, err, err_size);
    if (!model) return NULL;

    CantusEngine *engine = calloc(1, sizeof(CantusEngine));
    const CantusModelInfo *info = cantus_model_info(model);
    const size_t vocab = (size_t)info->vocab;
    if (engine) {
        engine->model = model;
        engine->info = info;
        engine->status = CANTUS_MODEL_OK;
        engine->state = cantus_lstm_state_new(model);
        engine->interim_state = cantus_lstm_state_new(model);
        engine->mask = calloc(vocab, 1);
        engine->opening_mask = calloc(vocab, 1);
        engine->chord_mask = calloc(vocab, 1);
        engine->pitch_of = calloc(vocab, sizeof(int16_t));
        engine->scratch = calloc(vocab, sizeof(double));
        engine->path_len = strlen(path);
        engine->path = malloc(engine->path_len + 1);
        if (engine->path) memcpy(engine->path, path, engine->path_len + 1);
    }
    if (!engine || !engine->state || !engine->interim_state || !engine->mask ||
        !engine->opening_mask || !engine->chord_mask || !engine->pitch_of || !engine->scratch ||
        !engine->path) {
        if (err && err_size) snprintf(err, err_size, "%s: out of memory preparing the model", path);
        if (engine)
            engine_free(engine);
        else
            cantus_model_free(model);
        return NULL;
    }
    const char *label = cantus_model_metadata(model, "cantus.label");
    if (!label) label = cantus_model_metadata(model, "cantus.genre");
    if (!label) {
        const char *slash = strrchr(path, '/');
        label = slash ? slash + 1 : path;
    }
    snprintf(engine->label, sizeof engine->label, "%s", label);
    /* Everything allowed until the audio thread applies the controls. */
    const CantusMaskSpec all = {.note_low = info->note_low,
                                .note_high = info->note_high,
                                .scale = CANTUS_SCALE_CHROMATIC,
                                .rests = true};
    cantus_pitch_map_build(info, &all, engine->pitch_of);
    cantus_mask_build_mapped(info, &all, engine->pitch_of, engine->mask);
    cantus_mask_build_opening_mapped(info, &all, engine->pitch_of, engine->opening_mask);
    cantus_mask_build_opening_mapped(info, &all, engine->pitch_of, engine->chord_mask);
    return engine;
}

bool engine_stand_in(CantusEngine *engine, const char *asked, int status)
{
    const size_t length = strlen(asked);
    char *path = malloc(length + 1);
    if (!path) return false;
    memcpy(path, asked, length + 1);
    free(engine->path);
    engine->path = path;
    engine->path_len = length;
    engine->status = status;
    return true;
}

void engine_free(CantusEngine *engine)
{
    if (!engine) return;
    cantus_lstm_state_free(engine->state);
    cantus_lstm_state_free(engine->interim_state);
    cantus_model_free(engine->model);
    free(engine->mask);
    free(engine->opening_mask);
    free(engine->chord_mask);
    free(engine->pitch_of);
    free(engine->scratch);
    free(engine->path);
    free(engine);
}
