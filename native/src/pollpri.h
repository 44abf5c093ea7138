/*
 * POLLPRI watcher: watchPriority(path, onChange) -> { close() }.
 *
 * For files whose poll() reports EPOLLPRI|EPOLLERR once per change and
 * acknowledges it itself: /proc/<pid>/mountinfo, mounts and mountstats
 * (fs/proc_namespace.c mounts_poll) and /proc/swaps. Not for sysfs attributes:
 * kernfs only acknowledges a change when the file is re-read, so its POLLPRI
 * stays asserted and this watcher would report it in a loop.
 */
#ifndef FSEVD_NATIVE_POLLPRI_H
#define FSEVD_NATIVE_POLLPRI_H

#include <node_api.h>

/* Adds watchPriority to `exports`. */
napi_status fsevd_pollpri_register(napi_env env, napi_value exports);

#endif /* FSEVD_NATIVE_POLLPRI_H */
