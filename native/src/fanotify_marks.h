/*
 * Marking superblocks for FAN_FS_ERROR without ever waiting for it.
 *
 * Marking goes through the path of a mount: a lookup, fstat and fstatfs, each
 * of which can hang on a FUSE or network filesystem whose server is gone. So
 * every request runs on a detached thread of its own that nobody joins; it
 * posts its result to a `fan_core` and wakes whoever polls the core's eventfd
 * (the fanotify reader thread, which forwards results to JS). The core is
 * reference counted: a mark thread that returns after its watcher closed finds
 * the core still allocated, marked closed, and drops its result.
 */
#ifndef FSEVD_NATIVE_FANOTIFY_MARKS_H
#define FSEVD_NATIVE_FANOTIFY_MARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Outcome of one mark request. */
typedef struct fan_mark_result {
  struct fan_mark_result *next;
  double id;           /* the caller's request id */
  int err;             /* 0 on success, else the errno of `syscall` */
  const char *syscall; /* static string: "open", "fstat", "fstatfs" or "fanotify_mark" */
  uint32_t fsid[2];    /* statfs f_fsid (val[0], val[1]); 0:0 when unknown */
  bool have_dev;       /* major/minor are valid (fstat succeeded) */
  unsigned int major, minor;
} fan_mark_result;

typedef struct fan_core fan_core;

/* A new core with one reference; NULL with errno set on failure. */
fan_core *fan_core_new(void);

/* Drops one reference; the last one frees the core and its pending results. */
void fan_core_unref(fan_core *core);

/* Readable (eventfd) whenever results are waiting in fan_core_take(). */
int fan_core_results_fd(const fan_core *core);

/* From now on, results are dropped (the watcher is closing). Idempotent. */
void fan_core_close(fan_core *core);

/* Takes every waiting result, oldest first (a list linked by `next`; the caller frees each). */
fan_mark_result *fan_core_take(fan_core *core);

/*
 * Starts a detached thread that marks the superblock of `path` (len bytes, no
 * NUL inside) in the fanotify group `fan_fd` and posts the result with `id`.
 * The thread works on its own duplicate of fan_fd. Returns 0, or an errno if
 * the thread could not be started (nothing is posted then).
 */
int fan_mark_start(fan_core *core, int fan_fd, const char *path, size_t len, double id);

#endif /* FSEVD_NATIVE_FANOTIFY_MARKS_H */
