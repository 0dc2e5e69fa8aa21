import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionService } from '../database/transaction.service';
import { ProfileStore } from './profile-store';

/** Folded changes after which the changes' table is vacuumed, when the server's autovacuum is off. */
const VACUUM_AFTER = 10_000;

/**
 * Keeps the segment counts' unfolded changes few (PostgreSQL; migration SegmentCounts). Writers append a
 * change per custom attribute value they add or remove; every SEGMENT_COUNT_FOLD_MS this folds them into
 * the counts, off every request's path, so a count reads its row and a few seconds' changes, whatever
 * the segment's size. Counts are exact whether or not a fold ran. On a server with autovacuum off, the
 * folded rows' dead space is vacuumed here (a count reads it otherwise). SQLite's triggers write the
 * counts directly: nothing to fold.
 */
@Injectable()
export class SegmentCounts implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SegmentCounts.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  /** whether this service vacuums the changes (the server's autovacuum is off): asked when a vacuum is first due */
  private vacuum: boolean | undefined;
  private foldedSinceVacuum = 0;

  constructor(
    private readonly tx: TransactionService,
    private readonly store: ProfileStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.tx.isPostgres && this.config.segmentCountFoldMs > 0) {
      this.timer = setInterval(() => void this.fold(), this.config.segmentCountFoldMs);
      this.timer.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Folds the changes written so far (one fold at a time): how many it folded (0 on SQLite, or on a failure, logged). */
  fold(): Promise<number> {
    if (!this.tx.isPostgres) return Promise.resolve(0);
    this.running ??= this.foldOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async foldOnce(): Promise<number> {
    try {
      const folded = await this.store.foldSegmentCounts(this.tx.manager);
      this.foldedSinceVacuum += folded;
      if (this.foldedSinceVacuum >= VACUUM_AFTER) {
        this.foldedSinceVacuum = 0;
        this.vacuum ??= !(await this.store.autovacuumOn(this.tx.manager));
        if (this.vacuum) await this.store.vacuumSegmentCountChanges(this.tx.manager);
      }
      return folded;
    } catch (error) {
      this.logger.warn(
        { err: error },
        'folding the segment count changes failed; the next fold tries again (counts stay exact)',
      );
      return 0;
    }
  }
}
