/**
 * A start-up failure the operator fixes by changing one setting: the message names the variable and
 * says what is wrong, in one line (`DATABASE_URL: cannot connect to PostgreSQL at db:5432 (connection
 * refused); is the server running and the URL right?`). main.ts prints it and exits 1; nothing is
 * retried, and no stack trace is printed.
 */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'StartupError';
  }
}

/** A short reason for a network error (`connection refused`, `host not found`, …), never its stack. */
export function networkReason(error: unknown): string {
  const e = error as { code?: string; message?: string } | undefined;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
      return 'timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return (e?.message ?? String(error)).split('\n')[0];
  }
}

/** `host:port` of a URL, for messages (never its user name or password). */
export function hostOf(url: string, defaultPort: number): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || defaultPort}`;
  } catch {
    return '(unparsable URL)';
  }
}
