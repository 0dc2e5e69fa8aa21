import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource, QueryRunner, ReplicationMode } from 'typeorm';
import type { Actor } from '../auth/actor';
import { RedisService } from '../common/redis.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { readContext } from './read-context';

export { type ReadContext, readContext } from './read-context';

/** A statement a hot standby can run: SELECT / WITH / SHOW / VALUES without a data-modifying part or a row lock. */
export function isReadOnlySql(sql: string): boolean {
  const text = sql.trimStart();
  if (!/^(\(?\s*SELECT|WITH|SHOW|VALUES)\b/i.test(text)) return false;
  if (/\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE|KEY\s+SHARE)\b/i.test(text)) return false;
  if (/^WITH\b/i.test(text) && /\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(text)) return false;
  if (/\b(nextval|setval|pg_advisory\w*|set_config|pg_notify)\s*\(/i.test(text)) return false;
  return true;
}

/** A failure that says the replica (or the way to it) is gone or behind, not that the query is wrong. */
export function isReplicaFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (typeof e?.code === 'string' && /^(08|57P0|53300|40001|ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)/.test(e.code))
    return true;
  return /Connection terminated|timeout exceeded when trying to connect|server conn crashed|server login has been failing|no more connections allowed|pgbouncer cannot connect/i.test(
    e?.message ?? '',
  );
}

export interface ReplicaState {
  /** the host:port of the replica (its URL without credentials) */
  name: string;
  up: boolean;
  lagMs?: number;
  /** why it is skipped, for the log and /health/ready (never the driver's error text) */
  reason?: 'down' | 'lagging' | 'not a standby';
}

interface Pool {
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  connect(cb: (err: unknown, client: unknown, release: (err?: unknown) => void) => void): void;
  on(event: 'error', handler: (error: unknown) => void): void;
  end(): Promise<void>;
}
type Connect = () => Promise<[unknown, (err?: unknown) => void]>;
interface PostgresDriverInternals {
  postgres: { Pool: new (options: object) => Pool };
  obtainSlaveConnection: Connect;
  obtainMasterConnection: Connect;
}

// Lag: 0 when everything received is replayed (also just after a restart, before streaming resumes:
// receive LSN NULL); otherwise the age of the last replayed transaction, which overstates the lag after a
// quiet spell on the primary (a replica can then be skipped for a moment, never used while behind).
const LAG_SQL = `SELECT pg_is_in_recovery() AS standby,
  CASE WHEN NOT pg_is_in_recovery()
         OR COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) <= pg_last_wal_replay_lsn() THEN 0
       ELSE GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())) * 1000) END AS lag_ms`;
const CHECK_EVERY_MS = 1000;
const CHECK_TIMEOUT_MS = 1000;

/**
 * Read replicas (DATABASE_REPLICA_URLS), on TypeORM's replication support: the primary is TypeORM's
 * master and every query runner is a master one unless the request's ReadContext says replica.
 *
 * - Which replica: one of those the monitor found up and at most REPLICA_MAX_LAG_MS behind (checked
 *   every second with pg_last_xact_replay_timestamp()); none: the primary.
 * - On a replica runner, a transaction or a statement that is not a read goes to the primary, and a read
 *   that fails because the replica is gone is run again on the primary (the replica is marked down until
 *   the next check): a replica stopping changes nothing a client sees.
 * - Read-your-writes: an actor who wrote (a mutation, a REST write, a sign-in) reads from the primary for
 *   REPLICA_STICKY_MS, on every instance: the mark is kept here and, with Redis, in Redis.
 *
 * Without replicas none of this is installed: the request path is the one it always was.
 */
@Injectable()
export class ReplicaService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('Replicas');
  readonly enabled: boolean;
  readonly states: ReplicaState[];
  private timer: NodeJS.Timeout | null = null;
  /**
   * One pg pool per replica, made here rather than by TypeORM (whose `replication.slaves` would make the
   * start fail while a replica is down): TypeORM is given `replication` with no slaves, which turns its
   * slave query runners on, and obtainSlaveConnection is answered from these pools.
   */
  private pools: Pool[] = [];
  private readonly sticky = new Map<string, number>();
  readonly reads = new Counter({
    name: 'identity_hub_database_reads_total',
    help: 'Database connections taken for read-only requests, by where they went (replica host:port, or primary)',
    labelNames: ['target'],
    registers: [],
  });

  readonly routing = new Counter({
    name: 'identity_hub_read_routing_total',
    help: 'Read-only requests by where they were sent: replica, or primary and why (sticky: the actor wrote within REPLICA_STICKY_MS; no_replica: none usable)',
    labelNames: ['to'],
    registers: [],
  });

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.enabled = config.database.engine === 'postgres' && config.database.replicaUrls.length > 0;
    this.states = config.database.replicaUrls.map((url) => {
      const u = new URL(url);
      return { name: `${u.hostname}:${u.port || '5432'}${u.pathname}`, up: false, reason: 'down' };
    });
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const driver = this.dataSource.driver as unknown as PostgresDriverInternals;
    const extra = (this.dataSource.options as { extra?: object }).extra ?? {};
    this.pools = this.config.database.replicaUrls.map((url) => {
      const pool = new driver.postgres.Pool({ ...extra, connectionString: url });
      pool.on('error', () => undefined); // an idle connection lost with its replica: the monitor says so
      return pool;
    });
    this.install();
    await this.check();
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.pools.map((pool) => pool.end().catch(() => undefined)));
    this.pools = [];
  }

  /** Indices of the replicas reads may go to now. */
  private usable(): number[] {
    return this.states.flatMap((s, i) => (s.up ? [i] : []));
  }

  /** Whether a read-only request of this actor may go to a replica now (false: the primary). */
  async mayRead(actor: Actor | undefined): Promise<boolean> {
    if (!this.enabled) return false;
    if (this.usable().length === 0) {
      this.routing.inc({ to: 'no_replica' });
      return false;
    }
    const replica = !(await this.isSticky(stickyKey(actor)));
    this.routing.inc({ to: replica ? 'replica' : 'sticky' });
    return replica;
  }

  private async isSticky(key: string | undefined): Promise<boolean> {
    if (!key) return false;
    const until = this.sticky.get(key);
    if (until !== undefined) {
      if (until > Date.now()) return true;
      this.sticky.delete(key);
    }
    if (!this.redis.client) return false;
    try {
      return (await this.redis.run((c) => c.exists(`replica-sticky:${key}`))) > 0;
    } catch {
      return true; // Redis unreachable: another instance may have seen a write; the primary is always right
    }
  }

  /** The actor wrote: their reads stay on the primary for REPLICA_STICKY_MS, on every instance. */
  async wrote(actor: Actor | undefined): Promise<void> {
    const key = stickyKey(actor);
    const ms = this.config.database.replicaStickyMs;
    if (!this.enabled || !key || ms === 0) return;
    this.sticky.set(key, Date.now() + ms);
    if (this.sticky.size > 100_000) this.sweep();
    if (this.redis.client) {
      await this.redis.run((c) => c.set(`replica-sticky:${key}`, '1', 'PX', ms)).catch(() => undefined);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, until] of this.sticky) if (until <= now) this.sticky.delete(key);
  }

  /** Checks every replica: reachable, a standby, and at most REPLICA_MAX_LAG_MS behind. */
  async check(): Promise<void> {
    const slaves = this.pools;
    await Promise.all(
      this.states.map(async (state, i) => {
        let next: Pick<ReplicaState, 'up' | 'lagMs' | 'reason'>;
        try {
          const timeout = new Promise<never>((_, reject) => {
            setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref();
          });
          const { rows } = await Promise.race([slaves[i].query(LAG_SQL), timeout]);
          const lagMs = Math.round(Number(rows[0].lag_ms));
          if (!rows[0].standby) next = { up: false, lagMs, reason: 'not a standby' };
          else if (lagMs > this.config.database.replicaMaxLagMs) next = { up: false, lagMs, reason: 'lagging' };
          else next = { up: true, lagMs };
        } catch {
          next = { up: false, reason: 'down' };
        }
        if (next.up !== state.up || next.reason !== state.reason) {
          if (next.up) this.log.log({ replica: state.name, lagMs: next.lagMs }, 'replica in use');
          else this.log.warn({ replica: state.name, reason: next.reason, lagMs: next.lagMs }, 'replica skipped');
        }
        Object.assign(state, { lagMs: undefined, reason: undefined }, next);
      }),
    );
  }

  private markDown(index: number): void {
    const state = this.states[index];
    if (state.up) this.log.warn({ replica: state.name, reason: 'down' }, 'replica skipped');
    Object.assign(state, { up: false, reason: 'down', lagMs: undefined });
  }

  /** Hooks into TypeORM: slave connections go to a usable replica; runners follow the ReadContext. */
  private install(): void {
    const driver = this.dataSource.driver as unknown as PostgresDriverInternals;
    const served = new WeakMap<object, number>();
    driver.obtainSlaveConnection = () => {
      const usable = this.usable();
      if (usable.length === 0) {
        this.reads.inc({ target: 'primary' });
        return driver.obtainMasterConnection();
      }
      const index = usable[Math.floor(Math.random() * usable.length)];
      return new Promise((resolve, reject) => {
        this.pools[index].connect((err, client, release) => {
          if (err) {
            this.markDown(index);
            this.reads.inc({ target: 'primary' });
            driver.obtainMasterConnection().then(resolve, reject);
            return;
          }
          this.reads.inc({ target: this.states[index].name });
          served.set(client as object, index);
          resolve([client, release]);
        });
      });
    };

    const create = this.dataSource.createQueryRunner.bind(this.dataSource);
    const onPrimary = async <T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> => {
      const runner = create('master');
      try {
        return await work(runner);
      } finally {
        await runner.release();
      }
    };
    this.dataSource.createQueryRunner = (mode: ReplicationMode = 'master') => {
      if (!readContext.getStore()?.replica) return create(mode);
      const runner = create('slave') as QueryRunner & { mode: ReplicationMode; databaseConnection?: object };
      const connection = () => runner.databaseConnection;
      const startTransaction = runner.startTransaction.bind(runner);
      runner.startTransaction = (level) => {
        if (!connection()) runner.mode = 'master';
        return startTransaction(level);
      };
      const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
      (runner as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args) => {
        const [sql] = args as [string];
        if (runner.mode === 'slave' && !runner.isTransactionActive && !isReadOnlySql(sql)) {
          if (!connection()) runner.mode = 'master';
          else return onPrimary((primary) => (primary.query as (...a: unknown[]) => Promise<unknown>)(...args));
        }
        try {
          return await query(...args);
        } catch (error) {
          if (runner.mode !== 'slave' || runner.isTransactionActive || !isReplicaFailure(error)) throw error;
          const client = connection();
          const index = client ? served.get(client) : undefined;
          if (index !== undefined) this.markDown(index);
          this.reads.inc({ target: 'primary' });
          return onPrimary((primary) => (primary.query as (...a: unknown[]) => Promise<unknown>)(...args));
        }
      };
      return runner;
    };
  }
}

/** Whose writes make whose reads sticky: the signed-in user, or the API token. Anonymous: nobody. */
function stickyKey(actor: Actor | undefined): string | undefined {
  if (!actor) return undefined;
  if (actor.userId) return `user:${actor.userId}`;
  if (actor.apiTokenId) return `token:${actor.apiTokenId}`;
  return undefined;
}
