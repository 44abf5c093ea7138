/*
 * The floor of bench/kmsg-flood.ts and bench/kmsg-latency.ts: a minimal C reader of /dev/kmsg.
 * Opens at the end of the ring, prints "ready", then blocks in read(), one record per read:
 *   kmsg-reader latency TEXT  prints "ev <CLOCK_MONOTONIC ns>" as soon as a record whose text
 *                             contains TEXT is read (the clock of Node's process.hrtime.bigint());
 *   kmsg-reader flood         counts the records whose text starts "fsevd-flood ", the records
 *                             missing from the sequence numbers (gaps) and the EPIPE overruns, and
 *                             prints "done <flood records> <lost> <overruns> <records>" when it
 *                             reads "fsevd-flood-end", or after 2 s without a record once the
 *                             flood began (printk itself may drop the marker in a flat-out flood).
 * Built by the benchmarks with `cc -O2`; not part of fsevd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int flood = argc == 2 && strcmp(argv[1], "flood") == 0;
  if (!flood && !(argc == 3 && strcmp(argv[1], "latency") == 0)) {
    fprintf(stderr, "usage: %s latency TEXT | flood\n", argv[0]);
    return 2;
  }
  int fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
    perror("/dev/kmsg");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  static char buf[8192];
  unsigned long long expected = 0, lost = 0, overruns = 0, records = 0, ours = 0;
  for (;;) {
    if (flood && ours > 0) {
      struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 2000) == 0) {
        printf("done %llu %llu %llu %llu\n", ours, lost, overruns, records);
        return 0;
      }
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
      if (errno == EPIPE) {
        overruns++;
        continue;
      }
      if (errno == EINTR) continue;
      perror("read");
      return 1;
    }
    buf[n] = '\0';
    char *text = strchr(buf, ';');
    if (text == NULL) continue;
    text++;
    if (!flood) {
      if (strstr(text, argv[2]) != NULL) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("ev %lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        fflush(stdout);
      }
      continue;
    }
    unsigned long long seq = strtoull(strchr(buf, ',') + 1, NULL, 10);
    if (records > 0 && seq > expected) lost += seq - expected;
    expected = seq + 1;
    records++;
    if (strncmp(text, "fsevd-flood ", 12) == 0) ours++;
    if (strncmp(text, "fsevd-flood-end", 15) == 0) {
      printf("done %llu %llu %llu %llu\n", ours, lost, overruns, records);
      return 0;
    }
  }
}
