/*
 * fsevd_native module init. Each reader lives in its own .c file and exposes
 * one fsevd_register_fn that adds its functions to `exports`; add new readers
 * (fanotify, /dev/kmsg, ...) to `readers` below. The module keeps no global
 * state, so it is context-aware and loads in worker threads too.
 */
#include <node_api.h>

#include "common.h"
#include "fanotify.h"
#include "journal.h"
#include "kmsg.h"
#include "netlink.h"
#include "pollpri.h"
#include "privileges.h"
#include "statfs.h"

static const struct {
  const char *name;
  fsevd_register_fn fn;
} readers[] = {
    {"pollpri", fsevd_pollpri_register},
    {"statfs", fsevd_statfs_register},
    {"fanotify", fsevd_fanotify_register},
    {"kmsg", fsevd_kmsg_register},
    {"privileges", fsevd_privileges_register},
    {"netlink", fsevd_netlink_register},
    {"journal", fsevd_journal_register},
};

NAPI_MODULE_INIT() {
  for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
    napi_status s = readers[i].fn(env, exports);
    if (s != napi_ok) {
      return fsevd_throw_status(env, s, readers[i].name);
    }
  }
  return exports;
}
