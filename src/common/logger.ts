import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        // Only what helps to debug: no body, no query string secrets (query strings carry none here).
        req: (req: { id?: string; method?: string; url?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          headers: req.headers,
        }),
      },
    },
    destination,
  );
}

/** Nest's LoggerService on top of pino, so framework logs are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    if (message instanceof Error) this.logger.error({ context, err: message }, message.message);
    else this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
