/**
 * @module api/error-handler
 * The only place that maps errors to HTTP statuses. Every error response is JSON:
 * { statusCode, code, error, message }; a WebSocket upgrade refused before the handshake gets the
 * same body (see errorBody).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { FsevdError, type ErrorCode } from '../errors.ts';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  FSEVD_E_CONFIG_INVALID: 400,
  FSEVD_E_BAD_REQUEST: 400,
  FSEVD_E_NOT_FOUND: 404,
  FSEVD_E_UNAUTHORIZED: 401,
  FSEVD_E_FORBIDDEN: 403,
  FSEVD_E_CROSS_SITE: 403,
  FSEVD_E_TOO_LARGE: 413,
  FSEVD_E_PRECONDITION: 412,
  FSEVD_E_RATE_LIMITED: 429,
  FSEVD_E_LIMIT: 503,
};

/** fastify's own client errors, by status, mapped into the catalog (their FST_ codes are not ours). */
const codeByStatus: Record<number, ErrorCode> = { 404: 'FSEVD_E_NOT_FOUND', 413: 'FSEVD_E_TOO_LARGE' };

/** The JSON body of an error response. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

/** Status, catalog code and client-facing message of any error (internal details stay in the log). */
export function errorBody(error: Partial<FastifyError> & Error): ErrorBody {
  let statusCode = 500;
  let code: string = 'FSEVD_E_INTERNAL';
  if (error instanceof FsevdError) {
    statusCode = statusByCode[error.code] ?? 500;
    code = error.code;
  } else if ('validation' in error && error.validation) {
    statusCode = 400;
    code = 'FSEVD_E_BAD_REQUEST';
  } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    statusCode = error.statusCode;
    code = codeByStatus[statusCode] ?? 'FSEVD_E_BAD_REQUEST';
  }
  const message = isInternal(statusCode) ? 'Internal error; see the daemon log' : error.message;
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** A failure of the daemon rather than a refusal (503 is a limit, said plainly to the client). */
function isInternal(statusCode: number): boolean {
  return statusCode >= 500 && statusCode !== 503;
}

/** Installs the error and not-found handlers. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | FsevdError, request, reply) => {
    const body = errorBody(error);
    if (isInternal(body.statusCode)) request.log.error({ err: error }, 'Request failed');
    if (body.statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="fsevd"');
    void reply.status(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ statusCode: 404, code: 'FSEVD_E_NOT_FOUND', error: 'Not Found', message: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}
