/**
 * @module api/error-handler
 * The only place that maps errors to HTTP statuses. Every error response is JSON:
 * { statusCode, code, error, message }.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { FsevdError, type ErrorCode } from '../errors.ts';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  FSEVD_E_CONFIG_INVALID: 400,
  FSEVD_E_BAD_REQUEST: 400,
  FSEVD_E_NOT_FOUND: 404,
};

/** Installs the error and not-found handlers. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | FsevdError, request, reply) => {
    let statusCode = 500;
    let code = 'FSEVD_E_INTERNAL';
    if (error instanceof FsevdError) {
      statusCode = statusByCode[error.code] ?? 500;
      code = error.code;
    } else if ('validation' in error && error.validation) {
      statusCode = 400;
      code = 'FSEVD_E_BAD_REQUEST';
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      statusCode = error.statusCode;
      code = error.code ?? 'FSEVD_E_BAD_REQUEST';
    }
    if (statusCode >= 500) request.log.error({ err: error }, 'Request failed');
    const message = statusCode >= 500 ? 'Internal error; see the daemon log' : error.message;
    void reply.status(statusCode).send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ statusCode: 404, code: 'FSEVD_E_NOT_FOUND', error: 'Not Found', message: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}
