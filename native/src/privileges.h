/*
 * restrictChildCapabilities(): programs the daemon starts get none of its capabilities.
 */
#ifndef FSEVD_NATIVE_PRIVILEGES_H
#define FSEVD_NATIVE_PRIVILEGES_H

#include "common.h"

napi_status fsevd_privileges_register(napi_env env, napi_value exports);

#endif /* FSEVD_NATIVE_PRIVILEGES_H */
