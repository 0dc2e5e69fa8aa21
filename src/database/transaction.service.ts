import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { LostPreparedStatementError } from './sql';

/**
 * Runs a unit of work in one transaction. PostgreSQL runs transactions concurrently on its pool;
 * SQLite has one connection and one writer, so there transactions are queued here instead of
 * failing with "cannot start a transaction within a transaction".
 */
@Injectable()
export class TransactionService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;
  /** What afterCommit was given, per query runner of a transaction `run` has open. */
  private readonly onCommit = new WeakMap<object, (() => void)[]>();

  constructor(private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type !== 'postgres';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.transaction(work);
    const next = this.queue.then(() => this.transaction(work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `callback` once the transaction `manager` works in has committed, and never if it rolls back;
   * at once for a manager outside a transaction of `run` (null, the pool's manager). For what lives
   * outside the database but must follow the change (the audit buffer's entries).
   */
  afterCommit(manager: EntityManager | null, callback: () => void): void {
    const callbacks = manager?.queryRunner ? this.onCommit.get(manager.queryRunner) : undefined;
    if (callbacks) callbacks.push(callback);
    else callback();
  }

  /**
   * One transaction. A named statement that a pooler lost aborted it before anything was committed; the
   * statements are unnamed from then on, and the work runs once more (once per process at most).
   */
  private async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.attempt(work);
    } catch (error) {
      if (!(error instanceof LostPreparedStatementError)) throw error;
      return this.attempt(work);
    }
  }

  private async attempt<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const callbacks: (() => void)[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner!;
      this.onCommit.set(runner, callbacks);
      try {
        return await work(manager);
      } finally {
        this.onCommit.delete(runner); // the runner goes back to the pool
      }
    });
    for (const callback of callbacks) callback();
    return result;
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
