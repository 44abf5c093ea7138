/*
 * The fault of bench/kmsg-latency.ts: shuts an XFS filesystem down (XFS_IOC_GOINGDOWN with
 * XFS_FSOP_GOING_FLAGS_LOGFLUSH, what `xfs_io -x -c 'shutdown -f'` does) and prints
 * "t0 <CLOCK_MONOTONIC ns>" taken just before the ioctl, so the benchmark can time readers of the
 * kernel log from the fault itself rather than from a process start. Built with `cc -O2`.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define XFS_IOC_GOINGDOWN _IOR('X', 125, uint32_t)
#define XFS_FSOP_GOING_FLAGS_LOGFLUSH 0x1

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MOUNTPOINT\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  uint32_t flags = XFS_FSOP_GOING_FLAGS_LOGFLUSH;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (ioctl(fd, XFS_IOC_GOINGDOWN, &flags) < 0) {
    perror("XFS_IOC_GOINGDOWN");
    return 1;
  }
  printf("t0 %lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  return 0;
}
