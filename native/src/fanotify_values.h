/*
 * JS values of the fanotify reader (JS thread only): the error objects handed to
 * onError and the mark results handed to onMark (typed in src/native/binding.ts).
 */
#ifndef FSEVD_NATIVE_FANOTIFY_VALUES_H
#define FSEVD_NATIVE_FANOTIFY_VALUES_H

#include <node_api.h>

#include "fanotify_marks.h"

/* { code: "EIO", errno: 5 (positive), syscall, message } */
napi_status fan_error_value(napi_env env, int err, const char *syscall, napi_value *out);

/* { id, fsid: [val0, val1], dev?: { major, minor }, error?: fan_error_value(...) } */
napi_status fan_mark_value(napi_env env, const fan_mark_result *r, napi_value *out);

#endif /* FSEVD_NATIVE_FANOTIFY_VALUES_H */
