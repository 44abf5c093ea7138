/*
 * fanotify FAN_FS_ERROR reader (see fanotify.h; marking is in fanotify_marks.c).
 *
 * Threads and ownership (the model of pollpri.c)
 *   - Fields marked [JS] are touched only on the JS thread.
 *   - One reader thread per watcher blocks in poll() on [the fanotify fd, the
 *     mark results eventfd, a stop eventfd] -- never the event loop, never the
 *     libuv pool. Each read() and each mark result goes to JS through a
 *     threadsafe function with a small queue, called in blocking mode: when JS
 *     falls behind, the reader stops reading and the kernel's own queue takes
 *     over (it merges the errors of one filesystem into one event with an
 *     error_count, and queues FAN_Q_OVERFLOW past its limit), so memory here
 *     stays bounded and nothing is dropped silently.
 *   - stop() writes the stop eventfd, aborts the threadsafe function (a reader
 *     blocked on a full queue then gets napi_closing) and joins the reader, all
 *     synchronously on the JS thread; the threadsafe function is only freed in
 *     a later loop turn, so the reader never touches a freed one.
 *   - `w` is freed when its three owners are gone: the threadsafe function
 *     (finalize) and the JS mark and close functions (GC finalizers).
 */
#include "fanotify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "fanotify_marks.h"
#include "fanotify_values.h"

/* Many events fit in one read; an FS_ERROR event with a file handle is < 200 bytes. */
#define READ_BUF_SIZE (16 * 1024)
/* Chunks queued for JS before the reader waits (and the kernel queue fills instead). */
#define QUEUE_CHUNKS 16
#define READER_STACK_SIZE (128 * 1024)

enum message_kind { MSG_EVENTS, MSG_MARK, MSG_READ_ERROR };

typedef struct message {
  enum message_kind kind;
  int err;               /* MSG_READ_ERROR */
  fan_mark_result *mark; /* MSG_MARK */
  size_t len;            /* MSG_EVENTS: bytes read */
  unsigned char bytes[];
} message;

typedef struct fan_watcher {
  napi_env env;                  /* [JS] */
  napi_threadsafe_function tsfn; /* calls onEvents; written before the thread starts */
  napi_ref on_mark, on_error;    /* [JS] */
  int refs;                      /* [JS] owners left: tsfn, mark function, close function */
  bool stopped;                  /* [JS] */
  bool thread_started;           /* [JS] */
  bool hook_added;               /* [JS] */
  int fan_fd;
  int wake_fd;
  fan_core *core;
  pthread_t thread;
} fan_watcher;

static void free_message(message *m) {
  if (m->kind == MSG_MARK) free(m->mark);
  free(m);
}

static void watcher_unref(fan_watcher *w) {
  if (--w->refs == 0) free(w);
}

/* ---- reader thread ------------------------------------------------------- */

/* False when the threadsafe function is closing: the reader must end. */
static bool forward(fan_watcher *w, message *m) {
  if (napi_call_threadsafe_function(w->tsfn, m, napi_tsfn_blocking) != napi_ok) {
    free_message(m);
    return false;
  }
  return true;
}

static message *new_message(enum message_kind kind, size_t len) {
  message *m = calloc(1, sizeof *m + len);
  if (m != NULL) {
    m->kind = kind;
    m->len = len;
  }
  return m;
}

/* Reads what is queued; false when the reader must end. Clears *fd_slot after a hard error. */
static bool read_events(fan_watcher *w, unsigned char *buf, int *fd_slot) {
  ssize_t n = read(w->fan_fd, buf, READ_BUF_SIZE);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  message *m = new_message(n < 0 ? MSG_READ_ERROR : MSG_EVENTS, n < 0 ? 0 : (size_t)n);
  if (m == NULL) return true; /* out of memory: the events stay queued in the kernel */
  if (n < 0) {
    m->err = errno;
    *fd_slot = -1; /* a persistent error would spin; JS is told and reports the source down */
  } else {
    memcpy(m->bytes, buf, (size_t)n);
  }
  return forward(w, m);
}

static bool forward_marks(fan_watcher *w) {
  fan_mark_result *r = fan_core_take(w->core);
  while (r != NULL) {
    fan_mark_result *next = r->next;
    r->next = NULL;
    message *m = new_message(MSG_MARK, 0);
    if (m == NULL) {
      free(r);
    } else {
      m->mark = r;
      if (!forward(w, m)) {
        while (next != NULL) {
          fan_mark_result *after = next->next;
          free(next);
          next = after;
        }
        return false;
      }
    }
    r = next;
  }
  return true;
}

static void *reader_main(void *arg) {
  fan_watcher *w = arg;
  unsigned char *buf = malloc(READ_BUF_SIZE);
  struct pollfd pfds[3] = {
      {.fd = w->fan_fd, .events = POLLIN, .revents = 0},
      {.fd = fan_core_results_fd(w->core), .events = POLLIN, .revents = 0},
      {.fd = w->wake_fd, .events = POLLIN, .revents = 0},
  };
  while (buf != NULL) {
    if (poll(pfds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOMEM || errno == EAGAIN) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        continue;
      }
      break;
    }
    if (pfds[2].revents != 0) break; /* close(), GC or env teardown */
    if ((pfds[0].revents & POLLIN) && !read_events(w, buf, &pfds[0].fd)) break;
    if ((pfds[1].revents & POLLIN) && !forward_marks(w)) break;
  }
  free(buf);
  return NULL;
}

/* ---- JS thread ------------------------------------------------------------- */

static void cleanup_hook(void *arg);

/* Stops the reader and releases everything but `w` itself. Idempotent. */
static void watcher_stop(fan_watcher *w) {
  if (w->stopped) return;
  w->stopped = true;
  if (w->hook_added) {
    w->hook_added = false;
    napi_remove_env_cleanup_hook(w->env, cleanup_hook, w);
  }
  fan_core_close(w->core); /* results of marks still running are dropped */
  if (w->thread_started) {
    uint64_t one = 1;
    while (write(w->wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
  if (w->tsfn != NULL) napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
  if (w->thread_started) {
    pthread_join(w->thread, NULL);
    w->thread_started = false;
  }
  close(w->fan_fd);
  close(w->wake_fd);
  fan_core_unref(w->core);
  if (w->on_mark != NULL) napi_delete_reference(w->env, w->on_mark);
  if (w->on_error != NULL) napi_delete_reference(w->env, w->on_error);
  w->on_mark = w->on_error = NULL;
}

static void cleanup_hook(void *arg) {
  fan_watcher *w = arg;
  w->hook_added = false; /* Node drops the hook itself once it has run */
  watcher_stop(w);
}

static void tsfn_finalize(napi_env env, void *finalize_data, void *hint) {
  (void)env;
  (void)hint;
  fan_watcher *w = finalize_data;
  w->tsfn = NULL;
  watcher_unref(w);
}

static void fn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  fan_watcher *w = data;
  if (hint != NULL) watcher_stop(w); /* the close function: nobody can close it any more */
  watcher_unref(w);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  fan_watcher *w = context;
  message *m = data;
  if (env == NULL || js_cb == NULL || w->stopped) {
    free_message(m); /* torn down, or in flight when close() ran */
    return;
  }
  napi_value fn = js_cb, arg, undefined, result;
  napi_status s;
  if (m->kind == MSG_EVENTS) {
    s = napi_create_buffer_copy(env, m->len, m->bytes, NULL, &arg);
  } else if (m->kind == MSG_MARK) {
    s = napi_get_reference_value(env, w->on_mark, &fn);
    if (s == napi_ok) s = fan_mark_value(env, m->mark, &arg);
  } else {
    s = napi_get_reference_value(env, w->on_error, &fn);
    if (s == napi_ok) s = fan_error_value(env, m->err, "read", &arg);
  }
  free_message(m);
  if (s != napi_ok || napi_get_undefined(env, &undefined) != napi_ok) return;
  if (napi_call_function(env, undefined, fn, 1, &arg, &result) != napi_ok) {
    /* A throwing callback is an uncaught exception, as in pollpri.c. */
    bool pending = false;
    napi_value err;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &err) == napi_ok) {
      napi_fatal_exception(env, err);
    }
  }
}

/* mark(id: number, path: Buffer): void -- never blocks; the outcome arrives through onMark. */
static napi_value mark_cb(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *data = NULL;
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, &data));
  fan_watcher *w = data;
  if (w->stopped) {
    napi_throw_error(env, "ERR_FSEVD_CLOSED", "watchFsErrors: mark() after close()");
    return NULL;
  }
  double id;
  bool is_buffer = false;
  if (argc < 2 || napi_get_value_double(env, argv[0], &id) != napi_ok ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer) {
    return fsevd_throw_type_error(env, "mark(id: number, path: Buffer)");
  }
  char *path = fsevd_get_path(env, argv[1], "path");
  if (path == NULL) return NULL;
  int err = fan_mark_start(w->core, w->fan_fd, path, strlen(path), id);
  free(path);
  if (err != 0) return fsevd_throw_errno(env, err, "pthread_create", NULL);
  return NULL;
}

static napi_value close_cb(napi_env env, napi_callback_info info) {
  void *data = NULL;
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data));
  watcher_stop(data);
  return NULL;
}

static int start_reader(fan_watcher *w) {
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err != 0) return err;
  (void)pthread_attr_setstacksize(&attr, READER_STACK_SIZE);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  err = pthread_create(&w->thread, &attr, reader_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err == 0) pthread_setname_np(w->thread, "fsevd-fanotify");
  return err;
}

/* Adds `name` (a function owning one reference on w) to `handle`. */
static napi_status add_method(napi_env env, fan_watcher *w, napi_value handle, const char *name,
                              napi_callback cb, void *finalize_hint) {
  napi_value fn;
  napi_status s = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, w, &fn);
  if (s == napi_ok) s = napi_add_finalizer(env, fn, w, fn_finalize, finalize_hint, NULL);
  if (s != napi_ok) return s;
  w->refs++;
  return napi_set_named_property(env, handle, name, fn);
}

/* watchFsErrors(onEvents, onMark, onError): { mark(id, path), close() } */
static napi_value watch_fs_errors(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  for (size_t i = 0; i < 3; i++) {
    napi_valuetype type = napi_undefined;
    if (i >= argc || napi_typeof(env, argv[i], &type) != napi_ok || type != napi_function) {
      return fsevd_throw_type_error(env, "watchFsErrors(onEvents, onMark, onError) needs 3 functions");
    }
  }
  int fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_CLOEXEC | FAN_NONBLOCK,
                             O_RDONLY | O_CLOEXEC);
  if (fan_fd < 0) return fsevd_throw_errno(env, errno, "fanotify_init", NULL);
  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  fan_core *core = wake_fd < 0 ? NULL : fan_core_new();
  fan_watcher *w = core == NULL ? NULL : calloc(1, sizeof *w);
  if (w == NULL) {
    int err = wake_fd < 0 || core == NULL ? errno : ENOMEM;
    if (core != NULL) fan_core_unref(core);
    if (wake_fd >= 0) close(wake_fd);
    close(fan_fd);
    return fsevd_throw_errno(env, err, wake_fd < 0 ? "eventfd" : "watchFsErrors setup", NULL);
  }
  w->env = env;
  w->fan_fd = fan_fd;
  w->wake_fd = wake_fd;
  w->core = core;

  napi_value name, handle;
  napi_status s = napi_create_string_utf8(env, "fsevd:watchFsErrors", NAPI_AUTO_LENGTH, &name);
  if (s == napi_ok) {
    s = napi_create_threadsafe_function(env, argv[0], NULL, name, QUEUE_CHUNKS, 1, w, tsfn_finalize,
                                        w, call_js, &w->tsfn);
  }
  if (s != napi_ok) {
    w->stopped = true;
    fan_core_unref(core);
    close(fan_fd);
    close(wake_fd);
    free(w); /* no owner yet */
    return fsevd_throw_status(env, s, "napi_create_threadsafe_function");
  }
  w->refs = 1; /* the tsfn; from here on failures go through watcher_stop() */
  s = napi_unref_threadsafe_function(env, w->tsfn);
  if (s == napi_ok) s = napi_create_reference(env, argv[1], 1, &w->on_mark);
  if (s == napi_ok) s = napi_create_reference(env, argv[2], 1, &w->on_error);
  if (s == napi_ok) s = napi_create_object(env, &handle);
  if (s == napi_ok) s = add_method(env, w, handle, "mark", mark_cb, NULL);
  if (s == napi_ok) s = add_method(env, w, handle, "close", close_cb, w);
  if (s != napi_ok) {
    fsevd_throw_status(env, s, "watchFsErrors setup");
    watcher_stop(w);
    return NULL;
  }
  int err = start_reader(w);
  if (err != 0) {
    watcher_stop(w);
    return fsevd_throw_errno(env, err, "pthread_create", NULL);
  }
  w->thread_started = true;
  s = napi_add_env_cleanup_hook(env, cleanup_hook, w);
  if (s != napi_ok) {
    fsevd_throw_status(env, s, "napi_add_env_cleanup_hook");
    watcher_stop(w);
    return NULL;
  }
  w->hook_added = true;
  return handle;
}

napi_status fsevd_fanotify_register(napi_env env, napi_value exports) {
  return fsevd_export_function(env, exports, "watchFsErrors", watch_fs_errors);
}
