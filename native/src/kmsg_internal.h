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

typedef struct kmsg_batch {
  char *data;
  size_t len;
  int error; /* errno that stopped the thread (last batch; its records come first) */
  bool caught_up; /* the last read of this batch found no more records (EAGAIN) */
} kmsg_batch;

typedef struct kmsg_reader {
  napi_env env;                  /* [JS] */
  napi_threadsafe_function tsfn; /* written before the thread starts */
  int refs;                      /* [JS] owners left: tsfn, close function */
  bool stopped;                  /* [JS] */
  bool thread_started;           /* [JS] */
  bool hook_added;               /* [JS] */
  int fd;
  int wake_fd;
  pthread_t thread;
  atomic_uint_fast64_t overruns; /* EPIPE answers so far */
} kmsg_reader;

/* Frees a batch and its bytes (NULL is fine). */
void fsevd_kmsg_batch_free(kmsg_batch *b);

/* The reader thread's main function; `arg` is the kmsg_reader. */
void *fsevd_kmsg_thread_main(void *arg);

#endif /* FSEVD_NATIVE_KMSG_INTERNAL_H */
