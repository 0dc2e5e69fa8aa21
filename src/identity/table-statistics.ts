import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { TransactionService } from '../database/transaction.service';
import { ProfileStore } from './profile-store';

/** Rows written since the last ANALYZE that make the next one due: this many, plus SHARE of the tables. */
const MIN_ROWS = 1000;
const SHARE = 0.1;

/**
 * Statistics of the identity tables after bulk writes (PostgreSQL). The planner needs them: at 100,000
 * profiles loaded with none, an AND of two segment conditions was planned as a rescan of one
 * condition's range per profile of the other (a count took 7 minutes instead of 30 ms).
 *
 * When the server's autovacuum is on (PostgreSQL's default), it refreshes them itself (autoanalyze, at
 * 10 % of a table changed) and this does nothing. When it is off, /upsert's bulk writes count their rows
 * here, and once they pass 1,000 + 10 % of the identity tables (autoanalyze's rule), ANALYZE runs in the
 * background: never in a request's path, one at a time, a sample of 30,000 rows per table (well under a
 * second at a million profiles), taking no lock that blocks reads or writes. SQLite: nothing (its
 * planner without statistics still takes the segment index for every condition).
 */
@Injectable()
export class TableStatistics implements OnApplicationBootstrap {
  private readonly logger = new Logger(TableStatistics.name);
  private enabled = false;
  private written = 0;
  private due = MIN_ROWS;
  private running: Promise<void> | null = null;

  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.tx.isPostgres) return;
    this.enabled = !(await this.store.autovacuumOn(this.tx.manager));
    if (this.enabled) this.due = MIN_ROWS + SHARE * (await this.store.plannedRows(this.tx.manager));
  }

  /** Rows a bulk write added or changed; past the threshold, an ANALYZE in the background. */
  noteWrites(rows: number): void {
    if (!this.enabled) return;
    this.written += rows;
    if (this.written < this.due || this.running) return;
    this.written = 0;
    this.running = this.refresh().finally(() => (this.running = null));
  }

  /** The ANALYZE in progress, if any (for tests and shutdown). */
  get pending(): Promise<void> | null {
    return this.running;
  }

  private async refresh(): Promise<void> {
    try {
      await this.store.analyze(this.tx.manager);
      this.due = MIN_ROWS + SHARE * (await this.store.plannedRows(this.tx.manager));
    } catch (error) {
      this.logger.warn({ err: error }, 'ANALYZE of the identity tables failed; the next bulk write tries again');
    }
  }
}
