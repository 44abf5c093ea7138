/*
 * Shared by statfs.c (JS side) and statfs_thread.c (worker threads): the pool,
 * its requests and results, and the functions the JS side calls into. See
 * statfs.c for the threading and memory rules.
 */
#ifndef FSEVD_NATIVE_STATFS_INTERNAL_H
#define FSEVD_NATIVE_STATFS_INTERNAL_H

#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* statfs/statx need little stack; keeps abandoned threads cheap. */
#define WORKER_STACK_SIZE (64 * 1024)
/* Upper bound on threads left blocked in hung calls; beyond it abandon() refuses. */
#define MAX_ABANDONED 4096
#define MAX_THREADS 64
#define NVALUES 10
/* Longest a finished result waits for busy siblings before JS is woken. */
#define COALESCE_NS (2 * 1000 * 1000)
/* Workers woken for a batch (each wake-up is an IPI on a VM); more join when one is stuck. */
#define BATCH_WORKERS 2
/* A call running this long is treated as stuck: idle siblings are woken for the rest of the queue. */
#define STUCK_NS (5 * 1000 * 1000)

typedef struct request {
  struct request *next;
  uint32_t id;
  char *path;
} request;

typedef struct result {
  struct result *next;
  uint32_t id;
  int err;
  double values[NVALUES];
} result;

typedef struct worker {
  struct worker *next;
  struct pool *pool;
  bool busy;
  bool abandoned;
  uint32_t current;
  uint64_t started; /* CLOCK_MONOTONIC ns when `current` began */
} worker;

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  request *q_head, *q_tail;
  uint32_t queued;
  result *r_head, *r_tail;
  uint64_t r_since; /* CLOCK_MONOTONIC ns when the oldest result not yet notified was queued */
  int idle_waiting; /* workers blocked in the cv wait */
  worker *workers;
  int live;      /* running threads not abandoned */
  int abandoned; /* abandoned threads still blocked in a call */
  uint64_t abandoned_total;
  int target;
  bool closing;
  bool tsfn_alive;
  bool notify_pending;
  napi_threadsafe_function tsfn;
  atomic_int refs;
  napi_env env;    /* [JS] */
  bool hook_added; /* [JS] */
} pool;

/* Drops one reference; the last one frees the pool. */
void statfs_pool_unref(pool *p);
/* Frees a chain of requests. */
void statfs_free_requests(request *rq);
/* Under p->mu: wakes JS for queued results unless a wake-up is already pending. */
void statfs_notify(pool *p);
/* Under p->mu (or before any thread exists): starts one worker. Returns 0 or an errno. */
int statfs_spawn_worker(pool *p);
/* Queues a chain of n requests and wakes idle workers; false (chain freed) once closing. */
bool statfs_enqueue_requests(pool *p, request *head, request *tail, uint32_t n);

#endif /* FSEVD_NATIVE_STATFS_INTERNAL_H */
