/*
 * appendRecord(fd, payload, maxPayload): one journal record (collector/journal/record.ts:
 * magic u16 LE, length u32 LE, CRC-32 u32 LE, UTF-8 payload) encoded and written with one
 * writev(2), on the JS thread. It exists for latency: the first event of a fault is journaled
 * before anyone sees it, and on a cold CPU the same steps in JS (byte length, buffer, CRC loop,
 * fs.writeSync) cost several times more than here.
 * Returns the record's size; -(payload bytes) without writing when the payload is over
 * maxPayload; throws a Node-style system error (with `written`, bytes already written) on failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"
#include "journal.h"

#define RECORD_MAGIC 0xF5EDu
#define HEADER_BYTES 10
/* Payloads up to this size are converted on the stack (events are a few hundred bytes). */
#define STACK_PAYLOAD 4096

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void build_crc_table(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

static uint32_t crc32_ieee(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n--) c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

static void put_u16(unsigned char *p, uint32_t v) {
  p[0] = v & 0xFF;
  p[1] = (v >> 8) & 0xFF;
}

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (v >> (8 * i)) & 0xFF;
}

static napi_value append_record(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_status s = napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (s != napi_ok) return fsevd_throw_status(env, s, "appendRecord");
  int32_t fd;
  double max_payload;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_double(env, argv[2], &max_payload) != napi_ok) {
    return fsevd_throw_type_error(env, "appendRecord(fd, payload, maxPayload): fd and maxPayload must be numbers");
  }
  size_t length;
  if (napi_get_value_string_utf8(env, argv[1], NULL, 0, &length) != napi_ok) {
    return fsevd_throw_type_error(env, "appendRecord: payload must be a string");
  }
  napi_value result;
  if (length == 0 || (double)length > max_payload) {
    napi_create_double(env, -(double)length, &result);
    return result;
  }
  unsigned char stack[STACK_PAYLOAD + 1];
  unsigned char *payload = length <= STACK_PAYLOAD ? stack : malloc(length + 1);
  if (payload == NULL) return fsevd_throw_errno(env, ENOMEM, "appendRecord", NULL);
  size_t copied;
  napi_get_value_string_utf8(env, argv[1], (char *)payload, length + 1, &copied);
  pthread_once(&crc_once, build_crc_table);
  unsigned char header[HEADER_BYTES];
  put_u16(header, RECORD_MAGIC);
  put_u32(header + 2, (uint32_t)copied);
  put_u32(header + 6, crc32_ieee(payload, copied));
  struct iovec iov[2] = {{header, HEADER_BYTES}, {payload, copied}};
  size_t total = HEADER_BYTES + copied, written = 0;
  int err = 0;
  while (written < total) {
    /* A regular-file write is short only when the disk fills or a signal lands: finish it. */
    struct iovec rest[2];
    int n = 0;
    size_t skip = written;
    for (int i = 0; i < 2; i++) {
      if (skip >= iov[i].iov_len) {
        skip -= iov[i].iov_len;
        continue;
      }
      rest[n].iov_base = (unsigned char *)iov[i].iov_base + skip;
      rest[n].iov_len = iov[i].iov_len - skip;
      skip = 0;
      n++;
    }
    ssize_t w = writev(fd, rest, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    written += (size_t)w;
  }
  if (payload != stack) free(payload);
  if (err) {
    fsevd_throw_errno(env, err, "write", NULL);
    napi_value exception, written_value;
    if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
      napi_create_double(env, (double)written, &written_value);
      napi_set_named_property(env, exception, "written", written_value);
      napi_throw(env, exception);
    }
    return NULL;
  }
  napi_create_double(env, (double)total, &result);
  return result;
}

napi_status fsevd_journal_register(napi_env env, napi_value exports) {
  return fsevd_export_function(env, exports, "appendRecord", append_record);
}
