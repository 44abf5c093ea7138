/*
 * The absolute floor of bench/fanotify-latency.ts: a minimal C reader of FAN_FS_ERROR events.
 * Marks the filesystem of argv[1], prints "ready", then blocks in read() and prints
 * "ev <CLOCK_MONOTONIC ns>" as soon as each read returns (the clock of Node's
 * process.hrtime.bigint(), so the benchmark can subtract its own timestamps).
 * Built by the benchmark with `cc -O2`; not part of fsevd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/fanotify.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MOUNTPOINT\n", argv[0]);
    return 2;
  }
  int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_FS_ERROR, AT_FDCWD, argv[1]) < 0) {
    perror("fanotify");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  char buf[4096] __attribute__((aligned(8)));
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 1;
    printf("ev %lld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    fflush(stdout);
  }
}
