import { createHash } from 'node:crypto';
import { DataSource, Migration, MigrationExecutor } from 'typeorm';
import { StartupError } from '../common/startup-error';

/** The first key of the advisory lock every migration run takes ("IdHb" as a 32-bit integer). */
export const MIGRATION_LOCK_KEY = 0x49644862;

/** The second key: the schema the migrations run in, so test schemas (or deployments) sharing one database do not wait for each other. */
export function migrationLockKeys(schema: string | undefined): [number, number] {
  const digest = createHash('sha256')
    .update(schema ?? '')
    .digest();
  return [MIGRATION_LOCK_KEY, digest.readInt32BE(0)];
}

/**
 * A `?schema=` reaches the server as `-c search_path=…` in the `options` startup parameter. A pooler
 * that drops that parameter (pgbouncer with `ignore_startup_parameters = options`) would silently put
 * the tables in `public`: the first entry of the session's search_path must be the schema, or the
 * start fails saying so.
 */
export async function checkSearchPath(
  runner: { query(sql: string): Promise<{ path: string }[]> },
  schema: string,
  variable = 'DATABASE_URL',
): Promise<void> {
  const [{ path }] = await runner.query("SELECT current_setting('search_path') AS path");
  const first = path
    .split(',')[0]
    .trim()
    .replace(/^"(.*)"$/, '$1');
  if (first !== schema) {
    throw new StartupError(
      variable,
      `asks for ?schema=${schema} but the connection's search_path is ${path}: a connection pooler in between ` +
        'dropped the options startup parameter; set the search_path on the pooler (connect_query) or on the role',
    );
  }
}

/**
 * Runs the pending migrations, serialised between instances starting at once.
 *
 * PostgreSQL: one transaction on one pooled connection takes `pg_advisory_xact_lock(key, schema key)`,
 * creates the `?schema=` schema when it does not exist, creates TypeORM's `migrations` table, reads what
 * ran and runs the rest, and commits. A second instance waits on the lock, then finds nothing pending: no
 * `relation already exists`, each migration recorded once. A transaction-scoped lock (not a session
 * lock) is released by COMMIT or ROLLBACK on the connection that took it, so it is also safe behind
 * pgbouncer in transaction mode, and a crashed instance cannot leave it taken. The migrations are
 * all-or-nothing: a failure rolls every one of this run back (PostgreSQL DDL is transactional).
 *
 * SQLite is one file on one host, served by one instance: TypeORM's own run, one transaction per migration.
 */
export async function runMigrations(dataSource: DataSource, schema: string | undefined): Promise<Migration[]> {
  if (dataSource.options.type !== 'postgres') {
    return dataSource.runMigrations({ transaction: 'each' });
  }
  const runner = dataSource.createQueryRunner('master');
  try {
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1, $2)', migrationLockKeys(schema));
      if (schema) {
        await checkSearchPath(runner, schema);
        await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      }
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all'; // inside the transaction opened above: the executor opens none of its own
      const done = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return done;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}
