import { Client } from 'pg';
import { hostOf, networkReason, StartupError } from '../common/startup-error';
import { AppConfig } from '../config/app-config';

/** What a failed first connection means, in the words an operator fixes DATABASE_URL with. */
export function databaseStartupError(config: AppConfig, error: unknown): StartupError {
  const e = error as { code?: string; message?: string };
  if (config.database.engine === 'sqlite') {
    return new StartupError(
      'DATABASE_URL',
      `cannot open the SQLite file ${config.database.sqlitePath}: ${networkReason(error)}`,
    );
  }
  const where = hostOf(config.database.url, 5432);
  const database = decodeURIComponent(new URL(config.database.url).pathname.slice(1)) || '(default)';
  switch (e.code) {
    case '28P01':
    case '28000':
      return new StartupError('DATABASE_URL', `PostgreSQL at ${where} refused the user name or password`);
    case '3D000':
      return new StartupError('DATABASE_URL', `PostgreSQL at ${where} has no database "${database}"`);
    case '42501':
      return new StartupError('DATABASE_URL', `the user of DATABASE_URL lacks a permission: ${e.message}`);
  }
  const timedOut = /timeout/i.test(e.message ?? '');
  const reason = timedOut ? `no answer within ${config.database.poolTimeoutMs / 1000} s` : networkReason(error);
  return new StartupError(
    'DATABASE_URL',
    `cannot connect to PostgreSQL at ${where} (${reason}); is the server running and the URL right?`,
  );
}

/**
 * The first thing main.ts does with a PostgreSQL DATABASE_URL, before it loads the application: one
 * connection and `SELECT 1`, bounded by DATABASE_POOL_TIMEOUT_MS. A wrong URL is reported in one line
 * in well under a second instead of after the whole framework has been loaded.
 */
export async function checkDatabase(config: AppConfig): Promise<void> {
  if (config.database.engine !== 'postgres') return;
  const client = new Client({
    connectionString: config.database.url,
    connectionTimeoutMillis: config.database.poolTimeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw databaseStartupError(config, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
