/*
 * /dev/kmsg reader: openKmsg(path, fromEnd, onBatch) -> { close() }.
 *
 * A dedicated thread reads records (one read() returns one record, with its
 * dict lines: kernel/printk/printk.c devkmsg_read) and hands them to JS in
 * batches: one latin1 string of newline-terminated records per call, in
 * kernel order, exactly the bytes /dev/kmsg returned (records are ASCII).
 * onBatch(batch, overruns, errno, caughtUp) gets the cumulative count of EPIPE
 * overruns (the kernel ring wrapped before the thread read it), once a non-zero errno when the thread
 * stops on a read error, and whether the batch ends where the ring did (the
 * read after it found nothing: the first such batch ends the backlog; it is
 * sent even empty, with a null batch). Records lost to an overrun or to JS falling
 * behind show up as gaps in the record sequence numbers: the caller counts
 * those, the reader never drops silently.
 */
#ifndef FSEVD_NATIVE_KMSG_H
#define FSEVD_NATIVE_KMSG_H

#include <node_api.h>

/* Adds openKmsg to `exports`. */
napi_status fsevd_kmsg_register(napi_env env, napi_value exports);

#endif /* FSEVD_NATIVE_KMSG_H */
