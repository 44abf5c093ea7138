/*
 * Shared helpers for the fsevd native readers (pollpri, and later fanotify,
 * kmsg): Node-API status checking and errno -> JS Error conversion.
 * Everything here is called on the JS thread only.
 */
#ifndef FSEVD_NATIVE_COMMON_H
#define FSEVD_NATIVE_COMMON_H

#include <node_api.h>
#include <pthread.h>
#include <stddef.h>

/* Each reader exposes one of these; addon.c calls them in order at module init. */
typedef napi_status (*fsevd_register_fn)(napi_env env, napi_value exports);

/* Adds a function named `name` to `exports` (what each register function does per export). */
napi_status fsevd_export_function(napi_env env, napi_value exports, const char *name, napi_callback cb);

/* "ENOENT" for ENOENT, ...; "EUNKNOWN" for an errno not in the table. */
const char *fsevd_errno_name(int err);

/*
 * Throw an Error shaped like Node's own system errors:
 *   message "ENOENT: No such file or directory, open '/x'",
 *   code "ENOENT", errno -2 (negative, as Node does), syscall "open", path "/x".
 * syscall and path may be NULL. Always returns NULL (for `return fsevd_throw_errno(...)`).
 */
napi_value fsevd_throw_errno(napi_env env, int err, const char *syscall, const char *path);

/*
 * After a Node-API call failed with `status`: if no JS exception is pending,
 * throw an Error describing the failed call. Always returns NULL.
 */
napi_value fsevd_throw_status(napi_env env, napi_status status, const char *what);

/* Throw a TypeError with code ERR_INVALID_ARG_TYPE. Always returns NULL. */
napi_value fsevd_throw_type_error(napi_env env, const char *message);

/*
 * Read a JS string argument into a malloc'd, NUL-terminated UTF-8 buffer.
 * Throws (TypeError) and returns NULL if `value` is not a string or contains a
 * NUL byte (which would silently truncate a path). The caller frees the result.
 */
char *fsevd_get_string(napi_env env, napi_value value, const char *arg_name);

/*
 * Read a path argument into a malloc'd, NUL-terminated buffer: a Buffer is taken
 * byte for byte (kernel paths need not be UTF-8; JS strings cannot carry their
 * undecodable bytes through UTF-8 conversion), a string as UTF-8. Throws
 * (TypeError) and returns NULL for any other type, an empty path, or a NUL byte
 * inside it. The caller frees the result.
 */
char *fsevd_get_path(napi_env env, napi_value value, const char *arg_name);

/*
 * Start a reader thread (any thread: no Node-API use) with a small stack, all
 * signals blocked in it so they keep going to Node's threads, and `name` as
 * its thread name (max 15 chars). Returns 0 or the pthread_create error.
 */
int fsevd_start_thread(pthread_t *thread, void *(*main)(void *), void *arg, size_t stack_size,
                       const char *name);

/*
 * Ask a reader thread that polls `wake_fd` (an eventfd) to end, and join it.
 * An eventfd write only fails on counter overflow, which leaves it readable too.
 */
void fsevd_wake_and_join(int wake_fd, pthread_t thread);

/*
 * Call a JS callback from a threadsafe function's call_js: an exception it
 * throws is reported as an uncaught exception instead of being swallowed by
 * Node-API with a DEP0168 warning. Nothing happens when the env can no longer
 * run JS (a terminating worker).
 */
void fsevd_call_reporting(napi_env env, napi_value fn, size_t argc, const napi_value *argv);

/* Evaluate a napi_status-returning call; on failure throw and return NULL. */
#define FSEVD_NAPI_CALL(env, call)                                             \
  do {                                                                         \
    napi_status fsevd_status_ = (call);                                        \
    if (fsevd_status_ != napi_ok) {                                            \
      return fsevd_throw_status((env), fsevd_status_, #call);                  \
    }                                                                          \
  } while (0)

#endif /* FSEVD_NATIVE_COMMON_H */
