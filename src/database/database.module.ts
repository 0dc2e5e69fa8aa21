import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { StartupError } from '../common/startup-error';
import { checkSearchPath, runMigrations } from './migrate';
import { databaseStartupError } from './startup-check';
import { ReplicaService } from './replicas';
import { usePreparedStatements } from './sql';
import { TransactionService } from './transaction.service';

/**
 * Connects once (no retry loop: a wrong DATABASE_URL is reported at once, in one line), then runs the
 * pending migrations under an advisory lock (see migrate.ts) before the service accepts requests.
 */
export async function connectAndMigrate(config: AppConfig, options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  try {
    await dataSource.initialize();
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw databaseStartupError(config, error);
  }
  try {
    if (config.database.migrationUrl) {
      await migrateOver(config, options, config.database.migrationUrl);
      if (config.database.schema) await checkSearchPath(dataSource, config.database.schema);
    } else {
      await runMigrations(dataSource, config.database.schema);
    }
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    if ((error as { code?: string }).code === '42501') throw databaseStartupError(config, error);
    throw error;
  }
  usePreparedStatements(dataSource, config.database.preparedStatements);
  return dataSource;
}

/**
 * DATABASE_MIGRATION_URL: the migrations run on one direct connection of their own (a pooler in
 * transaction mode would do too: the lock is per transaction), which is closed before the service starts.
 */
async function migrateOver(config: AppConfig, options: DataSourceOptions, url: string): Promise<void> {
  const migrator = new DataSource({
    ...options,
    url,
    replication: undefined,
    extra: { ...(options as { extra?: object }).extra, max: 1 },
  } as DataSourceOptions);
  try {
    await migrator.initialize();
  } catch (error) {
    if (migrator.isInitialized) await migrator.destroy().catch(() => undefined);
    const failure = databaseStartupError({ ...config, database: { ...config.database, url } }, error);
    throw new StartupError('DATABASE_MIGRATION_URL', failure.message.replace(/^DATABASE_URL: /, ''));
  }
  try {
    await runMigrations(migrator, config.database.schema);
  } finally {
    await migrator.destroy().catch(() => undefined);
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config),
            migrationsRun: false, // run by connectAndMigrate, under the advisory lock
            toRetry: () => false, // no 10 × 3 s of retried stack traces: the first failure says what to fix
          }),
          dataSourceFactory: (options) => connectAndMigrate(config, options!),
        }),
      ],
      providers: [TransactionService, ReplicaService],
      exports: [TransactionService, ReplicaService],
    };
  }
}
