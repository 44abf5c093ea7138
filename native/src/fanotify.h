/*
 * fanotify FAN_FS_ERROR reader:
 *   watchFsErrors(onEvents, onMark, onError) -> { mark(id, path), close() }
 *
 * A fanotify group (FAN_CLASS_NOTIF | FAN_REPORT_FID) read by a dedicated
 * thread; the raw bytes of each read() go to onEvents(chunk) on the JS thread
 * (decoding is done in TypeScript: src/collector/sources/fanotify/decode.ts).
 * mark(id, path) adds a FAN_MARK_FILESYSTEM FAN_FS_ERROR mark on the
 * superblock of `path` from a thread of its own and reports the outcome, with
 * the statfs fsid and the st_dev of the path, through onMark({ id, ... }).
 * Needs CAP_SYS_ADMIN (fanotify_init throws EPERM otherwise).
 */
#ifndef FSEVD_NATIVE_FANOTIFY_H
#define FSEVD_NATIVE_FANOTIFY_H

#include <node_api.h>

/* Adds watchFsErrors to `exports`. */
napi_status fsevd_fanotify_register(napi_env env, napi_value exports);

#endif /* FSEVD_NATIVE_FANOTIFY_H */
