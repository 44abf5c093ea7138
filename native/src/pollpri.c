/*
 * POLLPRI watcher (see pollpri.h).
 *
 * One dedicated pthread per watcher (never the libuv pool, never the event
 * loop) blocks in poll() on [the watched fd for POLLPRI, an eventfd used to
 * ask it to stop]. A change is handed to JS through an unref'd
 * napi_threadsafe_function; notifications are coalesced so that at most one is
 * queued and not yet delivered at any time.
 *
 * Ownership and threads
 *   - Fields marked [JS] are touched only on the JS thread (watchPriority,
 *     close(), the finalizer, the env cleanup hook and the tsfn callbacks all
 *     run there), so they need no locking.
 *   - The watcher thread only reads fd, wake_fd and tsfn (all written before
 *     pthread_create) and uses the atomic `pending` flag.
 *   - The struct is freed when both owners are done with it (`refs`): the
 *     threadsafe function (until its finalize callback) and the JS `close`
 *     function (until it is garbage collected). Whichever goes last frees it,
 *     so a tsfn callback or a late close() never touches freed memory.
 *   - stop() joins the thread before releasing the tsfn, and the thread only
 *     ever calls napi_call_threadsafe_function in non-blocking mode, so the
 *     join cannot deadlock and the thread never uses a released tsfn.
 *   - A notification already queued when close() runs is dropped by call_js
 *     (it sees `stopped`), so no callback fires after close().
 */
#include "pollpri.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define WATCHER_STACK_SIZE (128 * 1024)

typedef struct pollpri_watcher {
  napi_env env;                 /* [JS] */
  napi_threadsafe_function tsfn; /* written before the thread starts */
  int refs;                     /* [JS] owners left: tsfn, close function */
  bool stopped;                 /* [JS] stop() ran (or the watcher never started) */
  bool thread_started;          /* [JS] */
  bool hook_added;              /* [JS] env cleanup hook registered */
  int fd;                       /* watched file; closed by stop() after the join */
  int wake_fd;                  /* eventfd: written by stop() to end the thread */
  pthread_t thread;
  atomic_bool pending;          /* a notification is queued and not yet delivered */
} pollpri_watcher;

static void watcher_unref(pollpri_watcher *w) {
  if (--w->refs == 0) {
    free(w);
  }
}

/* ---- watcher thread ------------------------------------------------------ */

static void notify(pollpri_watcher *w) {
  /* Coalesce: if one is already queued, JS has not run yet and will see this change too. */
  if (atomic_exchange(&w->pending, true)) {
    return;
  }
  napi_status s = napi_call_threadsafe_function(w->tsfn, NULL, napi_tsfn_nonblocking);
  if (s != napi_ok) {
    /* napi_closing (env going away) or napi_queue_full: nothing was queued. */
    atomic_store(&w->pending, false);
  }
}

static void *watcher_main(void *arg) {
  pollpri_watcher *w = arg;
  struct pollfd pfds[2] = {
      {.fd = w->fd, .events = POLLPRI, .revents = 0},
      {.fd = w->wake_fd, .events = POLLIN, .revents = 0},
  };

  for (;;) {
    int n = poll(pfds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == ENOMEM || errno == EAGAIN) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        continue;
      }
      break; /* EFAULT/EINVAL: cannot happen; stop() still joins cleanly */
    }
    if (pfds[1].revents != 0) {
      break; /* close(), GC or env teardown asked us to stop */
    }
    short re = pfds[0].revents;
    if (re & (POLLPRI | POLLERR)) {
      notify(w);
    }
    if ((re & (POLLHUP | POLLNVAL)) && !(re & (POLLPRI | POLLERR))) {
      /* Not a change, and level-triggered: stop polling the fd (it would spin),
       * keep waiting for stop(). */
      pfds[0].fd = -1;
    }
  }
  return NULL;
}

/* ---- JS thread ------------------------------------------------------------ */

static void cleanup_hook(void *arg);

/* Stop the thread and release everything but the struct itself. Idempotent. */
static void watcher_stop(pollpri_watcher *w) {
  if (w->stopped) {
    return;
  }
  w->stopped = true;

  if (w->hook_added) {
    w->hook_added = false;
    napi_remove_env_cleanup_hook(w->env, cleanup_hook, w);
  }
  if (w->thread_started) {
    uint64_t one = 1;
    ssize_t r;
    do {
      r = write(w->wake_fd, &one, sizeof one);
    } while (r < 0 && errno == EINTR);
    /* eventfd write only fails on counter overflow (EAGAIN), which also leaves
     * it readable, so the thread wakes up either way. */
    pthread_join(w->thread, NULL);
    w->thread_started = false;
  }
  if (w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
  }
  if (w->wake_fd >= 0) {
    close(w->wake_fd);
    w->wake_fd = -1;
  }
  if (w->tsfn != NULL) {
    /* Last (only) thread reference: the tsfn finalizes once its queue is
     * drained; tsfn_finalize then drops its reference on `w`. */
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
  }
}

/* Env teardown (process exit, worker termination): runs before the tsfn's own
 * teardown because it was registered after the tsfn was created. */
static void cleanup_hook(void *arg) {
  pollpri_watcher *w = arg;
  w->hook_added = false; /* Node drops the hook itself once it has run */
  watcher_stop(w);
}

/* The tsfn is gone (released and drained, or env teardown). */
static void tsfn_finalize(napi_env env, void *finalize_data, void *finalize_hint) {
  (void)env;
  (void)finalize_hint;
  pollpri_watcher *w = finalize_data;
  w->tsfn = NULL;
  watcher_unref(w);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  pollpri_watcher *w = context;
  if (env == NULL || js_cb == NULL) {
    return; /* tsfn torn down with this call still queued */
  }
  /* Clear before calling: a change after this point queues a new notification;
   * one before it is visible to whatever onChange reads now. */
  atomic_store(&w->pending, false);
  if (w->stopped) {
    return; /* was in flight when close() ran */
  }
  napi_value undefined, result;
  if (napi_get_undefined(env, &undefined) != napi_ok) {
    return;
  }
  if (napi_call_function(env, undefined, js_cb, 0, NULL, &result) != napi_ok) {
    /* Report a throwing onChange as an uncaught exception instead of letting
     * Node-API swallow it with a DEP0168 warning. (No exception pending means
     * the env can no longer run JS, e.g. a terminating worker: nothing to do.) */
    bool pending = false;
    napi_value err;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &err) == napi_ok) {
      napi_fatal_exception(env, err);
    }
  }
}

/* The JS close function was garbage collected: nobody can call close() now. */
static void close_fn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pollpri_watcher *w = data;
  watcher_stop(w);
  watcher_unref(w);
}

static napi_value close_cb(napi_env env, napi_callback_info info) {
  void *data = NULL;
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data));
  watcher_stop(data);
  return NULL; /* undefined */
}

static int start_thread(pollpri_watcher *w) {
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err != 0) {
    return err;
  }
  (void)pthread_attr_setstacksize(&attr, WATCHER_STACK_SIZE); /* default size on failure */

  /* Block all signals in the new thread so they keep going to Node's threads. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  err = pthread_create(&w->thread, &attr, watcher_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err == 0) {
    pthread_setname_np(w->thread, "fsevd-pollpri");
  }
  return err;
}

/* watchPriority(path: string, onChange: () => void): { close(): void } */
static napi_value watch_priority(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    return fsevd_throw_type_error(env, "watchPriority(path, onChange) needs 2 arguments");
  }
  napi_valuetype cb_type;
  FSEVD_NAPI_CALL(env, napi_typeof(env, argv[1], &cb_type));
  if (cb_type != napi_function) {
    return fsevd_throw_type_error(env, "The \"onChange\" argument must be of type function");
  }
  char *path = fsevd_get_string(env, argv[0], "path");
  if (path == NULL) {
    return NULL;
  }

  /* O_NONBLOCK only so that opening a FIFO or device cannot block the event
   * loop; the fd is never read. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    fsevd_throw_errno(env, err, "open", path);
    free(path);
    return NULL;
  }
  free(path);

  /* POLLPRI is relative to this fd's previous poll: consume the initial state
   * now, synchronously, so that only changes after watchPriority() returns are
   * reported. */
  struct pollfd prime = {.fd = fd, .events = POLLPRI, .revents = 0};
  while (poll(&prime, 1, 0) < 0 && errno == EINTR) {
  }

  int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    int err = errno;
    close(fd);
    return fsevd_throw_errno(env, err, "eventfd", NULL);
  }

  pollpri_watcher *w = calloc(1, sizeof *w);
  if (w == NULL) {
    close(fd);
    close(wake_fd);
    return fsevd_throw_errno(env, ENOMEM, "calloc", NULL);
  }
  w->env = env;
  w->fd = fd;
  w->wake_fd = wake_fd;
  atomic_init(&w->pending, false);

  napi_value resource_name, close_fn, handle;
  napi_status s = napi_create_string_utf8(env, "fsevd:watchPriority", NAPI_AUTO_LENGTH,
                                          &resource_name);
  if (s == napi_ok) {
    s = napi_create_threadsafe_function(env, argv[1], NULL, resource_name,
                                        1,  /* max queue: coalescing keeps it <= 1 */
                                        1,  /* initial thread count: released by stop() */
                                        w, tsfn_finalize, w, call_js, &w->tsfn);
  }
  if (s != napi_ok) {
    w->stopped = true;
    close(fd);
    close(wake_fd);
    free(w); /* no owner yet */
    return fsevd_throw_status(env, s, "napi_create_threadsafe_function");
  }
  w->refs = 1; /* the tsfn */

  /* From here on, failures go through watcher_stop(), which releases the tsfn;
   * its finalizer drops the last reference and frees `w`. */
  s = napi_unref_threadsafe_function(env, w->tsfn);
  if (s != napi_ok) {
    goto fail_status;
  }
  s = napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_cb, w, &close_fn);
  if (s != napi_ok) {
    goto fail_status;
  }
  s = napi_add_finalizer(env, close_fn, w, close_fn_finalize, NULL, NULL);
  if (s != napi_ok) {
    goto fail_status;
  }
  w->refs++; /* the close function */

  s = napi_create_object(env, &handle);
  if (s == napi_ok) {
    s = napi_set_named_property(env, handle, "close", close_fn);
  }
  if (s != napi_ok) {
    goto fail_status;
  }

  int err = start_thread(w);
  if (err != 0) {
    watcher_stop(w);
    return fsevd_throw_errno(env, err, "pthread_create", NULL);
  }
  w->thread_started = true;

  s = napi_add_env_cleanup_hook(env, cleanup_hook, w);
  if (s != napi_ok) {
    goto fail_status;
  }
  w->hook_added = true;
  return handle;

fail_status:
  fsevd_throw_status(env, s, "watchPriority setup");
  watcher_stop(w);
  return NULL;
}

napi_status fsevd_pollpri_register(napi_env env, napi_value exports) {
  return fsevd_export_function(env, exports, "watchPriority", watch_priority);
}
