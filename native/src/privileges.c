/*
 * Capabilities of the programs fsevd starts. Run as a non-root user with ambient capabilities
 * (systemd AmbientCapabilities=, setpriv --ambient-caps), every program the daemon execs (hooks,
 * scheduler commands) would inherit them: after execve a non-root process gets its ambient set as
 * permitted and effective (capabilities(7), "Transformation of capabilities during execve()").
 * restrictChildCapabilities() empties the calling thread's ambient and inheritable sets and keeps
 * its permitted and effective sets, so the daemon itself can still mark filesystems and read
 * /dev/kmsg. Capabilities are per thread: Node starts child processes from the JS thread (libuv's
 * uv_spawn forks the calling thread), which is the thread that calls this; the native reader
 * threads keep their sets and never exec.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privileges.h"

static napi_value restrict_child_capabilities(napi_env env, napi_callback_info info) {
  (void)info;
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  /* Ambient first and explicitly: lowering the inheritable set drops the matching ambient bits
     too, but a kernel without ambient capabilities (< 4.3) answers EINVAL, which leaves nothing to clear. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return fsevd_throw_errno(env, errno, "prctl", NULL);
  }
  if (syscall(SYS_capget, &header, data) != 0) return fsevd_throw_errno(env, errno, "capget", NULL);
  for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) data[i].inheritable = 0;
  /* Lowering a set never needs a capability, so this succeeds for any user. */
  if (syscall(SYS_capset, &header, data) != 0) return fsevd_throw_errno(env, errno, "capset", NULL);
  return NULL;
}

napi_status fsevd_privileges_register(napi_env env, napi_value exports) {
  return fsevd_export_function(env, exports, "restrictChildCapabilities", restrict_child_capabilities);
}
