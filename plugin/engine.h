/* The ready object: everything run() needs to play one model, built in one
 * piece off the audio thread (on the worker, or in instantiate/restore) and
 * handed to the audio thread by pointer. run() never allocates: the mask
 * and the sampler's scratch are sized for the model here.
 *
 * Real-time class: engine_load and engine_free allocate, read files and may
 * block; never call them from run().
 */
#ifndef CANTUS_PLUGIN_ENGINE_H
#define CANTUS_PLUGIN_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lstm.h"
#include "model.h"

#define ENGINE_LABEL_SIZE 64

typedef struct {
    CantusModel *model;
    CantusLstmState *state;
    /* The stand-in sequence's own state (generator.h): a step the phrase's
     * fast-forward cannot reach in time sounds from it instead of staying
     * silent. */
    CantusLstmState *interim_state;
    const CantusModelInfo *info;
    uint8_t *mask; /* V entries, rebuilt by the audio thread from the controls */
    /* The same for a sequence's first step, with REST and HOLD masked: a
     * sequence (playback start, phrase start) opens with a note, never with
     * a silent first beat. */
    uint8_t *opening_mask;
    /* For a step the notes held on the MIDI input decide (the harmony
     * control, generator.h): the held pitch classes replace key/scale, and
     * REST and HOLD are masked as in the opening mask. */
    uint8_t *chord_mask;
    /* V entries: the MIDI pitch each token sounds at, after transpose and
     * the range (cantus_pitch_map_build); CANTUS_NO_PITCH for the rest. */
    int16_t *pitch_of;
    double *scratch; /* V doubles for cantus_sample */
    char *path;      /* the model asked for: announced with patch:Set, saved */
    size_t path_len; /* strlen(path) */
    /* CantusModelStatus: OK when `path` is the file that plays; MISSING or
     * BROKEN when it could not be loaded and this is the bundle's default
     * standing in for it (engine_stand_in). */
    int status;
    /* What the inline display names the model: the file's cantus.label, else
     * cantus.genre, else the file name. */
    char label[ENGINE_LABEL_SIZE];
} CantusEngine;

/* Loads, validates and prepares a model file. NULL on failure, with the
 * core's one-sentence reason in err. */
CantusEngine *engine_load(const char *path, char *err, size_t err_size);

/* Makes a loaded engine stand in for the model at `asked`, which could not
 * be loaded (status CANTUS_MODEL_MISSING or _BROKEN): it keeps playing its
 * own weights but is saved and announced as `asked`, so a session keeps
 * the path it was given. False when out of memory (engine unchanged). */
bool engine_stand_in(CantusEngine *engine, const char *asked, int status);

void engine_free(CantusEngine *engine);

#endif
