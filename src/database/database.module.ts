import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { runMigrations } from './migrate';
import { databaseStartupError } from './startup-check';
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
    await runMigrations(dataSource, config.database.schema);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    if ((error as { code?: string }).code === '42501') throw databaseStartupError(config, error);
    throw error;
  }
  return dataSource;
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
      providers: [TransactionService],
      exports: [TransactionService],
    };
  }
}
