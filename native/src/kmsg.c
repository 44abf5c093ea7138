/*
 * /dev/kmsg reader (see kmsg.h).
 *
 * Why a thread of its own: the kernel ring holds ~1,700 records (128 KiB), a
 * flood reaches 73k records/s, so a reader that falls ~25 ms behind loses
 * records (shared/reference/performance-floors.md). Neither the event loop
 * nor libuv's pool may wait for that, so one pthread per reader loops:
 * read until EAGAIN into a batch buffer, hand the batch to JS through a
 * napi_threadsafe_function, poll() for the next record.
 *
 * Bounded memory: at most MAX_QUEUED_BATCHES batches of BATCH_BYTES wait for
 * JS, plus the one being filled. When JS falls that far behind, the thread
 * stops reading and retries every RETRY_MS; the kernel ring then overruns
 * (EPIPE) and the lost records appear as a sequence gap, which the JS side
 * reports. Nothing is dropped here without leaving that gap.
 *
 * Ownership and threads follow pollpri.c: [JS] fields are touched only on the
 * JS thread (this file); the reader thread (kmsg_thread.c) only uses fd,
 * wake_fd, tsfn (all set before it starts) and the atomic overrun counter. The
 * struct is freed when both owners (the tsfn and the JS close function) are
 * gone. stop() joins the thread before releasing the tsfn, and the thread only
 * calls the tsfn in non-blocking mode, so the join cannot deadlock. Batches
 * still queued at close() are freed without calling JS.
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
  if (--r->refs == 0) free(r);
}

static void cleanup_hook(void *arg);

/* Stops the thread and releases everything but the struct. Idempotent. */
static void reader_stop(kmsg_reader *r) {
  if (r->stopped) return;
  r->stopped = true;
  if (r->hook_added) {
    r->hook_added = false;
    napi_remove_env_cleanup_hook(r->env, cleanup_hook, r);
  }
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

static void free_external(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* The batch's bytes become a Buffer without a copy (or with one where
 * external buffers are not allowed). Takes ownership of b->data. */
static napi_status batch_buffer(napi_env env, kmsg_batch *b, napi_value *out) {
  if (b->len == 0) {
    free(b->data);
    b->data = NULL;
    return napi_get_null(env, out);
  }
  napi_status s = napi_create_external_buffer(env, b->len, b->data, free_external, NULL, out);
  if (s == napi_ok) {
    b->data = NULL;
    return s;
  }
  return napi_create_buffer_copy(env, b->len, b->data, NULL, out);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  kmsg_reader *r = context;
  kmsg_batch *b = data;
  if (env == NULL || js_cb == NULL || r->stopped) {
    fsevd_kmsg_batch_free(b); /* torn down, or closed while this batch was queued */
    return;
  }
  napi_value argv[4];
  bool ok = batch_buffer(env, b, &argv[0]) == napi_ok &&
            napi_create_double(env, (double)atomic_load(&r->overruns), &argv[1]) == napi_ok &&
            napi_create_int32(env, b->error, &argv[2]) == napi_ok &&
            napi_get_boolean(env, b->caught_up, &argv[3]) == napi_ok;
  fsevd_kmsg_batch_free(b);
  if (ok) fsevd_call_reporting(env, js_cb, 4, argv);
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

  napi_value resource_name, close_fn, handle;
  napi_status s = napi_create_string_utf8(env, "fsevd:openKmsg", NAPI_AUTO_LENGTH, &resource_name);
  if (s == napi_ok) {
    s = napi_create_threadsafe_function(env, argv[2], NULL, resource_name, MAX_QUEUED_BATCHES, 1, r,
                                        tsfn_finalize, r, call_js, &r->tsfn);
  }
  if (s != napi_ok) {
    close(fd);
    close(wake_fd);
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
  napi_value fn;
  napi_status s = napi_create_function(env, "openKmsg", NAPI_AUTO_LENGTH, open_kmsg, NULL, &fn);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, exports, "openKmsg", fn);
}
