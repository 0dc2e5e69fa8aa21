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
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: config.database.url,
    // A `?schema=` in DATABASE_URL becomes the connection's search_path, so migrations stay schema-free.
    extra: {
      max: 20,
      ...(config.database.schema ? { options: `-c search_path=${config.database.schema}` } : {}),
    },
  };
}

export function createDataSource(config: AppConfig): DataSource {
  return new DataSource(dataSourceOptions(config));
}
