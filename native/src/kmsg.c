/*
 * /dev/kmsg reader (see kmsg.h).
 *
 * Why a thread of its own: the kernel ring holds ~1,700 records (128 KiB), a
 * flood reaches 73k records/s, so a reader that falls ~25 ms behind loses
 * records (shared/reference/performance-floors.md). Neither the event loop
 * nor libuv's pool may wait for that, so one pthread per reader loops: read
 * until EAGAIN into the queue, wake JS through a napi_threadsafe_function,
 * poll() for the next record.
 *
 * Why the event loop watches the fd too: a lone record (a fault) would
 * otherwise cost two wake-ups in a row, the kernel waking the thread and the
 * thread waking the event loop, and on a busy machine each may wait for a CPU.
 * The loop's own poll handle is woken by the kernel at the same time as the
 * thread; whichever runs first reads (at most MAIN_READ_BUDGET records on the
 * JS thread, so a flood is still read by the thread). Every read() and the
 * queue it fills are under one mutex held for one read at a time, so the queue
 * is in kernel order whoever read, and the JS thread never waits longer than
 * one read. JS drains the whole queue on each wake-up of the threadsafe
 * function (the JS thread wakes it too, from its poll callback).
 *
 * Bounded memory: at most MAX_QUEUED_BATCHES batches of BATCH_BYTES wait for
 * JS. When JS falls that far behind, reading stops and the thread retries every
 * RETRY_MS; the kernel ring then overruns (EPIPE) and the lost records appear
 * as a sequence gap, which the JS side reports. Nothing is dropped here without
 * leaving that gap.
 *
 * Ownership and threads follow pollpri.c: [JS] fields are touched only on the
 * JS thread (this file); the reader thread (kmsg_thread.c) only uses fd,
 * wake_fd, tsfn (all set before it starts), the atomic overrun counter and the
 * [lock] fields. The struct is freed when its owners (the tsfn, the JS close
 * function, the poll handle) are gone. stop() joins the thread before releasing
 * the tsfn, and the thread only calls the tsfn in non-blocking mode, so the
 * join cannot deadlock. Batches still queued at close() are freed without
 * calling JS.
 *
 * A first start reads the whole ring rather than seeking to its end: the
 * backlog gives the sequence a base, so a loss right after the start is still a
 * gap; the batch that ends the backlog is flagged caught-up (see kmsg.h).
 */
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common.h"
#include "kmsg_internal.h"

static void reader_unref(kmsg_reader *r) {
  if (--r->refs > 0) return;
  pthread_mutex_destroy(&r->lock);
  free(r);
}

static void poll_closed(uv_handle_t *handle) {
  reader_unref(handle->data);
}

static void stop_polling(kmsg_reader *r) {
  if (!r->polling) return;
  r->polling = false;
  r->paused = false;
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, poll_closed);
}

static void on_readable(uv_poll_t *handle, int status, int events);

static void cleanup_hook(void *arg);

/* Stops the thread and releases everything but the struct. Idempotent. */
static void reader_stop(kmsg_reader *r) {
  if (r->stopped) return;
  r->stopped = true;
  if (r->hook_added) {
    r->hook_added = false;
    napi_remove_env_cleanup_hook(r->env, cleanup_hook, r);
  }
  stop_polling(r);
  if (r->thread_started) {
    fsevd_wake_and_join(r->wake_fd, r->thread);
    r->thread_started = false;
  }
  if (r->fd >= 0) {
    close(r->fd);
    r->fd = -1;
  }
  if (r->wake_fd >= 0) {
    close(r->wake_fd);
    r->wake_fd = -1;
  }
  /* No reader is left: the queue and the spare are ours. */
  fsevd_kmsg_batch_free(fsevd_kmsg_take(r));
  fsevd_kmsg_batch_free(r->spare);
  r->spare = NULL;
  if (r->tsfn != NULL) napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
}

static void cleanup_hook(void *arg) {
  kmsg_reader *r = arg;
  r->hook_added = false;
  reader_stop(r);
}

static void tsfn_finalize(napi_env env, void *finalize_data, void *finalize_hint) {
  (void)env;
  (void)finalize_hint;
  kmsg_reader *r = finalize_data;
  r->tsfn = NULL;
  reader_unref(r);
}

/* The batch's records as one JS string. Records are ASCII (devkmsg escapes every other byte as
 * \xNN), so latin1 is exact; a string rather than a Buffer spares JS a Buffer object and its
 * toString() on the latency path of every record. */
static napi_status batch_string(napi_env env, const kmsg_batch *b, napi_value *out) {
  if (b->len == 0) return napi_get_null(env, out);
  return napi_create_string_latin1(env, b->data, b->len, out);
}

static void deliver(napi_env env, napi_value js_cb, kmsg_reader *r, const kmsg_batch *b) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value argv[4];
  bool ok = batch_string(env, b, &argv[0]) == napi_ok &&
            napi_create_double(env, (double)atomic_load(&r->overruns), &argv[1]) == napi_ok &&
            napi_create_int32(env, b->error, &argv[2]) == napi_ok &&
            napi_get_boolean(env, b->caught_up, &argv[3]) == napi_ok;
  if (ok) fsevd_call_reporting(env, js_cb, 4, argv);
  napi_close_handle_scope(env, scope);
}

/* Hands JS everything queued, in order; stops early when onBatch closed the reader. */
static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  kmsg_reader *r = context;
  if (env == NULL || js_cb == NULL || r->stopped) return; /* torn down or closed: stop() frees the queue */
  kmsg_batch *list = fsevd_kmsg_take(r);
  for (kmsg_batch *b = list; b != NULL && !r->stopped; b = b->next) deliver(env, js_cb, r, b);
  fsevd_kmsg_batch_free(list);
  if (r->paused && !r->stopped) {
    r->paused = false; /* the queue has room again */
    uv_poll_start(&r->poll, UV_READABLE, on_readable);
  }
}

/* The event loop's watch of fd: read the records of a fault here, without
 * waiting for the reader thread to be scheduled, and hand them to JS through
 * the threadsafe function (next loop turn, no sleep in between). */
static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  kmsg_reader *r = handle->data;
  if (r->stopped) return;
  bool produced = false;
  enum kmsg_fill result = status < 0 ? FILL_ERROR : fsevd_kmsg_fill(r, MAIN_READ_BUDGET, &produced);
  if (produced) napi_call_threadsafe_function(r->tsfn, NULL, napi_tsfn_nonblocking);
  /* After a read error the thread reports it and ends. While the queue is full,
   * level-triggered polling would spin: pause until JS has drained it. */
  if (result == FILL_ERROR) {
    uv_poll_stop(&r->poll);
  } else if (result == FILL_FULL) {
    uv_poll_stop(&r->poll);
    r->paused = true;
  }
}

static void close_fn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  kmsg_reader *r = data;
  reader_stop(r);
  reader_unref(r);
}

static napi_value close_cb(napi_env env, napi_callback_info info) {
  void *data = NULL;
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data));
  reader_stop(data);
  return NULL;
}

/* Starts the event loop's watch of fd. Without it (an error here) the thread
 * alone reads, as before: only the latency of a lone record suffers. */
static void start_polling(napi_env env, kmsg_reader *r) {
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &r->poll, r->fd) != 0) return;
  r->poll.data = r;
  r->polling = true;
  r->refs++; /* the poll handle, until its close callback */
  uv_unref((uv_handle_t *)&r->poll); /* like the tsfn: the reader keeps no process alive */
  if (uv_poll_start(&r->poll, UV_READABLE, on_readable) != 0) stop_polling(r);
}

/* openKmsg(path: string, fromEnd: boolean, onBatch: (batch, overruns, errno, caughtUp) => void) */
static napi_value open_kmsg(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return fsevd_throw_type_error(env, "openKmsg(path, fromEnd, onBatch) needs 3 arguments");
  bool from_end = false;
  if (napi_get_value_bool(env, argv[1], &from_end) != napi_ok) {
    return fsevd_throw_type_error(env, "The \"fromEnd\" argument must be of type boolean");
  }
  napi_valuetype cb_type;
  FSEVD_NAPI_CALL(env, napi_typeof(env, argv[2], &cb_type));
  if (cb_type != napi_function) {
    return fsevd_throw_type_error(env, "The \"onBatch\" argument must be of type function");
  }
  char *path = fsevd_get_string(env, argv[0], "path");
  if (path == NULL) return NULL;

  /* A fresh open starts at the oldest record still in the ring (devkmsg_open);
   * SEEK_END skips the backlog (devkmsg_llseek). */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || (from_end && lseek(fd, 0, SEEK_END) < 0)) {
    int err = errno;
    if (fd >= 0) close(fd);
    fsevd_throw_errno(env, err, fd < 0 ? "open" : "lseek", path);
    free(path);
    return NULL;
  }
  free(path);
  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    int err = errno;
    close(fd);
    return fsevd_throw_errno(env, err, "eventfd", NULL);
  }
  kmsg_reader *r = calloc(1, sizeof *r);
  if (r == NULL) {
    close(fd);
    close(wake_fd);
    return fsevd_throw_errno(env, ENOMEM, "calloc", NULL);
  }
  r->env = env;
  r->fd = fd;
  r->wake_fd = wake_fd;
  atomic_init(&r->overruns, 0);
  pthread_mutex_init(&r->lock, NULL);

  napi_value resource_name, close_fn, handle;
  napi_status s = napi_create_string_utf8(env, "fsevd:openKmsg", NAPI_AUTO_LENGTH, &resource_name);
  if (s == napi_ok) {
    s = napi_create_threadsafe_function(env, argv[2], NULL, resource_name, MAX_QUEUED_BATCHES, 1, r,
                                        tsfn_finalize, r, call_js, &r->tsfn);
  }
  if (s != napi_ok) {
    close(fd);
    close(wake_fd);
    pthread_mutex_destroy(&r->lock);
    free(r);
    return fsevd_throw_status(env, s, "napi_create_threadsafe_function");
  }
  r->refs = 1; /* the tsfn */
  s = napi_unref_threadsafe_function(env, r->tsfn);
  if (s == napi_ok) s = napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_cb, r, &close_fn);
  if (s == napi_ok) s = napi_add_finalizer(env, close_fn, r, close_fn_finalize, NULL, NULL);
  if (s != napi_ok) goto fail_status;
  r->refs++; /* the close function */
  s = napi_create_object(env, &handle);
  if (s == napi_ok) s = napi_set_named_property(env, handle, "close", close_fn);
  if (s != napi_ok) goto fail_status;

  int err = fsevd_start_thread(&r->thread, fsevd_kmsg_thread_main, r, READER_STACK_SIZE, "fsevd-kmsg");
  if (err != 0) {
    reader_stop(r);
    return fsevd_throw_errno(env, err, "pthread_create", NULL);
  }
  r->thread_started = true;
  start_polling(env, r);
  s = napi_add_env_cleanup_hook(env, cleanup_hook, r);
  if (s != napi_ok) goto fail_status;
  r->hook_added = true;
  return handle;

fail_status:
  fsevd_throw_status(env, s, "openKmsg setup");
  reader_stop(r);
  return NULL;
}

napi_status fsevd_kmsg_register(napi_env env, napi_value exports) {
  return fsevd_export_function(env, exports, "openKmsg", open_kmsg);
}
