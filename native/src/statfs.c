/*
 * statfs pool (see statfs.h).
 *
 * Threads
 *   - Every worker is a detached pthread: nothing ever joins one, because any
 *     of them may be blocked for minutes in statfs() of a hung mount, and a
 *     join from JS would freeze the event loop.
 *   - Workers take requests from a FIFO under `mu`, run statx + statfs
 *     without the lock, push the result under the lock and wake JS through an
 *     unref'd threadsafe function. Wake-ups are coalesced (`notify_pending`):
 *     JS drains every queued result in one call.
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
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "common.h"

/* statfs/statx need little stack; keeps abandoned threads cheap. */
#define WORKER_STACK_SIZE (64 * 1024)
/* Upper bound on threads left blocked in hung calls; beyond it abandon() refuses. */
#define MAX_ABANDONED 4096
#define MAX_THREADS 64
#define NVALUES 10

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
} worker;

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  request *q_head, *q_tail;
  uint32_t queued;
  result *r_head, *r_tail;
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

static void pool_unref(pool *p) {
  if (atomic_fetch_sub(&p->refs, 1) == 1) {
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
  }
}

/* ---- worker threads ------------------------------------------------------ */

static void run_request(const request *rq, result *rs) {
  rs->id = rq->id;
  rs->err = 0;
  for (int i = 0; i < NVALUES; i++) rs->values[i] = 0;
  double mnt_id = -1;
  /* AT_NO_AUTOMOUNT: probing must never trigger an automount; DONT_SYNC: the
   * mount id needs no round trip to a network server. */
  struct statx stx;
  if (statx(AT_FDCWD, rq->path, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) == 0) {
    if (stx.stx_mask & STATX_MNT_ID) mnt_id = (double)stx.stx_mnt_id;
  } else if (errno != ENOSYS && errno != EINVAL) {
    rs->err = errno;
    return;
  }
  struct statfs st;
  if (statfs(rq->path, &st) != 0) {
    rs->err = errno;
    return;
  }
  double *v = rs->values;
  v[0] = (double)(unsigned long)st.f_type;
  v[1] = (double)st.f_bsize;
  v[2] = (double)(st.f_frsize ? st.f_frsize : st.f_bsize);
  v[3] = (double)st.f_blocks;
  v[4] = (double)st.f_bfree;
  v[5] = (double)st.f_bavail;
  v[6] = (double)st.f_files;
  v[7] = (double)st.f_ffree;
  v[8] = (double)st.f_flags;
  v[9] = mnt_id;
}

/* Under p->mu. */
static void deliver(pool *p, result *rs) {
  if (!p->tsfn_alive) {
    free(rs);
    return;
  }
  rs->next = NULL;
  if (p->r_tail) p->r_tail->next = rs;
  else p->r_head = rs;
  p->r_tail = rs;
  if (p->notify_pending) return;
  p->notify_pending = true;
  if (napi_call_threadsafe_function(p->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok) {
    p->notify_pending = false;
  }
}

/* Under p->mu. */
static void unlink_worker(pool *p, worker *w) {
  for (worker **at = &p->workers; *at; at = &(*at)->next) {
    if (*at == w) {
      *at = w->next;
      return;
    }
  }
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pool *p = w->pool;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->closing && p->q_head == NULL) pthread_cond_wait(&p->cv, &p->mu);
    if (p->closing) break;
    request *rq = p->q_head;
    p->q_head = rq->next;
    if (p->q_head == NULL) p->q_tail = NULL;
    p->queued--;
    w->busy = true;
    w->current = rq->id;
    pthread_mutex_unlock(&p->mu);

    /* calloc failing leaves the request unanswered: JS times it out. */
    result *rs = calloc(1, sizeof *rs);
    if (rs != NULL) run_request(rq, rs);
    free(rq->path);
    free(rq);

    pthread_mutex_lock(&p->mu);
    w->busy = false;
    if (rs != NULL) deliver(p, rs);
    if (w->abandoned) {
      p->abandoned--;
      unlink_worker(p, w);
      pthread_mutex_unlock(&p->mu);
      free(w);
      pool_unref(p);
      return NULL;
    }
  }
  p->live--;
  unlink_worker(p, w);
  pthread_mutex_unlock(&p->mu);
  free(w);
  pool_unref(p);
  return NULL;
}

/* Under p->mu (or before any thread exists). Returns 0 or an errno. */
static int spawn_worker(pool *p) {
  worker *w = calloc(1, sizeof *w);
  if (w == NULL) return ENOMEM;
  w->pool = p;
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err != 0) {
    free(w);
    return err;
  }
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  (void)pthread_attr_setstacksize(&attr, WORKER_STACK_SIZE);
  atomic_fetch_add(&p->refs, 1);
  w->next = p->workers;
  p->workers = w;
  p->live++;
  /* Signals keep going to Node's own threads. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t thread;
  err = pthread_create(&thread, &attr, worker_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    p->live--;
    unlink_worker(p, w);
    free(w);
    atomic_fetch_sub(&p->refs, 1); /* cannot be the last: the caller holds one */
    return err;
  }
  pthread_setname_np(thread, "fsevd-statfs");
  return 0;
}

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
  for (request *rq = p->q_head; rq;) {
    request *next = rq->next;
    free(rq->path);
    free(rq);
    rq = next;
  }
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
  pool_unref(p);
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

/* submit(id: number, path: Buffer | string): boolean (false once closed) */
static napi_value pool_submit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  pool *p = unwrap_this(env, info, &argc, argv);
  if (p == NULL) return NULL;
  if (argc < 2) return fsevd_throw_type_error(env, "submit(id, path) needs 2 arguments");
  uint32_t id;
  if (!id_arg(env, argc, argv, &id)) return NULL;
  char *path = fsevd_get_path(env, argv[1], "path");
  if (path == NULL) return NULL;
  request *rq = malloc(sizeof *rq);
  if (rq == NULL) {
    free(path);
    return fsevd_throw_errno(env, ENOMEM, "malloc", NULL);
  }
  rq->next = NULL;
  rq->id = id;
  rq->path = path;
  pthread_mutex_lock(&p->mu);
  bool accepted = !p->closing;
  if (accepted) {
    if (p->q_tail) p->q_tail->next = rq;
    else p->q_head = rq;
    p->q_tail = rq;
    p->queued++;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  if (!accepted) {
    free(rq->path);
    free(rq);
  }
  napi_value ret;
  FSEVD_NAPI_CALL(env, napi_get_boolean(env, accepted, &ret));
  return ret;
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
  if (found && !p->closing && p->live < p->target) (void)spawn_worker(p);
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
  pool_unref(p);
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
  pthread_cond_init(&p->cv, NULL);
  p->env = env;
  p->target = threads;
  atomic_init(&p->refs, 1); /* the tsfn, once created */

  napi_value name, handle;
  napi_status s = napi_create_string_utf8(env, "fsevd:statfsPool", NAPI_AUTO_LENGTH, &name);
  if (s == napi_ok) {
    s = napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, p, tsfn_finalize, p, call_js, &p->tsfn);
  }
  if (s != napi_ok) {
    pool_unref(p);
    return fsevd_throw_status(env, s, "napi_create_threadsafe_function");
  }
  p->tsfn_alive = true;
  /* From here on, failures go through pool_close(), which releases the tsfn. */
  s = napi_unref_threadsafe_function(env, p->tsfn);
  napi_property_descriptor methods[] = {
      {"submit", NULL, pool_submit, NULL, NULL, NULL, napi_default, NULL},
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
  for (int i = 0; i < threads && err == 0; i++) err = spawn_worker(p);
  pthread_mutex_unlock(&p->mu);
  if (err != 0) {
    pool_close(p);
    return fsevd_throw_errno(env, err, "pthread_create", NULL);
  }
  return handle;
}

napi_status fsevd_statfs_register(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status s = napi_create_function(env, "createStatfsPool", NAPI_AUTO_LENGTH, create_pool, NULL, &fn);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, exports, "createStatfsPool", fn);
}
