import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { describeError, PermanentDeliveryError, retryDelayMs } from './delivery';
import { OutboxHandler } from './outbox-handler';
import { ClaimedRow, OutboxStore, Outcome } from './outbox-store';
import { OutboxService } from './outbox.service';

export interface OutboxRunResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  /** results not recorded: the row was claimed again (lease ran out) or deleted meanwhile */
  lost: number;
}

type Result = 'sent' | 'retried' | 'failed' | 'lost';

/**
 * Delivers the outbox: every OUTBOX_POLL_MS (and at once again while batches come back full) it claims up
 * to OUTBOX_BATCH_SIZE due rows, delivers them concurrently through their kind's handler, outside any
 * transaction, and records each result: `sent`; `pending` again after the next delay of the handler's
 * schedule; or `failed` after the last attempt. A worker that dies mid-delivery leaves its rows `sending`
 * until their lease (OUTBOX_LEASE_MS) runs out; then any worker claims them again (at least once).
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** the run in progress (runs never overlap in one instance) */
  private current: Promise<unknown> = Promise.resolve();
  /** a claim error is logged once, then again only after a run succeeded */
  private failing = false;
  /** how long shutdown waits for deliveries in flight; what is still in flight is claimed again after its lease */
  shutdownGraceMs = 10_000;

  constructor(
    private readonly outbox: OutboxService,
    private readonly store: OutboxStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // OUTBOX_POLL_MS=0: this instance enqueues but leaves delivery to others (and tests drive runOnce).
    // The first pass at once: what a previous run left due is delivered on start.
    if (this.config.outbox.pollMs > 0) this.schedule(0);
  }

  /** Stops polling and waits (up to shutdownGraceMs) for the deliveries in flight to be recorded. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let timeout: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), this.shutdownGraceMs);
      timeout.unref();
    });
    const outcome = await Promise.race([this.current.then(() => 'done' as const), grace]);
    clearTimeout(timeout);
    if (outcome === 'timeout') {
      this.logger.warn('Shut down with deliveries in flight: they will be claimed again once their lease runs out');
    }
  }

  /**
   * One claim-and-deliver pass, after any pass in progress. `now` (default: the clock) is the time the
   * pass acts at: what is due, the lease, the next attempt; tests move it forward instead of waiting.
   */
  runOnce(now?: Date): Promise<OutboxRunResult> {
    const run = this.current.then(() => this.run(now ?? new Date()));
    this.current = run.catch(() => undefined);
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let full = false;
    try {
      const result = await this.runOnce();
      full = result.claimed >= this.config.outbox.batchSize;
      if (this.failing) this.logger.log('Claiming works again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.error(`Cannot claim outbox rows: ${describeError(error)}`);
      this.failing = true;
    }
    this.schedule(full ? 0 : this.config.outbox.pollMs);
  }

  private async run(now: Date): Promise<OutboxRunResult> {
    const result: OutboxRunResult = { claimed: 0, sent: 0, retried: 0, failed: 0, lost: 0 };
    const kinds = this.outbox.kinds();
    if (this.stopped || kinds.length === 0) return result;
    const { batchSize, leaseMs } = this.config.outbox;
    const rows = await this.store.claim(kinds, now, batchSize, new Date(now.getTime() + leaseMs));
    result.claimed = rows.length;
    // The pass's own clock: `now` plus the time spent since.
    const offset = now.getTime() - Date.now();
    const clock = () => new Date(Date.now() + offset);
    const results = await Promise.all(rows.map((row) => this.deliver(row, clock)));
    for (const r of results) result[r]++;
    return result;
  }

  private async deliver(row: ClaimedRow, clock: () => Date): Promise<Result> {
    const handler = this.outbox.handler(row.kind)!;
    const maxAttempts = handler.retryDelaysMs.length + 1;
    const name = this.describeRow(handler, row);
    let outcome: Outcome;
    if (row.attempts > maxAttempts) {
      // Claimed again after a worker died during the last attempt (which may have been delivered).
      const error = 'the worker making the last attempt stopped before recording its result';
      outcome = { status: 'failed', at: clock(), error, payload: this.finalPayload(handler, row) };
      this.logger.error(`${name} failed after ${maxAttempts} attempts: ${error}`);
    } else {
      try {
        await this.withTimeout(
          handler.deliver({ id: row.id, kind: row.kind, payload: row.payload, attempt: row.attempts }),
        );
        outcome = { status: 'sent', at: clock(), payload: this.finalPayload(handler, row) };
      } catch (caught) {
        const error = handler.describeError ? handler.describeError(caught) : describeError(caught);
        const delay =
          caught instanceof PermanentDeliveryError ? undefined : retryDelayMs(handler.retryDelaysMs, row.attempts);
        const at = clock();
        if (delay === undefined) {
          outcome = { status: 'failed', at, error, payload: this.finalPayload(handler, row) };
          if (caught instanceof PermanentDeliveryError && caught.level === 'warn') {
            this.logger.warn(`${name} not delivered: ${error}`);
          } else {
            this.logger.error(`${name} failed after ${row.attempts} of ${maxAttempts} attempts: ${error}`);
          }
        } else {
          const nextAttemptAt = new Date(at.getTime() + delay);
          outcome = { status: 'pending', at, nextAttemptAt, error };
          this.logger.warn(
            `${name}: attempt ${row.attempts} of ${maxAttempts} failed (${error}); next attempt at ${nextAttemptAt.toISOString()}`,
          );
        }
      }
    }
    try {
      if (await this.store.finish(row, outcome)) return outcome.status === 'pending' ? 'retried' : outcome.status;
      this.logger.warn(`${name}: claimed again or deleted meanwhile; this attempt's result is not recorded`);
    } catch (error) {
      this.logger.error(`${name}: could not record the result (${describeError(error)}); it will be claimed again`);
    }
    return 'lost';
  }

  private describeRow(handler: OutboxHandler, row: ClaimedRow): string {
    let label = '';
    try {
      label = handler.label ? ` (${handler.label(row.payload)})` : '';
    } catch {
      // a payload the handler cannot describe is described without a label
    }
    return `Outbox ${row.kind} ${row.id}${label}`;
  }

  private finalPayload(handler: OutboxHandler, row: ClaimedRow): unknown {
    try {
      return handler.finalPayload ? handler.finalPayload(row.payload) : row.payload;
    } catch {
      return null;
    }
  }

  /** A handler that neither resolves nor fails within most of the lease counts as a failed attempt. */
  private async withTimeout(delivery: Promise<void>): Promise<void> {
    const limitMs = Math.floor(this.config.outbox.leaseMs * 0.8);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(limitMs / 1000)} s`)), limitMs);
      timer.unref();
    });
    try {
      await Promise.race([delivery, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
