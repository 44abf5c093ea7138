/*
 * statfs pool (see statfs.h): the JS side. The worker threads live in
 * statfs_thread.c, the structures both share in statfs_internal.h.
 *
 * Threads
 *   - Every worker is a detached pthread: nothing ever joins one, because any
 *     of them may be blocked for minutes in statfs() of a hung mount, and a
 *     join from JS would freeze the event loop.
 *   - submitBatch() queues many requests in one critical section and wakes
 *     at most BATCH_WORKERS idle workers, after unlocking: every wake-up of a
 *     sleeping thread is an IPI, which on a VM costs more than the statfs
 *     calls of a whole batch. Two workers keep a batch moving past one hung
 *     mount; a worker that takes a request while a sibling's call has run for
 *     STUCK_NS wakes another idle worker for the rest of the queue. (Two hung
 *     mounts at the head of one batch hold the rest until the first timeout
 *     abandons a thread and its replacement takes over.)
 *   - Workers take requests from a FIFO under `mu`, run statx + statfs
 *     without the lock, push the result under the lock and wake JS through an
 *     unref'd threadsafe function. Wake-ups are coalesced (`notify_pending`):
 *     JS drains every queued result in one call.
 *   - A batch of requests wakes JS once, not once per answer (each wake-up of
 *     the event loop costs tens of µs on a VM, far more than a statfs): a
 *     worker that finishes while the queue still holds requests, or while a
 *     sibling is busy, leaves its result queued. The last worker to go idle
 *     wakes JS; a worker that goes idle while siblings are still busy waits at
 *     most COALESCE_NS for them and then wakes JS anyway, so a sibling blocked
 *     in a hung mount delays nobody's result by more than that. A worker that
 *     starts another request with results queued hands that wait to an idle
 *     sibling first. Late answers of abandoned calls, and abandon() itself,
 *     wake JS at once.
 *   - abandon(id) marks the worker running request `id` as abandoned and, if
 *     the pool is not closing, starts a replacement so capacity stays at
 *     `target`. When the abandoned call returns, its (late) result is still
 *     delivered and the thread exits.
 *   - close() stops new work, drops queued requests and releases the tsfn;
 *     idle workers exit at once, busy ones after their call returns.
 *
 * Memory
 *   `refs` counts the owners of the pool struct: the JS handle (until it is
 *   garbage collected), the tsfn (until its finalizer), and each live thread.
 *   Whoever drops the last reference frees it, so a hung thread that returns
 *   after close() (or after the handle is gone) never touches freed memory.
 *   Workers touch the tsfn only under `mu` while `tsfn_alive`, which close()
 *   clears under `mu` before releasing it.
 */
#include "statfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "statfs_internal.h"

/* ---- JS thread ------------------------------------------------------------ */

static void cleanup_hook(void *arg);

/* Idempotent. */
static void pool_close(pool *p) {
  pthread_mutex_lock(&p->mu);
  if (p->closing) {
    pthread_mutex_unlock(&p->mu);
    return;
  }
  p->closing = true;
  bool release = p->tsfn_alive;
  p->tsfn_alive = false;
  statfs_free_requests(p->q_head);
  p->q_head = p->q_tail = NULL;
  p->queued = 0;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  if (p->hook_added) {
    p->hook_added = false;
    napi_remove_env_cleanup_hook(p->env, cleanup_hook, p);
  }
  if (release) napi_release_threadsafe_function(p->tsfn, napi_tsfn_release);
}

static void cleanup_hook(void *arg) {
  pool *p = arg;
  p->hook_added = false; /* Node drops a hook once it has run */
  pool_close(p);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pool *p = data;
  /* Results still queued can no longer be delivered. */
  pthread_mutex_lock(&p->mu);
  result *rs = p->r_head;
  p->r_head = p->r_tail = NULL;
  pthread_mutex_unlock(&p->mu);
  while (rs) {
    result *next = rs->next;
    free(rs);
    rs = next;
  }
  statfs_pool_unref(p);
}

static napi_value result_values(napi_env env, const result *rs) {
  napi_value array, number;
  if (napi_create_array_with_length(env, NVALUES, &array) != napi_ok) return NULL;
  for (uint32_t i = 0; i < NVALUES; i++) {
    if (napi_create_double(env, rs->values[i], &number) != napi_ok ||
        napi_set_element(env, array, i, number) != napi_ok) {
      return NULL;
    }
  }
  return array;
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  pool *p = context;
  pthread_mutex_lock(&p->mu);
  result *rs = p->r_head;
  p->r_head = p->r_tail = NULL;
  p->notify_pending = false;
  bool closing = p->closing;
  pthread_mutex_unlock(&p->mu);
  while (rs) {
    result *next = rs->next;
    if (env != NULL && js_cb != NULL && !closing) {
      napi_value undefined, argv[3], ret;
      bool ok = napi_get_undefined(env, &undefined) == napi_ok &&
                napi_create_uint32(env, rs->id, &argv[0]) == napi_ok &&
                napi_create_int32(env, rs->err, &argv[1]) == napi_ok;
      if (ok) {
        argv[2] = rs->err == 0 ? result_values(env, rs) : undefined;
        if (argv[2] == NULL) argv[2] = undefined;
        if (napi_call_function(env, undefined, js_cb, 3, argv, &ret) != napi_ok) {
          bool pending = false;
          napi_value err;
          if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
              napi_get_and_clear_last_exception(env, &err) == napi_ok) {
            napi_fatal_exception(env, err);
          }
        }
      }
    }
    free(rs);
    rs = next;
  }
}

static pool *unwrap_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok ||
      napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    fsevd_throw_type_error(env, "statfs pool method called on something that is not a pool");
    return NULL;
  }
  return data;
}

/* The request id in argv[0]; throws (and returns false) when it is missing or not a uint32. */
static bool id_arg(napi_env env, size_t argc, napi_value *argv, uint32_t *id) {
  if (argc < 1 || napi_get_value_uint32(env, argv[0], id) != napi_ok) {
    fsevd_throw_type_error(env, "The \"id\" argument must be a number");
    return false;
  }
  return true;
}

/* A request for `path_value` (Buffer or string); NULL with a pending exception when it is bad. */
static request *make_request(napi_env env, uint32_t id, napi_value path_value) {
  char *path = fsevd_get_path(env, path_value, "path");
  if (path == NULL) return NULL;
  request *rq = malloc(sizeof *rq);
  if (rq == NULL) {
    free(path);
    fsevd_throw_errno(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  rq->next = NULL;
  rq->id = id;
  rq->path = path;
  return rq;
}

static napi_value boolean_value(napi_env env, bool value) {
  napi_value ret;
  FSEVD_NAPI_CALL(env, napi_get_boolean(env, value, &ret));
  return ret;
}

/* submit(id: number, path: Buffer | string): boolean (false once closed) */
static napi_value pool_submit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  pool *p = unwrap_this(env, info, &argc, argv);
  if (p == NULL) return NULL;
  if (argc < 2) return fsevd_throw_type_error(env, "submit(id, path) needs 2 arguments");
  uint32_t id;
  if (!id_arg(env, argc, argv, &id)) return NULL;
  request *rq = make_request(env, id, argv[1]);
  if (rq == NULL) return NULL;
  return boolean_value(env, statfs_enqueue_requests(p, rq, rq, 1));
}

/*
 * submitBatch(ids: number[], paths: Array<Buffer | string>): boolean — submit() for each pair, in
 * one critical section and one wake-up of the threads (false once closed; nothing is queued when
 * any element is bad).
 */
static napi_value pool_submit_batch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  pool *p = unwrap_this(env, info, &argc, argv);
  if (p == NULL) return NULL;
  bool arrays = false, same = false;
  uint32_t n = 0, n_paths = 0;
  if (argc == 2 && napi_is_array(env, argv[0], &arrays) == napi_ok && arrays &&
      napi_is_array(env, argv[1], &same) == napi_ok && same) {
    (void)napi_get_array_length(env, argv[0], &n);
    (void)napi_get_array_length(env, argv[1], &n_paths);
  }
  if (!arrays || !same || n != n_paths) return fsevd_throw_type_error(env, "submitBatch(ids, paths) needs two arrays of the same length");
  if (n == 0) return boolean_value(env, true);
  request *head = NULL, *tail = NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value id_value, path_value;
    uint32_t id;
    if (napi_get_element(env, argv[0], i, &id_value) != napi_ok || napi_get_value_uint32(env, id_value, &id) != napi_ok) {
      statfs_free_requests(head);
      return fsevd_throw_type_error(env, "submitBatch: every id must be a number");
    }
    request *rq = napi_get_element(env, argv[1], i, &path_value) == napi_ok ? make_request(env, id, path_value) : NULL;
    if (rq == NULL) {
      statfs_free_requests(head);
      return NULL;
    }
    if (tail) tail->next = rq;
    else head = rq;
    tail = rq;
  }
  return boolean_value(env, statfs_enqueue_requests(p, head, tail, n));
}

/* abandon(id: number): boolean — true when a thread running `id` was handed over. */
static napi_value pool_abandon(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  pool *p = unwrap_this(env, info, &argc, argv);
  if (p == NULL) return NULL;
  uint32_t id;
  if (!id_arg(env, argc, argv, &id)) return NULL;
  bool found = false;
  pthread_mutex_lock(&p->mu);
  if (p->abandoned < MAX_ABANDONED) {
    for (worker *w = p->workers; w; w = w->next) {
      if (w->busy && !w->abandoned && w->current == id) {
        w->abandoned = true;
        p->live--;
        p->abandoned++;
        p->abandoned_total++;
        found = true;
        break;
      }
    }
  }
  if (found && !p->closing && p->live < p->target) (void)statfs_spawn_worker(p);
  if (found) statfs_notify(p); /* results queued behind the hung call go out now */
  pthread_mutex_unlock(&p->mu);
  napi_value ret;
  FSEVD_NAPI_CALL(env, napi_get_boolean(env, found, &ret));
  return ret;
}

static napi_status set_number(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_status s = napi_create_double(env, value, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

/* stats(): { threads, busy, queued, abandoned, abandonedTotal } */
static napi_value pool_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  pool *p = unwrap_this(env, info, &argc, NULL);
  if (p == NULL) return NULL;
  pthread_mutex_lock(&p->mu);
  int busy = 0;
  for (worker *w = p->workers; w; w = w->next) busy += w->busy && !w->abandoned;
  double threads = p->live, queued = p->queued, abandoned = p->abandoned, total = (double)p->abandoned_total;
  pthread_mutex_unlock(&p->mu);
  napi_value obj;
  FSEVD_NAPI_CALL(env, napi_create_object(env, &obj));
  FSEVD_NAPI_CALL(env, set_number(env, obj, "threads", threads));
  FSEVD_NAPI_CALL(env, set_number(env, obj, "busy", busy));
  FSEVD_NAPI_CALL(env, set_number(env, obj, "queued", queued));
  FSEVD_NAPI_CALL(env, set_number(env, obj, "abandoned", abandoned));
  FSEVD_NAPI_CALL(env, set_number(env, obj, "abandonedTotal", total));
  return obj;
}

static napi_value pool_close_js(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  pool *p = unwrap_this(env, info, &argc, NULL);
  if (p == NULL) return NULL;
  pool_close(p);
  return NULL;
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pool *p = data;
  pool_close(p);
  statfs_pool_unref(p);
}

/* createStatfsPool(threads: number, onResult: function) */
static napi_value create_pool(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t threads = 0;
  napi_valuetype cb_type = napi_undefined;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &threads) != napi_ok || threads < 1 || threads > MAX_THREADS) {
    return fsevd_throw_type_error(env, "createStatfsPool(threads 1..64, onResult) needs a thread count");
  }
  FSEVD_NAPI_CALL(env, napi_typeof(env, argv[1], &cb_type));
  if (cb_type != napi_function) return fsevd_throw_type_error(env, "The \"onResult\" argument must be of type function");

  pool *p = calloc(1, sizeof *p);
  if (p == NULL) return fsevd_throw_errno(env, ENOMEM, "calloc", NULL);
  pthread_mutex_init(&p->mu, NULL);
  pthread_condattr_t cv_attr;
  pthread_condattr_init(&cv_attr);
  pthread_condattr_setclock(&cv_attr, CLOCK_MONOTONIC);
  pthread_cond_init(&p->cv, &cv_attr);
  pthread_condattr_destroy(&cv_attr);
  p->env = env;
  p->target = threads;
  atomic_init(&p->refs, 1); /* the tsfn, once created */

  napi_value name, handle;
  napi_status s = napi_create_string_utf8(env, "fsevd:statfsPool", NAPI_AUTO_LENGTH, &name);
  if (s == napi_ok) {
    s = napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, p, tsfn_finalize, p, call_js, &p->tsfn);
  }
  if (s != napi_ok) {
    statfs_pool_unref(p);
    return fsevd_throw_status(env, s, "napi_create_threadsafe_function");
  }
  p->tsfn_alive = true;
  /* From here on, failures go through pool_close(), which releases the tsfn. */
  s = napi_unref_threadsafe_function(env, p->tsfn);
  napi_property_descriptor methods[] = {
      {"submit", NULL, pool_submit, NULL, NULL, NULL, napi_default, NULL},
      {"submitBatch", NULL, pool_submit_batch, NULL, NULL, NULL, napi_default, NULL},
      {"abandon", NULL, pool_abandon, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, pool_stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, pool_close_js, NULL, NULL, NULL, napi_default, NULL},
  };
  if (s == napi_ok) s = napi_create_object(env, &handle);
  if (s == napi_ok) s = napi_define_properties(env, handle, sizeof methods / sizeof methods[0], methods);
  if (s == napi_ok) {
    atomic_fetch_add(&p->refs, 1); /* the handle */
    s = napi_wrap(env, handle, p, handle_finalize, NULL, NULL);
    if (s != napi_ok) atomic_fetch_sub(&p->refs, 1);
  }
  if (s != napi_ok) {
    fsevd_throw_status(env, s, "createStatfsPool setup");
    pool_close(p);
    return NULL;
  }
  if (napi_add_env_cleanup_hook(env, cleanup_hook, p) == napi_ok) p->hook_added = true;
  pthread_mutex_lock(&p->mu);
  int err = 0;
  for (int i = 0; i < threads && err == 0; i++) err = statfs_spawn_worker(p);
  pthread_mutex_unlock(&p->mu);
  if (err != 0) {
    pool_close(p);
    return fsevd_throw_errno(env, err, "pthread_create", NULL);
  }
  return handle;
}

napi_status fsevd_statfs_register(napi_env env, napi_value exports) {
  return fsevd_export_function(env, exports, "createStatfsPool", create_pool);
}
