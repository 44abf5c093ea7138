/**
 * @module errors
 * The one error catalog. Every error fsevd raises on purpose is an FsevdError with a stable code;
 * codes are never reused and are listed in docs/errors.md (a test checks both directions).
 * Only src/api/error-handler.ts maps codes to HTTP statuses.
 */

/** Stable error codes with their one-line meaning. */
export const errorCodes = {
  FSEVD_E_CONFIG_INVALID: 'The configuration (file, flags or request) is invalid.',
  FSEVD_E_CONFIG_READ: 'The configuration file could not be read.',
  FSEVD_E_USAGE: 'The command line is invalid.',
  FSEVD_E_STARTUP: 'A component could not start (missing privilege, interface or kernel feature).',
  FSEVD_E_DECODE: 'A record from the kernel or a peer could not be decoded; it was counted and dropped.',
  FSEVD_E_JOURNAL: 'The journal could not be opened or written.',
  FSEVD_E_NOT_FOUND: 'The requested resource does not exist.',
  FSEVD_E_BAD_REQUEST: 'The request is malformed.',
  FSEVD_E_INTERNAL: 'An unexpected internal error; details are in the daemon log.',
  FSEVD_E_UNAUTHORIZED: 'The request carries no valid API token (Authorization: Bearer TOKEN).',
  FSEVD_E_FORBIDDEN: 'The request is not allowed: its token lacks the role, or no token is configured for it.',
  FSEVD_E_RATE_LIMITED: 'The client sent more requests or messages than api.limits allows; retry later.',
  FSEVD_E_LIMIT: 'A configured limit (connections, subscriptions per connection) refused the request.',
  FSEVD_E_TOO_LARGE: 'The request body or message is larger than allowed.',
  FSEVD_E_PRECONDITION: 'The resource changed since the client read it (If-Match does not name the current version).',
  FSEVD_E_CROSS_SITE: 'A web page of another site sent the request: its Origin is foreign (api.allowedOrigins), or a token-less read names a host that is not this machine (DNS rebinding; api.allowedHosts).',
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof errorCodes;

/** Base class of every deliberate fsevd error. */
export class FsevdError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FsevdError';
    this.code = code;
  }
}

/** Invalid configuration: refuse it, naming every bad path. */
export class ConfigError extends FsevdError {
  readonly problems: string[];
  constructor(problems: string[], options?: { cause?: unknown }) {
    super('FSEVD_E_CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A component cannot start; it goes down with this reason and the daemon carries on. */
export class StartupError extends FsevdError {
  /** Whether retrying later may succeed (a transient condition rather than a missing feature). */
  readonly retry: boolean;
  constructor(message: string, options?: { cause?: unknown; retry?: boolean }) {
    super('FSEVD_E_STARTUP', message, options);
    this.name = 'StartupError';
    this.retry = options?.retry ?? false;
  }
}

/** A record could not be decoded: count it, drop it, keep reading. */
export class DecodeError extends FsevdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FSEVD_E_DECODE', message, options);
    this.name = 'DecodeError';
  }
}
