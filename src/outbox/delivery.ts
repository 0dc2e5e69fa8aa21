/**
 * Pure pieces of delivery: the retry schedule with jitter, and the one way an error becomes the text
 * kept in `outbox.last_error` and the logs (no credentials, links, tokens or control characters).
 */

/**
 * A handler's signal that retrying cannot help (no SMTP configured, a recipient the server refuses, a
 * webhook endpoint that answered 410): the row fails at once. `level` is how the worker logs it.
 */
export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    readonly level: 'warn' | 'error' = 'error',
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** ±20 % around each delay, so rows that failed together do not come back together. */
export const JITTER = 0.2;

/**
 * How long to wait after failed attempt number `attempt` (1-based) before the next one, or `undefined`
 * when the schedule has no retry left: a schedule of n delays allows n + 1 attempts.
 */
export function retryDelayMs(
  schedule: readonly number[],
  attempt: number,
  random: () => number = Math.random,
): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > schedule.length) return undefined;
  return Math.round(schedule[attempt - 1] * (1 - JITTER + 2 * JITTER * random()));
}

export const MAX_ERROR_LENGTH = 300;

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;
// Anything token-like (hex, base64url) of 32 characters or more, inside or outside a URL.
const TOKEN_PATTERN = /[A-Za-z0-9_-]{32,}/g;
const CONTROL = /[\p{Cc}\p{Cf}]+/gu;

/**
 * The message of `error`, safe to store and log: every `secret` (e.g. the SMTP user and password) and
 * every URL (a mail's link, an SMTP URL with credentials) and token-like string replaced, control
 * characters flattened, cut to MAX_ERROR_LENGTH characters.
 */
export function describeError(error: unknown, secrets: readonly (string | undefined)[] = []): string {
  let text = error instanceof Error ? error.message || error.name : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !text.includes(code)) text = `${code}: ${text}`;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) text = text.split(secret).join('[redacted]');
  }
  text = text
    .replace(URL_PATTERN, '[url]')
    .replace(TOKEN_PATTERN, '[redacted]')
    .replace(CONTROL, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) text = 'unknown error';
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
