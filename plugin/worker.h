/* The LV2 worker: model files are read, validated and turned into ready
 * engines here, off the audio thread; engines the audio thread has retired
 * come back here to be freed (the LV2 book's eg-sampler shape). */
#ifndef CANTUS_PLUGIN_WORKER_H
#define CANTUS_PLUGIN_WORKER_H

#include <lv2/worker/worker.h>

#include "cantus.h"

LV2_Worker_Status cantus_work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data);

LV2_Worker_Status cantus_work_response(LV2_Handle instance, uint32_t size, const void *data);

/* Sends an engine to the worker to be freed; false when the host's queue is
 * full (try again next cycle). */
bool cantus_schedule_free(Cantus *self, CantusEngine *engine);

/* Retired engines go back to the worker; a full queue keeps them on the
 * player's list for the next cycle. Real-time safe. */
void cantus_send_retired(Cantus *self);

/* An engine nobody will play goes to the worker to be freed, or, when the
 * host's queue is full, is freed at once (logged: not real-time safe, but
 * no leak). NULL does nothing. */
void cantus_dispose_engine(Cantus *self, CantusEngine *engine);

#endif
