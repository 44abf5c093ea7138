/*
 * The flood of bench/kmsg-flood.ts: writes COUNT records "fsevd-flood <i>" to /dev/kmsg at RATE
 * records/s (0: as fast as the kernel takes them), then "fsevd-flood-end", through one fd (needs
 * /proc/sys/kernel/printk_devkmsg = on, or the kernel rate-limits the writes), at level 6 so that
 * nothing goes to the console. Prints "wrote <count> <seconds>". Built with `cc -O2`.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s COUNT RATE\n", argv[0]);
    return 2;
  }
  long count = atol(argv[1]);
  double rate = atof(argv[2]);
  int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    perror("/dev/kmsg");
    return 1;
  }
  char line[64];
  double start = now();
  for (long i = 0; i < count; i++) {
    /* Paced in slices of 64 records with sleeps, not a spin: the writer must not take a CPU
     * from the readers it is measuring (2 vCPUs here). */
    if (rate > 0 && i % 64 == 0) {
      double ahead = start + i / rate - now();
      if (ahead > 0) {
        struct timespec ts = {.tv_sec = (time_t)ahead, .tv_nsec = (long)((ahead - (time_t)ahead) * 1e9)};
        nanosleep(&ts, NULL);
      }
    }
    int n = snprintf(line, sizeof line, "<6>fsevd-flood %ld\n", i);
    if (write(fd, line, (size_t)n) != n) {
      perror("write");
      return 1;
    }
  }
  double took = now() - start;
  if (write(fd, "<6>fsevd-flood-end\n", 19) != 19) perror("write end");
  printf("wrote %ld %.6f\n", count, took);
  return 0;
}
