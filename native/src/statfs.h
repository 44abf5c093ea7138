/*
 * statfs pool: statfs(2) + statx(2) mount id of paths on dedicated detached
 * threads, so that a hung network or FUSE mount can block neither the event
 * loop nor libuv's thread pool. A call that takes too long is abandoned: its
 * thread is left to finish on its own (counted) and a replacement is started.
 *
 *   createStatfsPool(threads, onResult) -> { submit(id, path),
 *                                            submitBatch(ids, paths),
 *                                            abandon(id), stats(), close() }
 *   onResult(id, errno, values | null) on the JS thread; values =
 *   [f_type, f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree,
 *    f_flags, mount id (statx STATX_MNT_ID, -1 when unknown)].
 */
#ifndef FSEVD_NATIVE_STATFS_H
#define FSEVD_NATIVE_STATFS_H

#include <node_api.h>

napi_status fsevd_statfs_register(napi_env env, napi_value exports);

#endif /* FSEVD_NATIVE_STATFS_H */
