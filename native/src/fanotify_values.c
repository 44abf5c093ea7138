/* See fanotify_values.h. */
#include "fanotify_values.h"

#include <string.h>

#include "common.h"

static napi_status set_u32(napi_env env, napi_value obj, const char *key, uint32_t value) {
  napi_value v;
  napi_status s = napi_create_uint32(env, value, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

napi_status fan_error_value(napi_env env, int err, const char *syscall, napi_value *out) {
  napi_value code, msg, sys;
  napi_status s = napi_create_string_utf8(env, fsevd_errno_name(err), NAPI_AUTO_LENGTH, &code);
  if (s == napi_ok) s = napi_create_object(env, out);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "code", code);
  if (s == napi_ok) s = set_u32(env, *out, "errno", (uint32_t)err);
  if (s == napi_ok) s = napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "syscall", sys);
  if (s == napi_ok) s = napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &msg);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "message", msg);
  return s;
}

napi_status fan_mark_value(napi_env env, const fan_mark_result *r, napi_value *out) {
  napi_value id, fsid, dev, err;
  napi_status s = napi_create_object(env, out);
  if (s == napi_ok) s = napi_create_double(env, r->id, &id);
  if (s == napi_ok) s = napi_set_named_property(env, *out, "id", id);
  if (s == napi_ok) s = napi_create_array_with_length(env, 2, &fsid);
  for (uint32_t i = 0; i < 2 && s == napi_ok; i++) {
    napi_value v;
    s = napi_create_uint32(env, r->fsid[i], &v);
    if (s == napi_ok) s = napi_set_element(env, fsid, i, v);
  }
  if (s == napi_ok) s = napi_set_named_property(env, *out, "fsid", fsid);
  if (s == napi_ok && r->have_dev) {
    s = napi_create_object(env, &dev);
    if (s == napi_ok) s = set_u32(env, dev, "major", r->major);
    if (s == napi_ok) s = set_u32(env, dev, "minor", r->minor);
    if (s == napi_ok) s = napi_set_named_property(env, *out, "dev", dev);
  }
  if (s == napi_ok && r->err != 0) {
    s = fan_error_value(env, r->err, r->syscall, &err);
    if (s == napi_ok) s = napi_set_named_property(env, *out, "error", err);
  }
  return s;
}

