/* See fanotify_marks.h. */
#include "fanotify_marks.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* A mark thread only makes four syscalls; a small stack keeps hung ones cheap. */
#define MARK_STACK_SIZE (64 * 1024)

struct fan_core {
  atomic_int refs;
  pthread_mutex_t lock;
  bool closed;                  /* under lock */
  fan_mark_result *head, *tail; /* under lock */
  int results_fd;               /* eventfd; closed with the core */
};

typedef struct mark_job {
  fan_core *core;
  int fan_fd; /* this thread's own duplicate: the watcher's fd may be closed and reused meanwhile */
  char *path;
  double id;
} mark_job;

fan_core *fan_core_new(void) {
  fan_core *core = calloc(1, sizeof *core);
  if (core == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  core->results_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (core->results_fd < 0) {
    int err = errno;
    free(core);
    errno = err;
    return NULL;
  }
  pthread_mutex_init(&core->lock, NULL);
  atomic_init(&core->refs, 1);
  return core;
}

static void free_results(fan_mark_result *r) {
  while (r != NULL) {
    fan_mark_result *next = r->next;
    free(r);
    r = next;
  }
}

void fan_core_unref(fan_core *core) {
  if (atomic_fetch_sub(&core->refs, 1) != 1) {
    return;
  }
  free_results(core->head);
  close(core->results_fd);
  pthread_mutex_destroy(&core->lock);
  free(core);
}

int fan_core_results_fd(const fan_core *core) {
  return core->results_fd;
}

void fan_core_close(fan_core *core) {
  pthread_mutex_lock(&core->lock);
  core->closed = true;
  fan_mark_result *pending = core->head;
  core->head = core->tail = NULL;
  pthread_mutex_unlock(&core->lock);
  free_results(pending);
}

fan_mark_result *fan_core_take(fan_core *core) {
  uint64_t count;
  /* Reset the eventfd first: a result posted after this read wakes the reader again. */
  while (read(core->results_fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
  pthread_mutex_lock(&core->lock);
  fan_mark_result *list = core->head;
  core->head = core->tail = NULL;
  pthread_mutex_unlock(&core->lock);
  return list;
}

static void post(fan_core *core, fan_mark_result *r) {
  pthread_mutex_lock(&core->lock);
  if (core->closed) {
    pthread_mutex_unlock(&core->lock);
    free(r);
    return;
  }
  if (core->tail != NULL) {
    core->tail->next = r;
  } else {
    core->head = r;
  }
  core->tail = r;
  uint64_t one = 1;
  /* Only fails on counter overflow, which leaves the eventfd readable anyway. */
  (void)!write(core->results_fd, &one, sizeof one);
  pthread_mutex_unlock(&core->lock);
}

/*
 * Mark through an O_PATH fd so that fstat, fstatfs and the mark all concern the
 * same object even if the mount table changes meanwhile. fanotify_mark() with
 * a NULL pathname uses fdget(), which refuses O_PATH files; "." relative to the
 * fd goes through the path walk, which accepts them (directories only, so a
 * file bind mount is marked by its path).
 */
static void mark_path(const mark_job *job, fan_mark_result *r) {
  const unsigned int flags = FAN_MARK_ADD | FAN_MARK_FILESYSTEM;
  int fd = open(job->path, O_PATH | O_CLOEXEC);
  if (fd < 0) {
    r->err = errno;
    r->syscall = "open";
    return;
  }
  struct stat st;
  struct statfs sfs;
  if (fstat(fd, &st) < 0) {
    r->err = errno;
    r->syscall = "fstat";
  } else if (fstatfs(fd, &sfs) < 0) {
    r->err = errno;
    r->syscall = "fstatfs";
  } else {
    r->have_dev = true;
    r->major = major(st.st_dev);
    r->minor = minor(st.st_dev);
    memcpy(r->fsid, &sfs.f_fsid, sizeof r->fsid);
    int rc = S_ISDIR(st.st_mode) ? fanotify_mark(job->fan_fd, flags, FAN_FS_ERROR, fd, ".")
                                 : fanotify_mark(job->fan_fd, flags, FAN_FS_ERROR, AT_FDCWD, job->path);
    if (rc < 0) {
      r->err = errno;
      r->syscall = "fanotify_mark";
    }
  }
  close(fd);
}

static void *mark_main(void *arg) {
  mark_job *job = arg;
  pthread_setname_np(pthread_self(), "fsevd-fanmark");
  fan_mark_result *r = calloc(1, sizeof *r);
  if (r != NULL) {
    r->id = job->id;
    mark_path(job, r);
    post(job->core, r);
  }
  close(job->fan_fd);
  fan_core_unref(job->core);
  free(job->path);
  free(job);
  return NULL;
}

int fan_mark_start(fan_core *core, int fan_fd, const char *path, size_t len, double id) {
  mark_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    return ENOMEM;
  }
  job->id = id;
  job->path = malloc(len + 1);
  job->fan_fd = fcntl(fan_fd, F_DUPFD_CLOEXEC, 0);
  if (job->path == NULL || job->fan_fd < 0) {
    int err = job->path == NULL ? ENOMEM : errno;
    if (job->fan_fd >= 0) close(job->fan_fd);
    free(job->path);
    free(job);
    return err;
  }
  memcpy(job->path, path, len);
  job->path[len] = '\0';
  atomic_fetch_add(&core->refs, 1);
  job->core = core;

  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err == 0) {
    (void)pthread_attr_setstacksize(&attr, MARK_STACK_SIZE);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Signals keep going to Node's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t thread;
    err = pthread_create(&thread, &attr, mark_main, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
  }
  if (err != 0) {
    close(job->fan_fd);
    fan_core_unref(core);
    free(job->path);
    free(job);
  }
  return err;
}
