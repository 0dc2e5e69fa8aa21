import { Injectable, OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../common/metrics.service';
import { OUTBOX_KINDS } from './outbox.entity';
import { Backlog, OutboxStore } from './outbox-store';

/**
 * The outbox backlog on GET /metrics, read when Prometheus scrapes (never on a request): rows waiting
 * for delivery and the age of the oldest, and rows given up, by kind. A growing age means no worker
 * delivers (OUTBOX_POLL_MS=0 everywhere, SMTP down and retrying); failed rows need an operator.
 */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly store: OutboxStore,
  ) {}

  onModuleInit(): void {
    // one read serves the three gauges of a scrape (prom-client collects them together)
    let inFlight: Promise<Backlog[]> | undefined;
    const backlog = () => {
      inFlight ??= this.store.backlog(OUTBOX_KINDS).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    };
    const byKind = (value: (b: Backlog, now: number) => number) => async () => {
      const now = Date.now();
      return (await backlog()).map((b) => ({ labels: { kind: b.kind }, value: value(b, now) }));
    };
    this.metrics.gauge({
      name: 'identity_hub_outbox_pending_rows',
      help: 'Outbox rows waiting for delivery (pending, or claimed by a worker and not finished), by kind',
      labelNames: ['kind'],
      collect: byKind((b) => b.waiting),
    });
    this.metrics.gauge({
      name: 'identity_hub_outbox_oldest_pending_age_seconds',
      help: 'Seconds since the oldest outbox row still waiting was queued (0 when none waits), by kind',
      labelNames: ['kind'],
      collect: byKind((b, now) => (b.oldestWaiting ? Math.max(0, (now - b.oldestWaiting.getTime()) / 1000) : 0)),
    });
    this.metrics.gauge({
      name: 'identity_hub_outbox_failed_rows',
      help: 'Outbox rows given up after their last attempt (kept for an operator), by kind',
      labelNames: ['kind'],
      collect: byKind((b) => b.failed),
    });
  }
}
