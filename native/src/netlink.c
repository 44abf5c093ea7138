/*
 * Why this exists: node-netlink (the netlink sockets of the fsevent, quota and uevent sources)
 * watches its socket with a libuv poll handle, and when the kernel drops multicast messages for a
 * full socket, netlink_overrun() sets sk_err = ENOBUFS, epoll reports EPOLLERR, libuv calls the
 * poll callback with UV_EBADF, and node-netlink's handler builds its error with a NULL syscall
 * name, which fails inside Node-API and aborts the whole process (C++ exception, terminate).
 * NETLINK_NO_ENOBUFS stops the kernel from setting sk_err (net/netlink/af_netlink.c
 * netlink_overrun()); it still counts every dropped message in sk_drops, which SO_MEMINFO
 * reads back (SK_MEMINFO_DROPS). So the listener sets the option before it joins any group, and
 * counts losses from the drop counter instead of the error.
 *
 *   netlinkNoEnobufs(protocol, port) -> fd   finds our socket of that protocol bound to that port
 *                                            id in /proc/self/fd and sets the option on it
 *   socketDrops(fd) -> number                messages the kernel dropped for that socket so far
 */
#include <dirent.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The descriptor of this process's netlink socket of `protocol` bound to `port`, or -1. */
static int find_socket(int protocol, uint32_t port) {
  DIR *dir = opendir("/proc/self/fd");
  if (dir == NULL) return -1;
  int found = -1;
  struct dirent *entry;
  while (found < 0 && (entry = readdir(dir)) != NULL) {
    char *end;
    long fd = strtol(entry->d_name, &end, 10);
    if (*end != '\0' || fd < 0 || fd == dirfd(dir)) continue;
    struct sockaddr_nl addr;
    socklen_t len = sizeof addr;
    if (getsockname((int)fd, (struct sockaddr *)&addr, &len) != 0 || addr.nl_family != AF_NETLINK) continue;
    int proto = -1;
    socklen_t plen = sizeof proto;
    if (getsockopt((int)fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) != 0) continue;
    if (proto == protocol && addr.nl_pid == port) found = (int)fd;
  }
  closedir(dir);
  return found;
}

static napi_value no_enobufs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t protocol;
  uint32_t port;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &protocol) != napi_ok || napi_get_value_uint32(env, argv[1], &port) != napi_ok) {
    return fsevd_throw_type_error(env, "netlinkNoEnobufs(protocol, port) needs two numbers");
  }
  int fd = find_socket(protocol, port);
  if (fd < 0) return fsevd_throw_errno(env, ENOENT, "netlinkNoEnobufs", NULL);
  int on = 1;
  if (setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on) != 0) return fsevd_throw_errno(env, errno, "setsockopt", NULL);
  napi_value result;
  FSEVD_NAPI_CALL(env, napi_create_int32(env, fd, &result));
  return result;
}

static napi_value socket_drops(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  FSEVD_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return fsevd_throw_type_error(env, "socketDrops(fd) needs a number");
  uint32_t meminfo[SK_MEMINFO_VARS] = {0};
  socklen_t len = sizeof meminfo;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) != 0) return fsevd_throw_errno(env, errno, "getsockopt", NULL);
  napi_value result;
  FSEVD_NAPI_CALL(env, napi_create_uint32(env, meminfo[SK_MEMINFO_DROPS], &result));
  return result;
}

napi_status fsevd_netlink_register(napi_env env, napi_value exports) {
  napi_status s = fsevd_export_function(env, exports, "netlinkNoEnobufs", no_enobufs);
  return s == napi_ok ? fsevd_export_function(env, exports, "socketDrops", socket_drops) : s;
}
