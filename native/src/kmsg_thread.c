/*
 * The /dev/kmsg reader thread (see kmsg.c for the design): read until EAGAIN
 * into a batch, hand full or caught-up batches to JS through the threadsafe
 * function in non-blocking mode only, wait in poll() for the next record or for
 * stop(). Touches only fd, wake_fd, tsfn and the atomic overrun counter.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "kmsg_internal.h"

void fsevd_kmsg_batch_free(kmsg_batch *b) {
  if (b != NULL) {
    free(b->data);
    free(b);
  }
}

static kmsg_batch *batch_new(void) {
  kmsg_batch *b = calloc(1, sizeof *b);
  if (b == NULL) return NULL;
  b->data = malloc(BATCH_BYTES);
  if (b->data == NULL) {
    free(b);
    return NULL;
  }
  return b;
}

enum send_result { SENT, QUEUE_FULL, CLOSING };

/* Queue *batch for JS; on success *batch is replaced by a fresh one (or NULL
 * when memory is short: the caller retries like for a full queue). */
static enum send_result try_send(kmsg_reader *r, kmsg_batch **batch) {
  napi_status s = napi_call_threadsafe_function(r->tsfn, *batch, napi_tsfn_nonblocking);
  if (s == napi_queue_full) return QUEUE_FULL;
  if (s != napi_ok) return CLOSING; /* env teardown: JS will never read it */
  *batch = batch_new();
  return SENT;
}

/* Sleeps up to ms; true when stop() asked the thread to end. */
static bool wait_for_stop(kmsg_reader *r, int ms) {
  struct pollfd p = {.fd = r->wake_fd, .events = POLLIN, .revents = 0};
  int n = poll(&p, 1, ms);
  return n > 0 && p.revents != 0;
}

#define DRAIN_FULL (-1)

/* Reads records until EAGAIN (returns 0), until the batch has no room for one
 * more (DRAIN_FULL), or a read error (its errno). */
static int drain(kmsg_reader *r, kmsg_batch *b) {
  for (;;) {
    if (BATCH_BYTES - b->len < RECORD_MAX) return DRAIN_FULL;
    ssize_t got = read(r->fd, b->data + b->len, RECORD_MAX);
    if (got > 0) {
      b->len += (size_t)got;
      /* Records end in '\n' (devkmsg_read); keep the framing even if one did not. */
      if (b->data[b->len - 1] != '\n') b->data[b->len++] = '\n';
      continue;
    }
    if (got == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return 0;
    if (errno == EPIPE) {
      /* The ring overwrote records we had not read; the next read returns the
       * oldest one kept, so the gap is visible in the sequence numbers. */
      atomic_fetch_add(&r->overruns, 1);
      continue;
    }
    return errno;
  }
}

/* Waits until the batch is handed over (used for the last batch after a read
 * error); false when told to stop first. */
static bool deliver_final(kmsg_reader *r, kmsg_batch **batch) {
  enum send_result s;
  while ((s = try_send(r, batch)) == QUEUE_FULL) {
    if (wait_for_stop(r, RETRY_MS)) return false;
  }
  return s == SENT;
}

void *fsevd_kmsg_thread_main(void *arg) {
  kmsg_reader *r = arg;
  kmsg_batch *batch = NULL;
  bool announced = false; /* JS was told once that the reader caught up with the ring */
  struct pollfd pfds[2] = {
      {.fd = r->fd, .events = POLLIN, .revents = 0},
      {.fd = r->wake_fd, .events = POLLIN, .revents = 0},
  };
  for (;;) {
    while (batch == NULL) { /* only after malloc failed: back off and retry */
      batch = batch_new();
      if (batch == NULL && wait_for_stop(r, 100)) return NULL;
    }
    int err = drain(r, batch);
    if (err != 0 && err != DRAIN_FULL) {
      batch->error = err;
      deliver_final(r, &batch); /* on success `batch` is a fresh one, freed below */
      break;
    }
    bool unsent = false;
    /* The first catch-up is announced even with nothing read: JS treats what came before it as
     * the backlog of the ring. */
    if (batch->len > 0 || (err == 0 && !announced)) {
      batch->caught_up = err == 0;
      enum send_result s = try_send(r, &batch);
      if (s == CLOSING) break;
      unsent = s == QUEUE_FULL;
      if (s == SENT && err == 0) announced = true;
    }
    if (err == DRAIN_FULL) {
      /* JS is behind and the batch is full: stop reading until it catches up. */
      if (unsent && wait_for_stop(r, RETRY_MS)) break;
      continue;
    }
    /* Caught up with the kernel. Sleep until the next record, or retry the
     * hand-over shortly if JS was behind (new records go into the same batch). */
    int n = poll(pfds, 2, unsent ? RETRY_MS : -1);
    if (n < 0 && errno != EINTR && wait_for_stop(r, 100)) break; /* ENOMEM: back off */
    if (n > 0 && pfds[1].revents != 0) break;
  }
  fsevd_kmsg_batch_free(batch);
  return NULL;
}
