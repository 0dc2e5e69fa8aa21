import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';

/** TypeORM options for the configured engine. Migrations live in one folder per engine. */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const migrations = [join(__dirname, 'migrations', config.database.engine, '*.{js,ts}')];
  const common = {
    entities: ENTITIES,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each' as const,
    logging: false,
  };
  if (config.database.engine === 'sqlite') {
    const file = config.database.sqlitePath!;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: file,
      enableWAL: true,
      // Foreign keys are enforced; a busy writer is waited for instead of failing at once.
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma('foreign_keys = ON');
        db.pragma(`busy_timeout = ${config.database.poolTimeoutMs}`);
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  // Session settings: a `?schema=` in DATABASE_URL becomes the search_path (so migrations stay
  // schema-free), and a session left idle inside a transaction is ended by the server, releasing its
  // locks and its pool slot, instead of holding them for ever.
  const settings = [
    ...(config.database.schema ? [`-c search_path=${config.database.schema}`] : []),
    `-c idle_in_transaction_session_timeout=${config.database.idleInTransactionTimeoutMs}`,
  ];
  // DATABASE_REPLICA_URLS: TypeORM's replication with the primary as master and no slaves of its own:
  // ReplicaService keeps the replica pools (a replica down at start must not stop the start) and routes
  // the read-only requests to them. `defaultMode: 'master'`: nothing reads from a replica unless asked.
  const replicated = config.database.replicaUrls.length > 0;
  return {
    ...common,
    type: 'postgres',
    ...(replicated
      ? { replication: { master: { url: config.database.url }, slaves: [], defaultMode: 'master' as const } }
      : { url: config.database.url }),
    extra: {
      max: config.database.poolSize,
      // A query that finds no free connection in time fails ("timeout exceeded when trying to
      // connect", answered 503) instead of queueing for ever.
      connectionTimeoutMillis: config.database.poolTimeoutMs,
      options: settings.join(' '),
    },
  };
}

export function createDataSource(config: AppConfig): DataSource {
  return new DataSource(dataSourceOptions(config));
}
