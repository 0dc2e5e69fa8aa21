import { timingSafeEqual, createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { RedisService } from './redis.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** A value of a gauge registered with `MetricsService.gauge`, with its labels. */
export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

export interface GaugeOptions {
  /** the metric name (`identity_hub_…`, snake case) */
  name: string;
  help: string;
  labelNames?: string[];
  /** read at every scrape (never on a request): a number, or one sample per label set */
  collect: () => number | GaugeSample[] | Promise<number | GaugeSample[]>;
}

/** GraphQL operation names beyond this many distinct ones are counted as "other" (bounded cardinality). */
export const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Node's process metrics (CPU, memory, event loop, GC): one collector per process, shared by every app in it. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one application (prom-client), served at GET /metrics.
 *
 * On a request the only work is one histogram observation (`observeHttp`) and, for GraphQL, one counter
 * increment; everything else (database pool, Redis, the outbox backlog) is read when Prometheus scrapes.
 * Labels are bounded: routes are Fastify's route patterns (`/api/user/v1/identity`, never a raw URL;
 * unmatched URLs are one `unmatched` route), methods outside the HTTP set are `OTHER`, GraphQL operation
 * names are the first 200 distinct valid names (then `other`), outcomes are `ok` or an error code.
 *
 * Other modules add their own scrape-time gauges with `gauge()` (e.g. the outbox's backlog).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly log = new Logger('Metrics');
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly graphqlOperations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly rateLimitRejections: Counter<'limit'>;
  private readonly operationNames = new Set<string>();
  private readonly tokenDigest?: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig, dataSource: DataSource, redis: RedisService) {
    this.tokenDigest = config.metricsToken ? sha256(config.metricsToken) : undefined;
    this.httpDuration = new Histogram({
      name: 'identity_hub_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status, with their duration (the _count is the request count)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.graphqlOperations = new Counter({
      name: 'identity_hub_graphql_operations_total',
      help: 'GraphQL operations by operation name, type and outcome (ok, or the first error code)',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [this.registry],
    });
    this.rateLimitRejections = new Counter({
      name: 'identity_hub_rate_limit_rejections_total',
      help: 'Requests refused by a rate limit (TOO_MANY_REQUESTS), by limit',
      labelNames: ['limit'],
      registers: [this.registry],
    });
    this.databaseGauges(dataSource);
    if (redis.client) {
      this.gauge({
        name: 'identity_hub_redis_up',
        help: '1 when the Redis connection is ready, 0 while it is down',
        collect: () => (redis.isReady ? 1 : 0),
      });
    }
  }

  /** One finished HTTP request. `route` is the route pattern, undefined when no route matched. */
  observeHttp(method: string, route: string | undefined, status: number, seconds: number): void {
    this.httpDuration.observe(
      { method: METHODS.has(method) ? method : 'OTHER', route: route ?? 'unmatched', status: String(status) },
      seconds,
    );
  }

  /** One GraphQL operation: its name (null: anonymous; undefined: the document did not resolve to one). */
  graphqlOperation(name: string | null | undefined, type: string | undefined, outcome: string): void {
    this.graphqlOperations.inc({ operation: this.operationLabel(name), type: type ?? 'unknown', outcome });
  }

  rateLimitRejected(limit: string): void {
    this.rateLimitRejections.inc({ limit });
  }

  /** Adds a gauge read at every scrape (a failing read is logged, and the gauge is NaN or without samples). */
  gauge(options: GaugeOptions): void {
    const log = this.log;
    new Gauge({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames ?? [],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const value = await options.collect();
          if (typeof value === 'number') this.set(value);
          else for (const sample of value) this.set(sample.labels ?? {}, sample.value);
        } catch (error) {
          // unknown, not 0 (a backlog of 0 would look healthy); a labelled gauge is left without samples
          if ((options.labelNames ?? []).length === 0) this.set(NaN);
          log.warn({ err: error, metric: options.name }, 'a metric could not be read');
        }
      },
    });
  }

  /** true when `authorization` carries the METRICS_TOKEN (or none is configured); compared in constant time. */
  authorized(authorization: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return match !== null && timingSafeEqual(sha256(match[1]), this.tokenDigest);
  }

  /** The Prometheus text of this application's metrics and the process's. */
  async render(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: this.registry.contentType, body: await merged.metrics() };
  }

  private operationLabel(name: string | null | undefined): string {
    if (name === undefined) return '(invalid)';
    if (name === null) return '(anonymous)';
    if (this.operationNames.has(name)) return name;
    if (!OPERATION_NAME.test(name) || this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** PostgreSQL's pool (pg-pool): connections open, idle and in use, and queries waiting for one. */
  private databaseGauges(dataSource: DataSource): void {
    if (dataSource.options.type !== 'postgres') return;
    const pool = () =>
      (dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } })
        .master;
    const max = (dataSource.options.extra as { max?: number } | undefined)?.max;
    this.gauge({
      name: 'identity_hub_db_pool_connections',
      help: 'PostgreSQL pool connections by state (open = idle + in use; max = DATABASE_POOL_SIZE)',
      labelNames: ['state'],
      collect: () => {
        const p = pool();
        if (!p) return [];
        return [
          { labels: { state: 'open' }, value: p.totalCount },
          { labels: { state: 'idle' }, value: p.idleCount },
          { labels: { state: 'in_use' }, value: p.totalCount - p.idleCount },
          ...(max !== undefined ? [{ labels: { state: 'max' }, value: max }] : []),
        ];
      },
    });
    this.gauge({
      name: 'identity_hub_db_pool_waiting',
      help: 'Queries waiting for a free PostgreSQL pool connection',
      collect: () => pool()?.waitingCount ?? 0,
    });
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
