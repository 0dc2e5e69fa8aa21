import { HttpException } from '@nestjs/common';

/** The error codes clients see (GraphQL `extensions.code`; REST maps them to statuses). */
export enum ErrorCode {
  BadUserInput = 'BAD_USER_INPUT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  TooManyRequests = 'TOO_MANY_REQUESTS',
  Internal = 'INTERNAL_SERVER_ERROR',
  /** an operational condition, not a bug: the database had no connection (or lock) free in time */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadUserInput]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.TooManyRequests]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.ServiceUnavailable]: 503,
};

export const DATABASE_BUSY = 'The database is busy; try again shortly';

/**
 * The one error type services throw. The message is shown to the client as is, so it must never
 * hold a secret or an internal detail; `details` are extra, client-safe fields (e.g. `field`).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static badInput(message: string, details?: Record<string, unknown>) {
    return new AppError(ErrorCode.BadUserInput, message, details);
  }
  static unauthenticated(message = 'Authentication required') {
    return new AppError(ErrorCode.Unauthenticated, message);
  }
  static forbidden(message = 'You do not have permission to perform this action') {
    return new AppError(ErrorCode.Forbidden, message);
  }
  static notFound(message: string) {
    return new AppError(ErrorCode.NotFound, message);
  }
  static conflict(message: string, details?: Record<string, unknown>) {
    return new AppError(ErrorCode.Conflict, message, details);
  }
  static tooManyRequests(message: string, retryAfterSeconds: number) {
    return new AppError(ErrorCode.TooManyRequests, message, { retryAfter: retryAfterSeconds });
  }
}

/**
 * The database could not take the work in time: no pooled PostgreSQL connection became free within
 * DATABASE_POOL_TIMEOUT_MS (pg-pool's "timeout exceeded when trying to connect"; a new connection that
 * took as long: "Connection terminated due to connection timeout"), or SQLite's write lock stayed taken
 * for as long (SQLITE_BUSY). Answered 503 SERVICE_UNAVAILABLE, not 500: it passes, and retrying helps.
 */
export function isDatabaseBusy(error: unknown): boolean {
  const e = error as { driverError?: { message?: string }; message?: string } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (databaseErrorCode(e) === 'SQLITE_BUSY') return true;
  const message = e.driverError?.message ?? e.message ?? '';
  return (
    message === 'timeout exceeded when trying to connect' ||
    message === 'Connection terminated due to connection timeout'
  );
}

/**
 * The driver's code of a database error (PostgreSQL's SQLSTATE, SQLite's `SQLITE_…`), whether TypeORM
 * wrapped it (a QueryFailedError's driverError) or not.
 */
export function databaseErrorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}

/** Unique-constraint violation on either engine (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { message?: string } | undefined;
  if (!e) return false;
  const code = databaseErrorCode(e);
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(e.message ?? '')
  );
}

/** The constraint or column list a unique violation names (best effort, for mapping to a field). */
export function uniqueViolationTarget(error: unknown): string {
  const e = error as { driverError?: { constraint?: string; message?: string }; message?: string };
  return e.driverError?.constraint ?? e.driverError?.message ?? e.message ?? '';
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.BadUserInput,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.BadUserInput,
  409: ErrorCode.Conflict,
  413: ErrorCode.BadUserInput,
  415: ErrorCode.BadUserInput,
  429: ErrorCode.TooManyRequests,
};

/** What went wrong, normalised from whatever was thrown. */
export interface NormalisedError {
  status: number;
  code: ErrorCode;
  /** an AppError's message is the reason only, in the app's words; the framework's are its own */
  message: string;
  details?: Record<string, unknown>;
  /** true for an AppError (a service's reason); false for the framework's errors (no route, bad body) */
  fromApp: boolean;
  /** Fastify's own code (FST_ERR_CTP_BODY_TOO_LARGE, …) for errors raised before a handler ran */
  fastifyCode?: string;
}

/** Normalises a thrown value for the error formats; null when it is not the client's fault (a bug: a 500). */
export function normaliseError(exception: unknown): NormalisedError | null {
  if (exception instanceof AppError) {
    return {
      status: HTTP_STATUS[exception.code],
      code: exception.code,
      message: exception.message,
      details: exception.details,
      fromApp: true,
    };
  }
  if (isDatabaseBusy(exception)) {
    return { status: 503, code: ErrorCode.ServiceUnavailable, message: DATABASE_BUSY, fromApp: true };
  }

  // Nest wraps Fastify's own errors (body too large, bad JSON) in an HttpException: look at the cause.
  const cause = exception instanceof HttpException ? (exception.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string' && cause.code.startsWith('FST_')) return normaliseError(cause);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500) return null;
    const response = exception.getResponse();
    const raw =
      typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
    return { status, code: STATUS_CODES[status] ?? ErrorCode.BadUserInput, message, fromApp: false };
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (
    typeof fastifyError?.code === 'string' &&
    fastifyError.code.startsWith('FST_') &&
    (fastifyError.statusCode ?? 500) < 500
  ) {
    const status = fastifyError.statusCode!;
    const message =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request body is larger than 5,000,000 bytes'
        : String(fastifyError.message);
    return {
      status,
      code: STATUS_CODES[status] ?? ErrorCode.BadUserInput,
      message,
      fromApp: false,
      fastifyCode: fastifyError.code,
    };
  }
  return null;
}
