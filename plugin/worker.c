/* Loading and freeing models on the worker thread; see worker.h. */
#include "worker.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"

typedef enum { WORK_LOAD = 1, WORK_FREE = 2 } WorkType;

/* A load request: the header, then path_len bytes and a terminating 0. */
typedef struct {
    uint32_t type;
    uint32_t path_len;
} WorkLoad;

typedef struct {
    uint32_t type;
    CantusEngine *engine;
} WorkFree;

/* The worker's answer to a load: the ready engine. */
typedef struct {
    CantusEngine *engine;
} WorkLoaded;

CantusEngine *cantus_load_now(Cantus *self, const char *path)
{
    char err[CANTUS_ERROR_SIZE] = "";
    CantusEngine *engine = engine_load(path, err, sizeof err);
    if (!engine) lv2_log_error(&self->logger, "cantus: %s\n", err);
    return engine;
}

/* Whether a failed load failed for want of the file itself (as opposed to
 * a file that is there but is no good, or cannot be read). */
static bool file_is_missing(const char *path)
{
    struct stat info;
    return stat(path, &info) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

CantusEngine *cantus_load_or_stand_in(Cantus *self, const char *path)
{
    char err[CANTUS_ERROR_SIZE] = "";
    CantusEngine *engine = engine_load(path, err, sizeof err);
    if (engine) return engine;

    const bool missing = file_is_missing(path);
    char default_err[CANTUS_ERROR_SIZE] = "";
    CantusEngine *stand_in = self->default_path
                                 ? engine_load(self->default_path, default_err, sizeof default_err)
                                 : NULL;
    const int status = missing ? CANTUS_MODEL_MISSING : CANTUS_MODEL_BROKEN;
    if (!stand_in || !engine_stand_in(stand_in, path, status)) {
        lv2_log_error(&self->logger, "cantus: %s; the default model cannot stand in: %s\n",
                      missing ? "the model file is missing" : err,
                      stand_in ? "out of memory" : default_err);
        engine_free(stand_in);
        return NULL;
    }
    if (missing)
        lv2_log_error(&self->logger,
                      "cantus: the model file %s is missing; playing the default model until "
                      "it is back\n",
                      path);
    else
        lv2_log_error(&self->logger, "cantus: %s; playing the default model instead\n", err);
    return stand_in;
}

bool cantus_schedule_load(Cantus *self, LV2_Worker_Schedule *schedule, const char *path,
                          uint32_t path_len)
{
    if (path_len > CANTUS_MAX_PATH) {
        lv2_log_error(&self->logger, "cantus: model path longer than %d bytes\n", CANTUS_MAX_PATH);
        return false;
    }
    /* On the stack: run() may call this and must not allocate. */
    char message[sizeof(WorkLoad) + CANTUS_MAX_PATH + 1];
    const WorkLoad header = {WORK_LOAD, path_len};
    memcpy(message, &header, sizeof header);
    memcpy(message + sizeof header, path, path_len);
    message[sizeof header + path_len] = '\0';
    const uint32_t size = (uint32_t)(sizeof header + path_len + 1);
    return schedule->schedule_work(schedule->handle, size, message) == LV2_WORKER_SUCCESS;
}

bool cantus_schedule_free(Cantus *self, CantusEngine *engine)
{
    const WorkFree message = {WORK_FREE, engine};
    return self->schedule->schedule_work(self->schedule->handle, sizeof message, &message) ==
           LV2_WORKER_SUCCESS;
}

LV2_Worker_Status cantus_work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    Cantus *self = (Cantus *)instance;
    uint32_t type = 0;
    if (size < sizeof type) return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&type, data, sizeof type);

    if (type == WORK_FREE && size == sizeof(WorkFree)) {
        WorkFree message;
        memcpy(&message, data, sizeof message);
        engine_free(message.engine);
        return LV2_WORKER_SUCCESS;
    }
    if (type == WORK_LOAD && size > sizeof(WorkLoad)) {
        WorkLoad header;
        memcpy(&header, data, sizeof header);
        const char *path = (const char *)data + sizeof header;
        if (header.path_len + 1 + sizeof header != size || path[header.path_len] != '\0')
            return LV2_WORKER_ERR_UNKNOWN;
        /* A bad file is logged once and answered with nothing: the model
         * playing now keeps playing. */
        CantusEngine *engine = cantus_load_now(self, path);
        if (!engine) return LV2_WORKER_SUCCESS;
        const WorkLoaded loaded = {engine};
        if (respond(handle, sizeof loaded, &loaded) != LV2_WORKER_SUCCESS) {
            lv2_log_error(&self->logger, "cantus: the host's worker queue is full; %s not used\n",
                          path);
            engine_free(engine);
        }
        return LV2_WORKER_SUCCESS;
    }
    return LV2_WORKER_ERR_UNKNOWN;
}

void cantus_send_retired(Cantus *self)
{
    CantusEngine *engine;
    while ((engine = player_take_retired(&self->player))) {
        if (!cantus_schedule_free(self, engine)) {
            /* Just taken from the list, so it has room for it again. */
            player_offer_retired(&self->player, engine);
            break;
        }
    }
}

void cantus_dispose_engine(Cantus *self, CantusEngine *engine)
{
    if (!engine || cantus_schedule_free(self, engine)) return;
    /* The retired list and the host's queue are both full: freeing here
     * costs real time once, where keeping it would leak it for good. */
    lv2_log_warning(&self->logger, "cantus: the worker queue is full; freeing a model in run()\n");
    engine_free(engine);
}

LV2_Worker_Status cantus_work_response(LV2_Handle instance, uint32_t size, const void *data)
{
    Cantus *self = (Cantus *)instance;
    if (size != sizeof(WorkLoaded)) return LV2_WORKER_ERR_UNKNOWN;
    WorkLoaded loaded;
    memcpy(&loaded, data, sizeof loaded);
    /* Many answers in one cycle (a worker far behind) each retire the
     * pending engine before them: the list goes to the worker first, and
     * an engine the list cannot take is sent on its own. Dropping those
     * leaked every engine beyond the list's 16 (regression test:
     * test_many_answers_leak_nothing in tests/plugin/test_player_hostile.c). */
    cantus_send_retired(self);
    cantus_dispose_engine(self, player_offer_engine(&self->player, loaded.engine));
    return LV2_WORKER_SUCCESS;
}
