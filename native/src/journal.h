/* Journal record append in one call (journal.c). */
#ifndef FSEVD_NATIVE_JOURNAL_H
#define FSEVD_NATIVE_JOURNAL_H

#include "common.h"

napi_status fsevd_journal_register(napi_env env, napi_value exports);

#endif
