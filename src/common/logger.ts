import { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import type { ChildLoggerOptions as FastifyChildLoggerOptions } from 'fastify/types/logger';
import pino, { Logger } from 'pino';
import { StartupError } from './startup-error';

/** Paths whose values are secrets: never written to a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-request-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-request-token"]',
  'headers.cookie',
  '*.password',
  '*.oldPassword',
  '*.newPassword',
  '*.confirmPassword',
  '*.token',
  '*.sessionToken',
  '*.passwordHash',
  '*.tokenHash',
  '*.variables.password',
  '*.variables.oldPassword',
  '*.variables.newPassword',
  '*.variables.confirmPassword',
  '*.variables.data.password',
  '*.*.password',
  '*.*.token',
  // SMTP_URL carries the SMTP password.
  'smtpUrl',
  '*.smtpUrl',
  '*.*.smtpUrl',
];

/**
 * Fields of an error that can repeat the values of the query that failed, at any depth: TypeORM's
 * QueryFailedError `parameters` (argon2 hashes, token hashes) and PostgreSQL's `detail` ("Key
 * (email)=(…)", "Failing row contains (…)"), `where` and `internalQuery` (TypeORM copies the driver
 * error's fields onto its own error, so they appear at both levels). The SQL text (`query`, with
 * placeholders), the message and the codes stay: they are what a failure is debugged with.
 */
const VALUE_FIELDS = new Set(['parameters', 'detail', 'where', 'internalQuery']);

/**
 * Secret-shaped text (an argon2 hash; a 64-hex token or SHA-256; a webhook's `whsec_` secret, current or
 * previous), should a message ever quote one.
 */
const SECRET_SHAPES = [
  /\$argon2(?:id|i|d)(?:\$v=\d+)?\$[a-z]=\d+(?:,[a-z]=\d+)*(?:\$[A-Za-z0-9+/]+){1,2}/g,
  /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/gi,
  /whsec_[A-Za-z0-9+/]{20,}={0,2}/g,
];

/** Query parameters whose values never reach a log line (the account pages' links carry them). */
const SECRET_QUERY_PARAMETERS = /([?&](?:token|email)=)[^&#]*/gi;

/**
 * A request URL as it may be logged: the values of `token` and `email` in its query are replaced
 * (`/account/reset-password?email=[REDACTED]&token=[REDACTED]`), whatever the path.
 */
export function loggableUrl(url: string | undefined): string | undefined {
  return url?.includes('?') ? url.replace(SECRET_QUERY_PARAMETERS, '$1[REDACTED]') : url;
}

export function scrubSecrets(text: string): string {
  return SECRET_SHAPES.reduce((out, shape) => out.replace(shape, '[REDACTED]'), text);
}

function withoutValues(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (Array.isArray(value)) return value.map((item) => withoutValues(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!VALUE_FIELDS.has(key)) out[key] = withoutValues(item, depth + 1);
  }
  return out;
}

/** pino's error serializer, minus the values a database error carries (SPEC §6). */
export function serializeError(error: unknown): unknown {
  return withoutValues(pino.stdSerializers.err(error as Error), 0);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  // stdout written synchronously, as Node writes process.stdout to pipes and files: pino's implicit
  // asynchronous stream let the exit at shutdown write the last lines before an earlier one still in
  // flight in libuv's pool ("Identity Hub stopped" before "lastUsedAt written"; CI saw it).
  destination ??= pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        err: serializeError,
        error: serializeError,
        // Only what helps to debug: no body, no secret of the query string.
        req: (req: { id?: string; method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: loggableUrl(req.url),
          headers: req.headers,
        }),
      },
    },
    destination,
  );
}

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * A request's logger (Fastify's `request.log`), made only when a line is written at an enabled level.
 * Fastify makes a pino child per request; with its options that child rebuilds pino's formatters and
 * passes the request id through the redaction of the wildcard paths: about 3 % of a PATCH's CPU, paid
 * by every request although most write no line (the request line is written with the parent logger, in
 * http-observability.ts). Lines it does write are the child's: the same bindings, serializers and
 * redaction.
 */
export class LazyChildLogger {
  private made: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly childBindings: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  /** The real child, made once. */
  get logger(): Logger {
    if (!this.made) {
      const hasOptions = Object.keys(this.options).length > 0;
      this.made = hasOptions
        ? this.parent.child(this.childBindings, this.options)
        : this.parent.child(this.childBindings);
    }
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    // a route level is the child's own: only then is the child made to answer
    return (this.made ?? (this.options.level ? this.logger : this.parent)).isLevelEnabled(level);
  }

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  bindings(): pino.Bindings {
    return this.logger.bindings();
  }

  silent(): void {}
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  private write(level: LevelName, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.logger[level] as (...a: unknown[]) => void)(...args);
  }
}

/** Fastify's `childLoggerFactory`: a LazyChildLogger per request. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: FastifyChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(
    logger as Logger,
    bindings,
    options as pino.ChildLoggerOptions,
  ) as unknown as FastifyBaseLogger;
}

/**
 * Nest's LoggerService on top of pino, so framework logs are JSON lines too. Nest's `Logger` calls
 * `warn(message, ...params, context)`; an object message (`{ err, … }`) is logged as fields, with the
 * next string as the message. Error text is scrubbed like a serialized error.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    // Nest's own form: error(message, stack?, context?)
    if (typeof message === 'string' && params.length >= 1) {
      const looksLikeStack = typeof params[0] === 'string' && /\n\s+at /.test(params[0]);
      const [trace, context] = params.length > 1 ? params : looksLikeStack ? [params[0]] : [undefined, params[0]];
      this.logger.error(
        { context, trace: typeof trace === 'string' ? scrubSecrets(trace) : trace },
        scrubSecrets(message),
      );
      return;
    }
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }

  private write(level: 'info' | 'warn' | 'error' | 'debug' | 'trace', message: unknown, params: unknown[]) {
    const context = params.at(-1);
    // A start-up failure is reported once, in one line, by the entry point (main.ts, the CLI): not here
    // again with a stack trace by Nest's ExceptionHandler.
    if (message instanceof StartupError && context === 'ExceptionHandler') return;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, scrubSecrets(message.message));
      return;
    }
    if (message !== null && typeof message === 'object') {
      const text = params.length > 1 ? params[0] : undefined;
      this.logger[level]({ context, ...message }, typeof text === 'string' ? text : '');
      return;
    }
    this.logger[level]({ context }, scrubSecrets(String(message)));
  }
}
