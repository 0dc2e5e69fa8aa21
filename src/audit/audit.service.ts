import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionService } from '../database/transaction.service';
import { createHash, randomBytes } from 'node:crypto';
import { classify, FieldChange } from './audit-fields';
import { timeOrderedId } from './audit-id';
import { auditJson, AuditFilter, AuditRow, AuditStore } from './audit-store';

/** What a service records about one change (the actor and the request are added here). */
export interface AuditEntry {
  /** `user.updated`, `identity.identifier_changed`, … (webhook event types use the same names) */
  action: string;
  resource: { type: string; id: string | null };
  /** built with audit-fields.ts (`diff`, `change`): secrets redacted, personal values masked */
  changes?: FieldChange[];
  /** the account the entry is about (for User.history and erasure), when there is one */
  userId?: string | null;
  /** the identity profile the entry is about, when there is one */
  profileId?: string | null;
  /** who did it, with the request it came in (null: the system, e.g. the CLI or start-up) */
  actor: Actor | null;
}

/**
 * Something that reacts to recorded changes in their transaction (the webhooks module registers one to
 * queue its events; it is told whether the request asked for no webhooks).
 */
export interface ChangeSink {
  /** whether any of these actions interests the sink now (e.g. a webhook endpoint subscribes to it) */
  wants(actions: readonly string[]): Promise<boolean>;
  changed(manager: EntityManager, entries: readonly AuditEntry[]): Promise<void>;
}

/**
 * Another table's retention, run by the audit trail's purge job (every AUDIT_PURGE_MS) after the audit
 * entries: the identity module registers the purge of merge snapshots past the unmerge window.
 */
export interface RetentionTask {
  /** what it purges, for the log line and `retention()`'s answer: `identity merge snapshots` */
  name: string;
  /** purges what is past its window at `now`, at most PURGE_BATCH rows per statement; returns how many */
  purge(now: Date): Promise<number>;
}

export interface RecordOptions {
  /** Insider's `skip_hook: true`: no webhook events for these entries (they are still recorded) */
  skipWebhooks?: boolean;
}

/** Entries buffered beyond this are written at once rather than waiting for the timer. */
const BUFFER_FLUSH_AT = 500;
/** The purge deletes this many entries per statement, so it never holds long locks. */
export const PURGE_BATCH = 1000;

/**
 * The audit trail (SPEC §9). `record` writes entries with the caller's transaction (account and admin
 * changes: they commit or roll back with the change). `buffer` is the high-volume partner writes' path:
 * entries wait in memory and are written in one multi-row statement at least every AUDIT_FLUSH_MS
 * (≤ 1 s), when 500 are waiting, and at shutdown; a crash loses what waits (at most about a second of
 * partner writes' entries; the changes themselves are committed). Both also hand the entries to the
 * registered ChangeSinks (webhooks) in the change's transaction. A periodic purge deletes entries older
 * than AUDIT_RETENTION_DAYS in batches, then runs the registered RetentionTasks (merge snapshots).
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private pending: AuditRow[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;
  private readonly sinks: ChangeSink[] = [];
  private readonly retentionTasks: RetentionTask[] = [];

  constructor(
    private readonly store: AuditStore,
    private readonly tx: TransactionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.audit.flushMs > 0) {
      this.flushTimer = setInterval(() => void this.flush(), this.config.audit.flushMs);
      this.flushTimer.unref();
    }
    if (this.config.audit.purgeMs > 0) {
      this.purgeTimer = setInterval(() => void this.retention(), this.config.audit.purgeMs);
      this.purgeTimer.unref();
    }
  }

  /** Shutdown writes what is buffered (SIGTERM: SPEC §8). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.flushTimer = this.purgeTimer = null;
    await this.flush();
  }

  addSink(sink: ChangeSink): void {
    this.sinks.push(sink);
  }

  /** Adds a table's purge to the retention job (see RetentionTask). */
  addRetention(task: RetentionTask): void {
    this.retentionTasks.push(task);
  }

  /** Writes the entries with `manager` (the change's transaction) and hands them to the sinks. */
  async record(manager: EntityManager, ...entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.store.insert(
      manager,
      entries.map((e) => this.row(e)),
    );
    await this.notify(manager, entries);
  }

  /**
   * The partner writes' path: the sinks run now, in the change's transaction (webhook events are never
   * lost), the entries are buffered once it commits (see the class comment for what a crash can lose).
   */
  async buffer(manager: EntityManager | null, entries: AuditEntry[], options: RecordOptions = {}): Promise<void> {
    if (!entries.length) return;
    if (manager && !options.skipWebhooks) await this.notify(manager, entries);
    const rows = entries.map((e) => this.row(e));
    // into the buffer once the change has committed: a change rolled back (a failed batch that /upsert
    // then writes user by user) leaves no entry
    this.tx.afterCommit(manager, () => {
      for (const row of rows) this.pending.push(row);
      if (this.pending.length >= BUFFER_FLUSH_AT) void this.flush();
    });
  }

  /**
   * The row `record` would write, as JSON (auditJson), for a caller that writes it in its own single
   * statement (one that is atomic without a transaction). Only when `needsTransaction` said no sink
   * wants the entry: it is not handed to the sinks.
   */
  jsonRowOf(entry: AuditEntry): string {
    return auditJson(this.row(entry));
  }

  /** Whether a sink wants any of these entries: lets a one-statement write stay one statement. */
  async needsTransaction(actions: readonly string[]): Promise<boolean> {
    for (const sink of this.sinks) if (await sink.wants(actions)) return true;
    return false;
  }

  /** Writes the buffered entries (one statement per 500); failures are logged and the rows kept. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (!this.pending.length) return;
      const rows = this.pending;
      this.pending = [];
      try {
        await this.tx.single((manager) => this.store.insert(manager, rows));
      } catch (error) {
        // Kept for the next flush (bounded: a database that stays down loses the oldest).
        this.pending = [...rows, ...this.pending].slice(-50_000);
        this.logger.error(`Could not write ${rows.length} audit entries: ${(error as Error).message}`);
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Erasure (SPEC §10), in its transaction: every entry about, by or naming one of `ids` (accounts and
   * profiles, merged ones too) has those ids replaced by a salted hash (the salt is random per erasure
   * and never stored: the entries of one erasure stay linkable to each other, never to the person), the
   * actor's address dropped when the actor is the person, and every value of an entry about the person
   * replaced by `***` (only plain fields, such as `emailVerified`, stay). Entries still waiting in the
   * buffer are rewritten the same way; call `flush` before the transaction so that few are. Returns how
   * many entries were rewritten.
   */
  async forget(manager: EntityManager, ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    const salt = randomBytes(32);
    const wanted = new Set(ids);
    const pseudonym = (id: string) =>
      `erased-${createHash('sha256').update(salt).update(id).digest('hex').slice(0, 29)}`;
    const rows = await this.store.about(manager, ids);
    for (const row of rows) await this.store.rewrite(manager, forgetIn(row, wanted, pseudonym));
    this.pending = this.pending.map((row) => forgetIn(row, wanted, pseudonym));
    return rows.length;
  }

  /** Takeout: the entries about or by the person (as stored: values masked), oldest first. */
  about(manager: EntityManager, ids: readonly string[]): Promise<AuditRow[]> {
    return this.store.about(manager, ids, false);
  }

  list(filter: AuditFilter, take: number, skip: number): Promise<AuditRow[]> {
    return this.store.list(filter, take, skip);
  }

  /** Deletes entries older than the retention, batch after batch; returns how many. */
  async purge(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.config.audit.retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await this.store.purgeBatch(before, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }

  /**
   * The retention job: the audit entries older than AUDIT_RETENTION_DAYS, then each registered task;
   * returns how many rows each purged (by name). A failing task is logged and the next one still runs.
   */
  async retention(now = new Date()): Promise<Record<string, number>> {
    const purged: Record<string, number> = {};
    const tasks: RetentionTask[] = [{ name: 'audit entries', purge: (at) => this.purge(at) }, ...this.retentionTasks];
    for (const task of tasks) {
      try {
        purged[task.name] = await task.purge(now);
        if (purged[task.name]) this.logger.log(`Purged ${purged[task.name]} ${task.name} past their retention`);
      } catch (error) {
        this.logger.error(`Purge of ${task.name} failed: ${(error as Error).message}`);
      }
    }
    return purged;
  }

  private async notify(manager: EntityManager, entries: readonly AuditEntry[]): Promise<void> {
    for (const sink of this.sinks) await sink.changed(manager, entries);
  }

  private row(entry: AuditEntry): AuditRow {
    const actor = entry.actor;
    const actorId = actor?.kind === 'api-token' ? (actor.apiTokenId ?? null) : (actor?.userId ?? null);
    const now = Date.now();
    return {
      id: timeOrderedId(now),
      occurredAt: new Date(now),
      actorKind: actor?.kind ?? 'system',
      actorId,
      actorIp: actor?.ipAddress ? actor.ipAddress.slice(0, 64) : null,
      requestId: actor?.requestId ? actor.requestId.slice(0, 128) : null,
      action: entry.action,
      resourceType: entry.resource.type,
      resourceId: entry.resource.id,
      userId: entry.userId ?? (entry.resource.type === 'user' ? entry.resource.id : null),
      profileId: entry.profileId ?? (entry.resource.type === 'identity' ? entry.resource.id : null),
      changes: JSON.stringify(entry.changes ?? []),
    };
  }
}

/** An entry with the ids of `ids` pseudonymised and, when it is about one of them, its values masked. */
function forgetIn(row: AuditRow, ids: ReadonlySet<string>, pseudonym: (id: string) => string): AuditRow {
  const swap = (id: string | null) => (id !== null && ids.has(id) ? pseudonym(id) : id);
  const about = [row.userId, row.profileId, row.resourceId].some((id) => id !== null && ids.has(id));
  const names = (text: string) => [...ids].some((id) => text.includes(id));
  if (!about && !(row.actorId !== null && ids.has(row.actorId)) && !names(row.changes)) return row;
  const scrub = (field: string, value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' && ids.has(value)) return pseudonym(value);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      if (value.some((v) => ids.has(v as string))) return value.map((v) => swap(v as string));
    }
    if (about && classify(field) !== 'plain') return '***';
    const text = JSON.stringify(value);
    return names(text) ? '***' : value;
  };
  let changes: { field: string; old: unknown; new: unknown }[];
  try {
    changes = JSON.parse(row.changes) as typeof changes;
  } catch {
    changes = [];
  }
  return {
    ...row,
    actorId: swap(row.actorId),
    actorIp: row.actorId !== null && ids.has(row.actorId) ? null : row.actorIp,
    resourceId: swap(row.resourceId),
    userId: swap(row.userId),
    profileId: swap(row.profileId),
    changes: JSON.stringify(
      changes.map((c) => ({ field: c.field, old: scrub(c.field, c.old), new: scrub(c.field, c.new) })),
    ),
  };
}
