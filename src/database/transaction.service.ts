import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a unit of work in one transaction. PostgreSQL runs transactions concurrently on its pool;
 * SQLite has one connection and one writer, so there transactions are queued here instead of
 * failing with "cannot start a transaction within a transaction".
 */
@Injectable()
export class TransactionService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type !== 'postgres';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.dataSource.transaction(work);
    const next = this.queue.then(() => this.dataSource.transaction(work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * One statement that needs no transaction around it (it is atomic on its own): on PostgreSQL it runs
   * straight on the pool, saving the BEGIN and COMMIT round trips; on SQLite it still takes its turn in
   * the queue, so it cannot land inside another caller's open transaction.
   */
  single<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serial ? this.run(work) : work(this.dataSource.manager);
  }

  /** For reads outside a transaction. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  get isPostgres(): boolean {
    return !this.serial;
  }
}
