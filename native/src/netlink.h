/*
 * Netlink socket options that node-netlink does not expose: NETLINK_NO_ENOBUFS on a listener it
 * opened (found by protocol and port id), and the socket's drop counter (SO_MEMINFO).
 */
#ifndef FSEVD_NATIVE_NETLINK_H
#define FSEVD_NATIVE_NETLINK_H

#include "common.h"

napi_status fsevd_netlink_register(napi_env env, napi_value exports);

#endif /* FSEVD_NATIVE_NETLINK_H */
