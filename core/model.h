/* A Cantus model: the weights of an LSTM + dense layer and the metadata that
 * maps its tokens to MIDI pitches, read from a .safetensors file.
 *
 * Real-time class: everything in this header may allocate, read files and
 * lock. Call it from a worker thread, main thread or instantiate(), never
 * from an audio callback. A loaded model is immutable, so any number of
 * CantusLstmState objects on any threads may read it at once.
 */
#ifndef CANTUS_MODEL_H
#define CANTUS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Caps that keep a hostile or corrupt file from asking for absurd memory. */
#define CANTUS_MAX_LAYERS    8
#define CANTUS_MAX_HIDDEN    2048
#define CANTUS_MAX_VOCAB     512
#define CANTUS_MAX_BAR_STEPS 256          /* positions in a bar: 16 beats of 16 steps */
#define CANTUS_MAX_HEADER    (1u << 20)   /* bytes of JSON header */
#define CANTUS_MAX_FILE      (256u << 20) /* bytes of the whole file */
#define CANTUS_ERROR_SIZE    512          /* enough for any error sentence */
/* Largest weight magnitude accepted (binary16's largest finite value). A
 * finite weight is not enough: 3e38 * 1 + 3e38 is infinite. With every
 * |w| <= 65504 and |h| <= 1, every gate and logit stays below ~1e9 for any
 * model within the caps, so a loaded model can never produce a non-finite
 * logit, and its weights always fit CANTUS_PRECISION_F16. */
#define CANTUS_MAX_WEIGHT 65504.0f

typedef struct CantusModel CantusModel;

typedef struct {
    int vocab;          /* V: rows of fc.weight */
    int hidden;         /* H */
    int layers;         /* L >= 1 */
    int note_low;       /* MIDI pitch of token 0 */
    int note_high;      /* MIDI pitch of the last pitch token */
    int pitch_tokens;   /* note_high - note_low + 1 */
    int rest_token;     /* token index of REST, or -1 */
    int hold_token;     /* token index of HOLD, or -1 */
    int steps_per_beat; /* tokens per beat the model was trained on */
    /* P, from cantus.bar_steps: the model takes each step's position in the
     * bar as P more one-hot inputs (lstm.weight_ih_l0 is [4H, V + P]); 0
     * when the key is absent or "0": no metre input. */
    int bar_steps;
} CantusModelInfo;

/* Reads and validates a model file. On any failure returns NULL and writes
 * one sentence into err (naming the file, the tensor or key, and what is
 * wrong); err may be NULL. err_size of CANTUS_ERROR_SIZE always suffices.
 * Tensors other than lstm.{weight,bias}_{ih,hh}_l<k> and fc.{weight,bias}
 * are rejected, not ignored (they would mean another architecture). */
CantusModel *cantus_model_load(const char *path, char *err, size_t err_size);

/* The same from bytes already in memory; name is used in error messages. The
 * bytes are copied: the caller may free them after the call. */
CantusModel *cantus_model_load_memory(const void *data, size_t size, const char *name, char *err,
                                      size_t err_size);

void cantus_model_free(CantusModel *model);

const CantusModelInfo *cantus_model_info(const CantusModel *model);

/* A string from the file's __metadata__, or NULL when absent. The pointer
 * lives as long as the model. */
const char *cantus_model_metadata(const CantusModel *model, const char *key);

/* A tensor by its PyTorch name, in PyTorch's row-major layout, or NULL when
 * absent. rows/cols receive its shape (cols is 1 for a vector). */
const float *cantus_model_tensor(const CantusModel *model, const char *name, int *rows, int *cols);

/* Token <-> MIDI pitch. A pitch token maps to note_low + token; REST and
 * HOLD (and anything out of range) map to -1. */
int cantus_token_pitch(const CantusModelInfo *info, int token);
/* A MIDI pitch folded by octaves into [note_low, note_high], then its
 * token; -1 only when the range is narrower than an octave and cannot hold
 * the pitch class. */
int cantus_pitch_token(const CantusModelInfo *info, int pitch);

#ifdef __cplusplus
}
#endif

#endif
