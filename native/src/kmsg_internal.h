/*
 * Shared by kmsg.c (JS side) and kmsg_thread.c (reader thread): the reader
 * state, the batches it hands to JS, and the limits that bound them. See kmsg.c
 * for who may touch which field.
 */
#ifndef FSEVD_NATIVE_KMSG_INTERNAL_H
#define FSEVD_NATIVE_KMSG_INTERNAL_H

#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define READER_STACK_SIZE (128 * 1024)
/* One read() must fit a whole record or the kernel answers EINVAL: text up to
 * PRINTK_MESSAGE_MAX (2048) escaped as \xNN is at most 4x, plus header and
 * dict lines; CONSOLE_EXT_LOG_MAX is 8192 (include/linux/printk.h). */
#define RECORD_MAX 8192
/* ~2,500 typical records: one call per batch keeps the per-record cost in JS
 * small in a flood, while a lone record is still sent as soon as it is read. */
#define BATCH_BYTES (256 * 1024)
/* 16 x 256 KiB = 4 MiB of records may wait for JS: ~0.5 s of a 73k/s flood. */
#define MAX_QUEUED_BATCHES 16
#define RETRY_MS 2

/* Records the main thread reads itself per wake-up before handing over: enough for any burst
 * of a single fault, small enough that in a flood the reader thread does the reading. */
#define MAIN_READ_BUDGET 64

/* Records read, in kernel order, waiting for JS (a singly linked queue). */
typedef struct kmsg_batch {
  struct kmsg_batch *next;
  char *data; /* BATCH_BYTES, or NULL for a marker batch without records */
  size_t len;
  int error;      /* errno that stopped reading (last batch; its records come first) */
  bool caught_up; /* the read after this batch's last record found no more (EAGAIN) */
} kmsg_batch;

typedef struct kmsg_reader {
  napi_env env;                  /* [JS] */
  napi_threadsafe_function tsfn; /* written before the thread starts */
  int refs;                      /* [JS] owners left: tsfn, close function, poll handle */
  bool stopped;                  /* [JS] */
  bool thread_started;           /* [JS] */
  bool hook_added;               /* [JS] */
  bool polling;                  /* [JS] the poll handle is initialised and not yet closed */
  bool paused;                   /* [JS] its watch is stopped until JS drains a full queue */
  uv_poll_t poll;                /* [JS] the event loop's own watch of fd */
  int fd;
  int wake_fd;
  pthread_t thread;
  atomic_uint_fast64_t overruns; /* EPIPE answers so far */
  /* Every read() of fd and the queue it fills, by either thread, happen under `lock`, one read
   * per hold: the queue is in kernel order whoever read, and neither waits longer than a read. */
  pthread_mutex_t lock;
  kmsg_batch *head, *tail; /* [lock] queued for JS, oldest first; records go into tail */
  kmsg_batch *spare;       /* [lock] a batch allocated before a read, queued once it holds one */
  size_t queued;           /* [lock] batches in the queue */
  bool announced;          /* [lock] the first catch-up with the ring was queued */
  int error;               /* [lock] errno that stopped reading, 0 while reading */
} kmsg_reader;

/* Why fsevd_kmsg_fill() returned. */
enum kmsg_fill {
  FILL_CAUGHT_UP, /* no record left (EAGAIN) */
  FILL_BATCH_DONE, /* a batch filled up: worth handing over now */
  FILL_BUDGET,    /* read `budget` records */
  FILL_FULL,      /* MAX_QUEUED_BATCHES wait for JS (or no memory): retry after JS drains */
  FILL_ERROR,     /* a read failed; r->error holds the errno, reading has ended */
};

/* Reads up to `budget` records into r's queue; *produced is set when something was queued for
 * JS (records, the first catch-up, the error). Called by the reader thread and the JS thread. */
enum kmsg_fill fsevd_kmsg_fill(kmsg_reader *r, size_t budget, bool *produced);

/* Detaches the whole queue (under the lock); the caller owns the list. */
kmsg_batch *fsevd_kmsg_take(kmsg_reader *r);

/* Frees a list of batches and their bytes (NULL is fine). */
void fsevd_kmsg_batch_free(kmsg_batch *b);

/* The reader thread's main function; `arg` is the kmsg_reader. */
void *fsevd_kmsg_thread_main(void *arg);

#endif /* FSEVD_NATIVE_KMSG_INTERNAL_H */
