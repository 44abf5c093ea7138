/* See common.h. */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

const char *fsevd_errno_name(int err) {
  switch (err) {
#define FSEVD_ERRNO_CASE(name)                                                 \
  case name:                                                                   \
    return #name;
    FSEVD_ERRNO_CASE(EPERM)
    FSEVD_ERRNO_CASE(ENOENT)
    FSEVD_ERRNO_CASE(ESRCH)
    FSEVD_ERRNO_CASE(EINTR)
    FSEVD_ERRNO_CASE(EIO)
    FSEVD_ERRNO_CASE(ENXIO)
    FSEVD_ERRNO_CASE(E2BIG)
    FSEVD_ERRNO_CASE(ENOEXEC)
    FSEVD_ERRNO_CASE(EBADF)
    FSEVD_ERRNO_CASE(ECHILD)
    FSEVD_ERRNO_CASE(EAGAIN) /* == EWOULDBLOCK on Linux */
    FSEVD_ERRNO_CASE(ENOMEM)
    FSEVD_ERRNO_CASE(EACCES)
    FSEVD_ERRNO_CASE(EFAULT)
    FSEVD_ERRNO_CASE(ENOTBLK)
    FSEVD_ERRNO_CASE(EBUSY)
    FSEVD_ERRNO_CASE(EEXIST)
    FSEVD_ERRNO_CASE(EXDEV)
    FSEVD_ERRNO_CASE(ENODEV)
    FSEVD_ERRNO_CASE(ENOTDIR)
    FSEVD_ERRNO_CASE(EISDIR)
    FSEVD_ERRNO_CASE(EINVAL)
    FSEVD_ERRNO_CASE(ENFILE)
    FSEVD_ERRNO_CASE(EMFILE)
    FSEVD_ERRNO_CASE(ENOTTY)
    FSEVD_ERRNO_CASE(ETXTBSY)
    FSEVD_ERRNO_CASE(EFBIG)
    FSEVD_ERRNO_CASE(ENOSPC)
    FSEVD_ERRNO_CASE(ESPIPE)
    FSEVD_ERRNO_CASE(EROFS)
    FSEVD_ERRNO_CASE(EMLINK)
    FSEVD_ERRNO_CASE(EPIPE)
    FSEVD_ERRNO_CASE(EDOM)
    FSEVD_ERRNO_CASE(ERANGE)
    FSEVD_ERRNO_CASE(EDEADLK)
    FSEVD_ERRNO_CASE(ENAMETOOLONG)
    FSEVD_ERRNO_CASE(ENOLCK)
    FSEVD_ERRNO_CASE(ENOSYS)
    FSEVD_ERRNO_CASE(ENOTEMPTY)
    FSEVD_ERRNO_CASE(ELOOP)
    FSEVD_ERRNO_CASE(ENOMSG)
    FSEVD_ERRNO_CASE(ENODATA)
    FSEVD_ERRNO_CASE(ENOBUFS)
    FSEVD_ERRNO_CASE(EOVERFLOW)
    FSEVD_ERRNO_CASE(EBADMSG)
    FSEVD_ERRNO_CASE(EILSEQ)
    FSEVD_ERRNO_CASE(ENOTSOCK)
    FSEVD_ERRNO_CASE(EPROTONOSUPPORT)
    FSEVD_ERRNO_CASE(EOPNOTSUPP) /* == ENOTSUP on Linux */
    FSEVD_ERRNO_CASE(EAFNOSUPPORT)
    FSEVD_ERRNO_CASE(EADDRINUSE)
    FSEVD_ERRNO_CASE(ENETDOWN)
    FSEVD_ERRNO_CASE(ECONNRESET)
    FSEVD_ERRNO_CASE(ETIMEDOUT)
    FSEVD_ERRNO_CASE(ECONNREFUSED)
    FSEVD_ERRNO_CASE(ESTALE)
    FSEVD_ERRNO_CASE(EDQUOT)
    FSEVD_ERRNO_CASE(ECANCELED)
    FSEVD_ERRNO_CASE(EUCLEAN)
    FSEVD_ERRNO_CASE(ENOMEDIUM)
    FSEVD_ERRNO_CASE(EMEDIUMTYPE)
#undef FSEVD_ERRNO_CASE
  default:
    return "EUNKNOWN";
  }
}

static napi_status set_string_prop(napi_env env, napi_value obj, const char *key,
                                   const char *value) {
  napi_value v;
  napi_status s = napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, obj, key, v);
}

napi_value fsevd_throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  const char *name = fsevd_errno_name(err);
  char text_buf[128];
  /* GNU strerror_r (we build with _GNU_SOURCE): returns the text, maybe not in text_buf. */
  const char *text = strerror_r(err, text_buf, sizeof text_buf);

  char *msg = NULL;
  int n;
  if (syscall != NULL && path != NULL) {
    n = asprintf(&msg, "%s: %s, %s '%s'", name, text, syscall, path);
  } else if (syscall != NULL) {
    n = asprintf(&msg, "%s: %s, %s", name, text, syscall);
  } else {
    n = asprintf(&msg, "%s: %s", name, text);
  }
  if (n < 0) {
    msg = NULL;
  }

  napi_value code_v, msg_v, error, errno_v;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code_v) != napi_ok ||
      napi_create_string_utf8(env, msg != NULL ? msg : name, NAPI_AUTO_LENGTH, &msg_v) !=
          napi_ok ||
      napi_create_error(env, code_v, msg_v, &error) != napi_ok) {
    free(msg);
    napi_throw_error(env, name, name);
    return NULL;
  }
  free(msg);

  /* Best effort: a failure here still throws the Error with message and code. */
  if (napi_create_int32(env, -err, &errno_v) == napi_ok) {
    napi_set_named_property(env, error, "errno", errno_v);
  }
  if (syscall != NULL) set_string_prop(env, error, "syscall", syscall);
  if (path != NULL) set_string_prop(env, error, "path", path);

  napi_throw(env, error);
  return NULL;
}

napi_value fsevd_throw_status(napi_env env, napi_status status, const char *what) {
  const napi_extended_error_info *info = NULL;
  /* Must be read before any other Node-API call overwrites it. */
  const char *detail = NULL;
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL) {
    detail = info->error_message;
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
    return NULL; /* keep the original JS exception */
  }
  char msg[256];
  snprintf(msg, sizeof msg, "fsevd_native: %s failed (napi_status %d%s%s)", what, (int)status,
           detail != NULL ? ": " : "", detail != NULL ? detail : "");
  napi_throw_error(env, "ERR_FSEVD_NATIVE", msg);
  return NULL;
}

napi_value fsevd_throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

char *fsevd_get_string(napi_env env, napi_value value, const char *arg_name) {
  char msg[160];
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
    snprintf(msg, sizeof msg, "The \"%s\" argument must be of type string", arg_name);
    fsevd_throw_type_error(env, msg);
    return NULL;
  }
  size_t len = 0;
  napi_status s = napi_get_value_string_utf8(env, value, NULL, 0, &len);
  if (s != napi_ok) {
    fsevd_throw_status(env, s, "napi_get_value_string_utf8");
    return NULL;
  }
  char *buf = malloc(len + 1);
  if (buf == NULL) {
    fsevd_throw_errno(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  size_t copied = 0;
  s = napi_get_value_string_utf8(env, value, buf, len + 1, &copied);
  if (s != napi_ok) {
    free(buf);
    fsevd_throw_status(env, s, "napi_get_value_string_utf8");
    return NULL;
  }
  if (strlen(buf) != copied) {
    free(buf);
    snprintf(msg, sizeof msg, "The \"%s\" argument must not contain null bytes", arg_name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    return NULL;
  }
  return buf;
}

char *fsevd_get_path(napi_env env, napi_value value, const char *arg_name) {
  char msg[160];
  bool is_buffer = false;
  napi_status s = napi_is_buffer(env, value, &is_buffer);
  if (s != napi_ok) {
    fsevd_throw_status(env, s, "napi_is_buffer");
    return NULL;
  }
  char *path = NULL;
  size_t len = 0;
  if (is_buffer) {
    void *bytes = NULL;
    s = napi_get_buffer_info(env, value, &bytes, &len);
    if (s != napi_ok) {
      fsevd_throw_status(env, s, "napi_get_buffer_info");
      return NULL;
    }
    if (memchr(bytes, '\0', len) != NULL) len = 0; /* rejected below with the empty path */
    path = malloc(len + 1);
    if (path == NULL) {
      fsevd_throw_errno(env, ENOMEM, "malloc", NULL);
      return NULL;
    }
    memcpy(path, bytes, len);
    path[len] = '\0';
  } else {
    napi_valuetype type;
    if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
      snprintf(msg, sizeof msg, "The \"%s\" argument must be a Buffer or a string", arg_name);
      fsevd_throw_type_error(env, msg);
      return NULL;
    }
    path = fsevd_get_string(env, value, arg_name);
    if (path == NULL) return NULL;
    len = strlen(path);
  }
  if (len == 0) {
    free(path);
    snprintf(msg, sizeof msg, "The \"%s\" argument must be non-empty, without null bytes", arg_name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    return NULL;
  }
  return path;
}

int fsevd_start_thread(pthread_t *thread, void *(*main)(void *), void *arg, size_t stack_size,
                       const char *name) {
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err != 0) return err;
  (void)pthread_attr_setstacksize(&attr, stack_size); /* default size on failure */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  err = pthread_create(thread, &attr, main, arg);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err == 0) pthread_setname_np(*thread, name);
  return err;
}

void fsevd_wake_and_join(int wake_fd, pthread_t thread) {
  uint64_t one = 1;
  ssize_t w;
  do {
    w = write(wake_fd, &one, sizeof one);
  } while (w < 0 && errno == EINTR);
  pthread_join(thread, NULL);
}

void fsevd_call_reporting(napi_env env, napi_value fn, size_t argc, const napi_value *argv) {
  napi_value undefined, result, err;
  if (napi_get_undefined(env, &undefined) != napi_ok) return;
  if (napi_call_function(env, undefined, fn, argc, argv, &result) == napi_ok) return;
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &err) == napi_ok) {
    napi_fatal_exception(env, err);
  }
}

napi_status fsevd_export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_status s = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  return s == napi_ok ? napi_set_named_property(env, exports, name, fn) : s;
}
