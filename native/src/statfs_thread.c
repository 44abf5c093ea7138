/*
 * statfs pool worker threads (see statfs.c for the rules they follow): take
 * requests, run statx + statfs without the lock, queue results, and decide
 * when JS is woken for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "statfs_internal.h"

void statfs_pool_unref(pool *p) {
  if (atomic_fetch_sub(&p->refs, 1) == 1) {
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
  }
}

void statfs_free_requests(request *rq) {
  while (rq) {
    request *next = rq->next;
    free(rq->path);
    free(rq);
    rq = next;
  }
}

/* ---- worker threads ------------------------------------------------------ */

static void run_request(const request *rq, result *rs) {
  rs->id = rq->id;
  rs->err = 0;
  for (int i = 0; i < NVALUES; i++) rs->values[i] = 0;
  double mnt_id = -1;
  /* AT_NO_AUTOMOUNT: probing must never trigger an automount; DONT_SYNC: the
   * mount id needs no round trip to a network server. */
  struct statx stx;
  if (statx(AT_FDCWD, rq->path, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) == 0) {
    if (stx.stx_mask & STATX_MNT_ID) mnt_id = (double)stx.stx_mnt_id;
  } else if (errno != ENOSYS && errno != EINVAL) {
    rs->err = errno;
    return;
  }
  struct statfs st;
  if (statfs(rq->path, &st) != 0) {
    rs->err = errno;
    return;
  }
  double *v = rs->values;
  v[0] = (double)(unsigned long)st.f_type;
  v[1] = (double)st.f_bsize;
  v[2] = (double)(st.f_frsize ? st.f_frsize : st.f_bsize);
  v[3] = (double)st.f_blocks;
  v[4] = (double)st.f_bfree;
  v[5] = (double)st.f_bavail;
  v[6] = (double)st.f_files;
  v[7] = (double)st.f_ffree;
  v[8] = (double)st.f_flags;
  v[9] = mnt_id;
}

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Under p->mu. Wakes JS for the queued results unless a wake-up is already pending. */
void statfs_notify(pool *p) {
  if (p->r_head == NULL || p->notify_pending || !p->tsfn_alive) return;
  p->notify_pending = true;
  if (napi_call_threadsafe_function(p->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok) {
    p->notify_pending = false;
  }
}

/* Under p->mu. Queues a result for JS without waking it (see notify). */
static void enqueue_result(pool *p, result *rs) {
  if (!p->tsfn_alive) {
    free(rs);
    return;
  }
  rs->next = NULL;
  if (p->r_tail) p->r_tail->next = rs;
  else {
    p->r_head = rs;
    if (!p->notify_pending) p->r_since = monotonic_ns();
  }
  p->r_tail = rs;
}

/* Under p->mu. True while results wait for a wake-up that nobody has asked for yet. */
static bool unnotified(const pool *p) {
  return p->r_head != NULL && !p->notify_pending && p->tsfn_alive;
}

/* Under p->mu. True when a worker other than `self` is in a call (abandoned ones do not count). */
static bool siblings_busy(const pool *p, const worker *self) {
  for (const worker *w = p->workers; w; w = w->next) {
    if (w != self && w->busy && !w->abandoned) return true;
  }
  return false;
}

/* Under p->mu. True when another worker's call has run for STUCK_NS or more (a hung mount, likely). */
static bool sibling_stuck(const pool *p, const worker *self, uint64_t now) {
  for (const worker *w = p->workers; w; w = w->next) {
    if (w != self && w->busy && !w->abandoned && now - w->started >= STUCK_NS) return true;
  }
  return false;
}

/* Under p->mu: waits for work; wakes JS for queued results as described at the top. */
static void wait_for_request(pool *p, worker *self) {
  while (!p->closing && p->q_head == NULL) {
    if (unnotified(p)) {
      uint64_t due = p->r_since + COALESCE_NS;
      if (!siblings_busy(p, self) || monotonic_ns() >= due) {
        statfs_notify(p);
        continue;
      }
      struct timespec until = {.tv_sec = (time_t)(due / 1000000000u), .tv_nsec = (long)(due % 1000000000u)};
      p->idle_waiting++;
      pthread_cond_timedwait(&p->cv, &p->mu, &until);
      p->idle_waiting--;
      continue;
    }
    p->idle_waiting++;
    pthread_cond_wait(&p->cv, &p->mu);
    p->idle_waiting--;
  }
}

/* Under p->mu. */
static void unlink_worker(pool *p, worker *w) {
  for (worker **at = &p->workers; *at; at = &(*at)->next) {
    if (*at == w) {
      *at = w->next;
      return;
    }
  }
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pool *p = w->pool;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    wait_for_request(p, w);
    if (p->closing) break;
    request *rq = p->q_head;
    p->q_head = rq->next;
    if (p->q_head == NULL) p->q_tail = NULL;
    p->queued--;
    w->busy = true;
    w->current = rq->id;
    w->started = monotonic_ns();
    /* This call may hang: results already queued must not wait for it, nor the rest of the
     * queue when a sibling seems stuck already (only BATCH_WORKERS were woken for it). */
    if (unnotified(p) || (p->q_head != NULL && sibling_stuck(p, w, w->started))) {
      if (p->idle_waiting > 0) pthread_cond_signal(&p->cv);
      else if (unnotified(p) && !siblings_busy(p, w)) statfs_notify(p);
    }
    pthread_mutex_unlock(&p->mu);

    /* calloc failing leaves the request unanswered: JS times it out. */
    result *rs = calloc(1, sizeof *rs);
    if (rs != NULL) run_request(rq, rs);
    free(rq->path);
    free(rq);

    pthread_mutex_lock(&p->mu);
    w->busy = false;
    if (rs != NULL) enqueue_result(p, rs);
    if (w->abandoned) break; /* its replacement serves the queue */
  }
  if (w->abandoned) {
    statfs_notify(p); /* a late answer goes out at once */
    p->abandoned--;
  } else {
    p->live--;
  }
  unlink_worker(p, w);
  pthread_mutex_unlock(&p->mu);
  free(w);
  statfs_pool_unref(p);
  return NULL;
}

/* Under p->mu (or before any thread exists). Returns 0 or an errno. */
int statfs_spawn_worker(pool *p) {
  worker *w = calloc(1, sizeof *w);
  if (w == NULL) return ENOMEM;
  w->pool = p;
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err != 0) {
    free(w);
    return err;
  }
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  (void)pthread_attr_setstacksize(&attr, WORKER_STACK_SIZE);
  atomic_fetch_add(&p->refs, 1);
  w->next = p->workers;
  p->workers = w;
  p->live++;
  /* Signals keep going to Node's own threads. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t thread;
  err = pthread_create(&thread, &attr, worker_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    p->live--;
    unlink_worker(p, w);
    free(w);
    atomic_fetch_sub(&p->refs, 1); /* cannot be the last: the caller holds one */
    return err;
  }
  pthread_setname_np(thread, "fsevd-statfs");
  return 0;
}

/*
 * Queues the chain head..tail (n requests) in one critical section and wakes at most
 * BATCH_WORKERS idle workers, after unlocking so that woken workers do not block on `mu`. Takes
 * ownership of the chain; false (chain freed) once the pool is closing.
 */
bool statfs_enqueue_requests(pool *p, request *head, request *tail, uint32_t n) {
  pthread_mutex_lock(&p->mu);
  bool accepted = !p->closing;
  int wake = 0;
  if (accepted) {
    if (p->q_tail) p->q_tail->next = head;
    else p->q_head = head;
    p->q_tail = tail;
    p->queued += n;
    wake = (int)n < BATCH_WORKERS ? (int)n : BATCH_WORKERS;
    if (wake > p->idle_waiting) wake = p->idle_waiting;
  }
  pthread_mutex_unlock(&p->mu);
  if (!accepted) statfs_free_requests(head);
  for (int i = 0; i < wake; i++) pthread_cond_signal(&p->cv);
  return accepted;
}
