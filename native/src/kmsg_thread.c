/*
 * Reading /dev/kmsg into the queue for JS (fsevd_kmsg_fill, used by both the
 * reader thread and the JS thread, see kmsg.c), and the reader thread itself:
 * fill until EAGAIN, wake JS through the threadsafe function (non-blocking
 * only), wait in poll() for the next record or for stop(). The thread touches
 * only fd, wake_fd, tsfn, the atomic overrun counter and the [lock] fields.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "kmsg_internal.h"

void fsevd_kmsg_batch_free(kmsg_batch *b) {
  while (b != NULL) {
    kmsg_batch *next = b->next;
    free(b->data);
    free(b);
    b = next;
  }
}

static void enqueue(kmsg_reader *r, kmsg_batch *b) {
  if (r->tail != NULL) r->tail->next = b;
  else r->head = b;
  r->tail = b;
  r->queued++;
}

/* The queued batch the next record goes into: the tail while it is open and has
 * room for one more record, else the spare (allocated here, queued by the
 * caller once it holds a record). NULL when the queue is full or memory short. */
static kmsg_batch *writable(kmsg_reader *r) {
  kmsg_batch *t = r->tail;
  if (t != NULL && t->data != NULL && !t->caught_up && BATCH_BYTES - t->len >= RECORD_MAX) return t;
  if (r->queued >= MAX_QUEUED_BATCHES) return NULL;
  if (r->spare == NULL) {
    kmsg_batch *b = calloc(1, sizeof *b);
    if (b == NULL) return NULL;
    b->data = malloc(BATCH_BYTES);
    if (b->data == NULL) {
      free(b);
      return NULL;
    }
    r->spare = b;
  }
  return r->spare;
}

/* Marks the end of what was read (catch-up or error) on the tail, or on a
 * marker batch without records when the tail is closed or absent. */
static kmsg_batch *end_batch(kmsg_reader *r) {
  kmsg_batch *t = r->tail;
  if (t != NULL && t->data != NULL && !t->caught_up && t->error == 0) return t;
  kmsg_batch *b = calloc(1, sizeof *b);
  if (b != NULL) enqueue(r, b);
  return b;
}

/* One read() under the lock; see fsevd_kmsg_fill. Returns -1 to go on. */
static int fill_one(kmsg_reader *r, bool *produced, bool *batch_done) {
  if (r->error != 0) return FILL_ERROR;
  kmsg_batch *b = writable(r);
  if (b == NULL) return FILL_FULL;
  ssize_t got = read(r->fd, b->data + b->len, RECORD_MAX);
  if (got > 0) {
    if (b == r->spare) {
      r->spare = NULL;
      enqueue(r, b);
    }
    b->len += (size_t)got;
    /* Records end in '\n' (devkmsg_read); keep the framing even if one did not. */
    if (b->data[b->len - 1] != '\n') b->data[b->len++] = '\n';
    *produced = true;
    *batch_done = BATCH_BYTES - b->len < RECORD_MAX;
    return -1;
  }
  int err = got == 0 ? EAGAIN : errno;
  if (err == EINTR) return -1;
  if (err == EPIPE) {
    /* The ring overwrote records nobody had read; the next read returns the
     * oldest one kept, so the gap is visible in the sequence numbers. */
    atomic_fetch_add(&r->overruns, 1);
    return -1;
  }
  if (err == EAGAIN) {
    /* The first catch-up is queued even with nothing read: JS treats what came
     * before it as the backlog of the ring. */
    kmsg_batch *t = r->tail;
    bool has_records = t != NULL && t->data != NULL && !t->caught_up && t->error == 0;
    if (has_records || !r->announced) {
      kmsg_batch *end = end_batch(r);
      if (end == NULL) return FILL_FULL; /* no memory for the marker: retried */
      end->caught_up = true;
      r->announced = true;
      *produced = true;
    }
    return FILL_CAUGHT_UP;
  }
  r->error = err;
  kmsg_batch *end = end_batch(r);
  if (end != NULL) end->error = err;
  *produced = true;
  return FILL_ERROR;
}

enum kmsg_fill fsevd_kmsg_fill(kmsg_reader *r, size_t budget, bool *produced) {
  for (size_t n = 0; n < budget; n++) {
    bool batch_done = false;
    pthread_mutex_lock(&r->lock);
    int result = fill_one(r, produced, &batch_done);
    pthread_mutex_unlock(&r->lock);
    if (result >= 0) return (enum kmsg_fill)result;
    if (batch_done) return FILL_BATCH_DONE;
  }
  return FILL_BUDGET;
}

kmsg_batch *fsevd_kmsg_take(kmsg_reader *r) {
  pthread_mutex_lock(&r->lock);
  kmsg_batch *list = r->head;
  r->head = r->tail = NULL;
  r->queued = 0;
  pthread_mutex_unlock(&r->lock);
  return list;
}

/* Sleeps up to ms; true when stop() asked the thread to end. */
static bool wait_for_stop(kmsg_reader *r, int ms) {
  struct pollfd p = {.fd = r->wake_fd, .events = POLLIN, .revents = 0};
  int n = poll(&p, 1, ms);
  return n > 0 && p.revents != 0;
}

void *fsevd_kmsg_thread_main(void *arg) {
  kmsg_reader *r = arg;
  struct pollfd pfds[2] = {
      {.fd = r->fd, .events = POLLIN, .revents = 0},
      {.fd = r->wake_fd, .events = POLLIN, .revents = 0},
  };
  for (;;) {
    bool produced = false;
    enum kmsg_fill result = fsevd_kmsg_fill(r, (size_t)-1, &produced);
    /* A full tsfn queue means wake-ups are already pending; each one hands JS
     * the whole queue, this batch included. */
    if (produced && napi_call_threadsafe_function(r->tsfn, NULL, napi_tsfn_nonblocking) == napi_closing) break;
    if (result == FILL_ERROR) break;
    if (result == FILL_BATCH_DONE) continue;
    if (result == FILL_FULL) {
      /* JS is behind: stop reading until it drains the queue (the ring may
       * overrun meanwhile; the loss shows as a gap). */
      if (wait_for_stop(r, RETRY_MS)) break;
      continue;
    }
    /* Caught up with the kernel: sleep until the next record or stop(). */
    int n = poll(pfds, 2, -1);
    if (n < 0 && errno != EINTR && wait_for_stop(r, 100)) break; /* ENOMEM: back off */
    if (n > 0 && pfds[1].revents != 0) break;
  }
  return NULL;
}
