/* The host side of work:schedule, as jalv has it: the audio thread writes
 * requests into a lock-free ring, the worker runs work() and writes answers
 * into another, and after each run() the audio thread hands the answers to
 * work_response() and calls end_run().
 *
 * Deferred mode runs work() right after run() on the calling thread, so a
 * test sees the same cycles every time. An answer can be held back for a
 * number of cycles to play a slow host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_internal.h"

#define RING_SIZE    (1u << 16)
#define MESSAGE_SIZE (1u << 14)

int host_ring_init(HostRing *ring, uint32_t size)
{
    ring->data = calloc(1, size);
    ring->size = size;
    atomic_init(&ring->write_head, 0);
    atomic_init(&ring->read_head, 0);
    return ring->data ? 0 : -1;
}

void host_ring_destroy(HostRing *ring)
{
    free(ring->data);
    ring->data = NULL;
}

/* Heads run freely and are reduced modulo size on use; unsigned wrap-around
 * keeps write - read the number of bytes in the ring. */
static void ring_copy_in(HostRing *ring, uint32_t at, const void *src, uint32_t n)
{
    uint32_t start = at & (ring->size - 1);
    uint32_t first = n < ring->size - start ? n : ring->size - start;
    memcpy(ring->data + start, src, first);
    memcpy(ring->data, (const uint8_t *)src + first, n - first);
}

static void ring_copy_out(const HostRing *ring, uint32_t at, void *dst, uint32_t n)
{
    uint32_t start = at & (ring->size - 1);
    uint32_t first = n < ring->size - start ? n : ring->size - start;
    memcpy(dst, ring->data + start, first);
    memcpy((uint8_t *)dst + first, ring->data, n - first);
}

bool host_ring_write(HostRing *ring, const void *msg, uint32_t size)
{
    uint32_t w = atomic_load_explicit(&ring->write_head, memory_order_relaxed);
    uint32_t r = atomic_load_explicit(&ring->read_head, memory_order_acquire);
    if (ring->size - (w - r) < size + sizeof(uint32_t)) return false;
    ring_copy_in(ring, w, &size, sizeof(uint32_t));
    ring_copy_in(ring, w + sizeof(uint32_t), msg, size);
    atomic_store_explicit(&ring->write_head, w + sizeof(uint32_t) + size, memory_order_release);
    return true;
}

uint32_t host_ring_read(HostRing *ring, void *buf, uint32_t cap)
{
    uint32_t r = atomic_load_explicit(&ring->read_head, memory_order_relaxed);
    uint32_t w = atomic_load_explicit(&ring->write_head, memory_order_acquire);
    if (w == r) return 0;
    uint32_t size;
    ring_copy_out(ring, r, &size, sizeof(uint32_t));
    uint32_t copied = size < cap ? size : cap;
    ring_copy_out(ring, r + sizeof(uint32_t), buf, copied);
    atomic_store_explicit(&ring->read_head, r + sizeof(uint32_t) + size, memory_order_release);
    return size ? copied : 0;
}

static bool ring_empty(HostRing *ring)
{
    return atomic_load_explicit(&ring->write_head, memory_order_acquire) ==
           atomic_load_explicit(&ring->read_head, memory_order_relaxed);
}

/* work() answers through this; on the worker thread or, deferred, on the
 * caller's. */
static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    HostWorker *worker = handle;
    return host_ring_write(&worker->responses, data, size) ? LV2_WORKER_SUCCESS
                                                           : LV2_WORKER_ERR_NO_SPACE;
}

/* Requests are read into a buffer the work() call may keep using until it
 * returns, so one request is served at a time. */
static void serve_one(HostWorker *worker, uint8_t *buf, uint32_t cap)
{
    uint32_t size = host_ring_read(&worker->requests, buf, cap);
    if (worker->iface && worker->iface->work)
        worker->iface->work(worker->handle, respond, worker, size, buf);
    atomic_fetch_add(&worker->done, 1);
}

static void *worker_main(void *arg)
{
    HostWorker *worker = arg;
    uint8_t *buf = malloc(MESSAGE_SIZE);
    while (buf) {
        while (sem_wait(&worker->wake) && errno == EINTR) {
        }
        if (atomic_load(&worker->quit)) break;
        serve_one(worker, buf, MESSAGE_SIZE);
    }
    free(buf);
    return NULL;
}

int host_worker_init(HostWorker *worker, CantusHost *host, CantusHostWorkerMode mode)
{
    memset(worker, 0, sizeof(*worker));
    worker->host = host;
    worker->mode = mode;
    atomic_init(&worker->quit, false);
    atomic_init(&worker->requested, 0);
    atomic_init(&worker->done, 0);
    worker->message_cap = MESSAGE_SIZE;
    worker->message = malloc(MESSAGE_SIZE);
    if (!worker->message || host_ring_init(&worker->requests, RING_SIZE) ||
        host_ring_init(&worker->responses, RING_SIZE) || sem_init(&worker->wake, 0, 0))
        return -1;
    if (mode == CANTUS_HOST_WORKER_THREADED) {
        if (pthread_create(&worker->thread, NULL, worker_main, worker)) return -1;
        worker->thread_running = true;
    }
    return 0;
}

void host_worker_attach(HostWorker *worker, const LV2_Worker_Interface *iface, LV2_Handle handle)
{
    worker->iface = iface;
    worker->handle = handle;
}

void host_worker_stop(HostWorker *worker)
{
    if (worker->thread_running) {
        atomic_store(&worker->quit, true);
        sem_post(&worker->wake);
        pthread_join(worker->thread, NULL);
        worker->thread_running = false;
    }
}

void host_worker_destroy(HostWorker *worker)
{
    host_worker_stop(worker);
    sem_destroy(&worker->wake);
    host_ring_destroy(&worker->requests);
    host_ring_destroy(&worker->responses);
    free(worker->message);
    worker->message = NULL;
}

LV2_Worker_Status host_worker_schedule(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void *data)
{
    HostWorker *worker = handle;
    if (size > worker->message_cap) return LV2_WORKER_ERR_NO_SPACE;
    if (!host_ring_write(&worker->requests, data, size)) return LV2_WORKER_ERR_NO_SPACE;
    atomic_fetch_add(&worker->requested, 1);
    /* sem_post is a futex wake, not a lock: what jalv does from run(). */
    if (worker->mode == CANTUS_HOST_WORKER_THREADED) sem_post(&worker->wake);
    return LV2_WORKER_SUCCESS;
}

void host_worker_do_deferred(HostWorker *worker)
{
    if (worker->mode != CANTUS_HOST_WORKER_DEFERRED) return;
    while (!ring_empty(&worker->requests))
        serve_one(worker, worker->message, worker->message_cap);
}

void host_worker_emit_responses(HostWorker *worker)
{
    if (!ring_empty(&worker->responses)) {
        if (worker->held < worker->delay) {
            ++worker->held;
        } else {
            worker->held = 0;
            while (!ring_empty(&worker->responses)) {
                uint32_t size =
                    host_ring_read(&worker->responses, worker->message, worker->message_cap);
                if (worker->iface && worker->iface->work_response)
                    worker->iface->work_response(worker->handle, size, worker->message);
            }
        }
    }
    if (worker->iface && worker->iface->end_run) worker->iface->end_run(worker->handle);
}

void host_worker_drain(HostWorker *worker)
{
    if (worker->mode != CANTUS_HOST_WORKER_THREADED) return;
    while (atomic_load(&worker->done) != atomic_load(&worker->requested)) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
}
