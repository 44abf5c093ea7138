# fsevd native addon (plain C, Node-API only; no node-addon-api).
# Built at `npm install` by package.json's "install" script: node-gyp rebuild --directory native
# Linux only: the readers use Linux-specific kernel interfaces.
{
  'targets': [
    {
      'target_name': 'fsevd_native',
      'sources': [
        'src/addon.c',
        'src/common.c',
        'src/pollpri.c',
        'src/statfs.c',
        'src/statfs_thread.c',
        'src/fanotify.c',
        'src/fanotify_marks.c',
        'src/fanotify_values.c',
        'src/kmsg.c',
        'src/kmsg_thread.c',
        'src/privileges.c',
        'src/netlink.c',
        'src/journal.c',
      ],
      'defines': [
        # Node-API 8 is the newest level every Node >= 20 provides; it covers
        # threadsafe functions, env cleanup hooks and napi_add_finalizer.
        'NAPI_VERSION=8',
        '_GNU_SOURCE',
      ],
      'cflags': [
        '-Wall',
        '-Wextra',
        '-fvisibility=hidden',
        '-pthread',
      ],
      'cflags_c': [
        '-std=gnu11',
      ],
      'ldflags': [
        '-pthread',
      ],
    },
  ],
}
