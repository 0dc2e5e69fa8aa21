import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { chunked, fromSqlDate, query } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { OutboxKind } from './outbox.entity';

export interface NewOutboxRow {
  id: string;
  kind: OutboxKind;
  /** the payload as JSON text */
  payload: string;
  subjectKey: string | null;
  nextAttemptAt: Date;
  createdAt: Date;
  targetId?: string | null;
}

/** A row as a delivery log shows it. */
export interface OutboxRowView {
  id: string;
  kind: OutboxKind;
  payload: unknown;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  sentAt: Date | null;
  lastError: string | null;
  targetId: string | null;
  createdAt: Date;
}

const VIEW_COLUMNS = `id, kind, payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  last_attempt_at AS "lastAttemptAt", sent_at AS "sentAt", last_error AS "lastError", target_id AS "targetId",
  created_at AS "createdAt"`;

export interface ClaimedRow {
  id: string;
  kind: OutboxKind;
  payload: unknown;
  /** the attempt this claim is (also the fencing token of the claim: see `finish`) */
  attempts: number;
}

/** The rows of one kind not yet delivered (`pending` or `sending`) and those given up (`failed`). */
export interface Backlog {
  kind: OutboxKind;
  waiting: number;
  /** when the oldest waiting row was queued (null: none waits) */
  oldestWaiting: Date | null;
  failed: number;
}

export type Outcome =
  | { status: 'sent'; at: Date; payload: unknown }
  | { status: 'pending'; at: Date; nextAttemptAt: Date; error: string }
  | { status: 'failed'; at: Date; error: string; payload: unknown };

/** Every SQL statement on the `outbox` table. */
@Injectable()
export class OutboxStore {
  constructor(private readonly tx: TransactionService) {}

  /** Writes a row with the caller's transaction, so it commits or rolls back with the change. */
  async insert(manager: EntityManager, row: NewOutboxRow): Promise<void> {
    await query(
      manager,
      `INSERT INTO outbox (id, kind, payload, status, attempts, next_attempt_at, subject_key, created_at)
       VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6)`,
      [row.id, row.kind, row.payload, row.nextAttemptAt, row.subjectKey, row.createdAt],
    );
  }

  /** Writes rows with the caller's transaction in multi-row statements (a change's webhook events). */
  async insertMany(manager: EntityManager, rows: readonly NewOutboxRow[]): Promise<void> {
    for (const chunk of chunked(rows, 500)) {
      const values: unknown[] = [];
      const tuples = chunk.map((row, i) => {
        values.push(
          row.id,
          row.kind,
          row.payload,
          row.nextAttemptAt,
          row.subjectKey,
          row.createdAt,
          row.targetId ?? null,
        );
        const o = i * 7;
        return `($${o + 1}, $${o + 2}, $${o + 3}, 'pending', 0, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7})`;
      });
      await query(
        manager,
        `INSERT INTO outbox (id, kind, payload, status, attempts, next_attempt_at, subject_key, created_at, target_id)
         VALUES ${tuples.join(', ')}`,
        values,
      );
    }
  }

  /** The rows of a kind, newest first, optionally of one target and one status (a delivery log). */
  async list(
    kind: OutboxKind,
    filter: { targetId?: string | null; status?: string | null; id?: string | null },
    take: number,
    skip: number,
  ): Promise<OutboxRowView[]> {
    const where = ['kind = $1'];
    const params: unknown[] = [kind];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filter.targetId) add('target_id', filter.targetId);
    if (filter.status) add('status', filter.status);
    if (filter.id) add('id', filter.id);
    params.push(take, skip);
    const rows = await query<Record<string, unknown>>(
      this.tx.manager,
      `SELECT ${VIEW_COLUMNS} FROM outbox WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id as string,
      kind: r.kind as OutboxKind,
      payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as unknown) : r.payload,
      status: r.status as string,
      attempts: Number(r.attempts),
      nextAttemptAt: toDate(r.nextAttemptAt)!,
      lastAttemptAt: toDate(r.lastAttemptAt),
      sentAt: toDate(r.sentAt),
      lastError: (r.lastError as string | null) ?? null,
      targetId: (r.targetId as string | null) ?? null,
      createdAt: toDate(r.createdAt)!,
    }));
  }

  /**
   * Makes a final (`sent` or `failed`) row due again at `now` with a fresh schedule of attempts (a
   * manual retry); false when the row is not final (it is still being delivered) or does not exist.
   */
  async requeue(kind: OutboxKind, id: string, now: Date): Promise<boolean> {
    const rows = await this.tx.single((manager) =>
      query(
        manager,
        `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $3, locked_until = NULL
         WHERE id = $1 AND kind = $2 AND status IN ('sent', 'failed') RETURNING id`,
        [id, kind, now],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Claims up to `limit` due rows of `kinds` in one statement: pending rows whose next attempt has come,
   * and `sending` rows whose lease ran out (their worker is presumed dead). They become `sending` until
   * `leaseUntil`, with one more attempt counted. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
   * instances claim at once without ever taking the same row; SQLite has a single writer.
   */
  claim(kinds: readonly OutboxKind[], now: Date, limit: number, leaseUntil: Date): Promise<ClaimedRow[]> {
    const kindList = kinds.map((_, i) => `$${i + 4}`).join(', ');
    const due = `kind IN (${kindList})
        AND ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND locked_until <= $1))`;
    const params = [now, limit, leaseUntil, ...kinds];
    const returning = 'RETURNING outbox.id, outbox.kind, outbox.payload, outbox.attempts';
    const sql = this.tx.isPostgres
      ? `WITH due AS MATERIALIZED (
           SELECT id FROM outbox WHERE ${due}
           ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE outbox SET status = 'sending', locked_until = $3, attempts = outbox.attempts + 1, last_attempt_at = $1
         FROM due WHERE outbox.id = due.id ${returning}`
      : `UPDATE outbox SET status = 'sending', locked_until = $3, attempts = attempts + 1, last_attempt_at = $1
         WHERE id IN (SELECT id FROM outbox WHERE ${due} ORDER BY next_attempt_at LIMIT $2) ${returning}`;
    return this.tx
      .single((manager) =>
        query<{ id: string; kind: OutboxKind; payload: string; attempts: number | string }>(manager, sql, params),
      )
      .then((rows) =>
        rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          payload: JSON.parse(r.payload) as unknown,
          attempts: Number(r.attempts),
        })),
      );
  }

  /**
   * Records how a claimed attempt ended. Fenced by the attempt number: when the lease ran out and another
   * worker claimed the row meanwhile, this late result changes nothing (false).
   */
  async finish(row: ClaimedRow, outcome: Outcome): Promise<boolean> {
    const fence = `WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id`;
    const head = [row.id, row.attempts];
    let sql: string;
    let params: unknown[];
    switch (outcome.status) {
      case 'sent':
        sql = `UPDATE outbox SET status = 'sent', sent_at = $3, payload = $4, locked_until = NULL, last_error = NULL ${fence}`;
        params = [...head, outcome.at, JSON.stringify(outcome.payload)];
        break;
      case 'pending':
        sql = `UPDATE outbox SET status = 'pending', next_attempt_at = $3, last_error = $4, locked_until = NULL ${fence}`;
        params = [...head, outcome.nextAttemptAt, outcome.error];
        break;
      case 'failed':
        sql = `UPDATE outbox SET status = 'failed', last_error = $3, payload = $4, locked_until = NULL ${fence}`;
        params = [...head, outcome.error, JSON.stringify(outcome.payload)];
        break;
    }
    const updated = await this.tx.single((manager) => query(manager, sql, params));
    return updated.length > 0;
  }

  /** Deletes every row about `subjectKey`, whatever its state; returns how many. */
  async deleteBySubject(manager: EntityManager, subjectKey: string): Promise<number> {
    const rows = await query(manager, 'DELETE FROM outbox WHERE subject_key = $1 RETURNING id', [subjectKey]);
    return rows.length;
  }

  /**
   * The backlog by kind (every kind, zero when it has no rows), for the metrics: one grouped read of the
   * rows that are not sent, through the status index.
   */
  async backlog(kinds: readonly OutboxKind[]): Promise<Backlog[]> {
    const rows = await query<{ kind: OutboxKind; status: string; n: number | string; oldest: string | Date | null }>(
      this.tx.manager,
      `SELECT kind, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
       WHERE status IN ('pending', 'sending', 'failed') GROUP BY kind, status`,
    );
    const byKind = new Map<OutboxKind, Backlog>(
      kinds.map((kind) => [kind, { kind, waiting: 0, oldestWaiting: null, failed: 0 }]),
    );
    for (const row of rows) {
      const entry = byKind.get(row.kind);
      if (!entry) continue;
      if (row.status === 'failed') {
        entry.failed += Number(row.n);
        continue;
      }
      entry.waiting += Number(row.n);
      const oldest = row.oldest === null ? null : fromSqlDate(row.oldest);
      if (oldest && (!entry.oldestWaiting || oldest < entry.oldestWaiting)) entry.oldestWaiting = oldest;
    }
    return [...byKind.values()];
  }
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value);
  // SQLite keeps 'YYYY-MM-DD HH:MM:SS.SSS' in UTC
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}
