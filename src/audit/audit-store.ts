import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { chunked, inList, insertMany, query, rowJson, TypedColumn } from '../database/sql';
import { TransactionService } from '../database/transaction.service';

/** An entry as it is written: every value already classified (audit-fields.ts). */
export interface AuditRow {
  id: string;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  actorIp: string | null;
  requestId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  userId: string | null;
  profileId: string | null;
  /** JSON text */
  changes: string;
}

export interface AuditFilter {
  actorId?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  action?: string | null;
  from?: Date | null;
  to?: Date | null;
  userId?: string | null;
}

const SELECT = `SELECT id, occurred_at AS "occurredAt", actor_kind AS "actorKind", actor_id AS "actorId",
  actor_ip AS "actorIp", request_id AS "requestId", action, resource_type AS "resourceType",
  resource_id AS "resourceId", user_id AS "userId", profile_id AS "profileId", changes FROM audit_events`;

/**
 * The columns and their PostgreSQL types, in the order of auditValues: a buffer's flush writes its
 * entries as one array per column (insertMany). As a 500-row VALUES list (6,000 parameters) a row cost
 * 39-41 µs of wall time, most of it PostgreSQL's parse, plan and bind; as arrays 19 (bench/audit-insert.mjs).
 */
export const AUDIT_TYPED_COLUMNS: readonly TypedColumn[] = [
  ['id', 'varchar'],
  ['occurred_at', 'timestamp'],
  ['actor_kind', 'varchar'],
  ['actor_id', 'varchar'],
  ['actor_ip', 'varchar'],
  ['request_id', 'varchar'],
  ['action', 'varchar'],
  ['resource_type', 'varchar'],
  ['resource_id', 'varchar'],
  ['user_id', 'varchar'],
  ['profile_id', 'varchar'],
  ['changes', 'text'],
];

/** The columns of `audit_events`, in the order of auditValues. */
const AUDIT_COLUMNS: readonly string[] = AUDIT_TYPED_COLUMNS.map(([name]) => name);

/** An entry's values in the order of AUDIT_TYPED_COLUMNS. */
function auditValues(r: AuditRow): unknown[] {
  return [
    r.id,
    r.occurredAt,
    r.actorKind,
    r.actorId,
    r.actorIp,
    r.requestId,
    r.action,
    r.resourceType,
    r.resourceId,
    r.userId,
    r.profileId,
    r.changes,
  ];
}

/**
 * An entry as one JSON row keyed by column (rowJson), for a statement that writes it together with its
 * change: `insertAuditJson` in a CTE, or the `create_user_address` function.
 */
export function auditJson(row: AuditRow): string {
  return rowJson(AUDIT_COLUMNS, auditValues(row));
}

/** `INSERT INTO audit_events` of the JSON row (auditJson) in parameter `placeholder` (`$4`). */
export function insertAuditJson(placeholder: string): string {
  return `INSERT INTO audit_events SELECT * FROM jsonb_populate_record(NULL::audit_events, ${placeholder})`;
}

/** Every SQL statement on `audit_events`. */
@Injectable()
export class AuditStore {
  constructor(private readonly tx: TransactionService) {}

  /** Writes entries in multi-row statements. */
  async insert(manager: EntityManager, rows: readonly AuditRow[]): Promise<void> {
    await insertMany(manager, 'audit_events', AUDIT_TYPED_COLUMNS, rows.map(auditValues));
  }

  /** Newest first (the id is time-ordered). */
  async list(filter: AuditFilter, take: number, skip: number): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actorId) add('actor_id = ?', filter.actorId);
    if (filter.resourceType) add('resource_type = ?', filter.resourceType);
    if (filter.resourceId) add('resource_id = ?', filter.resourceId);
    if (filter.action) add('action = ?', filter.action);
    if (filter.userId) add('user_id = ?', filter.userId);
    if (filter.from) add('occurred_at >= ?', filter.from);
    if (filter.to) add('occurred_at < ?', filter.to);
    params.push(take, skip);
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY occurred_at DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
    const rows = await query<AuditRow & { occurredAt: Date | string }>(this.tx.manager, sql, params);
    return rows.map((r) => ({ ...r, occurredAt: toDate(r.occurredAt) }));
  }

  /**
   * The entries about or by any of `ids` (user_id, profile_id, resource_id, actor_id), or whose changes
   * name one of them; oldest first. Erasure rewrites them, takeout reads them.
   */
  async about(manager: EntityManager, ids: readonly string[], mentions = true): Promise<AuditRow[]> {
    const found = new Map<string, AuditRow>();
    for (const chunk of chunked(ids, 200)) {
      const n = chunk.length;
      const where = ['user_id', 'profile_id', 'resource_id', 'actor_id']
        .map((column, i) => `${column} IN (${inList(n, i * n)})`)
        .join(' OR ');
      const rows = await query<AuditRow & { occurredAt: Date | string }>(manager, `${SELECT} WHERE ${where}`, [
        ...chunk,
        ...chunk,
        ...chunk,
        ...chunk,
      ]);
      for (const r of rows) found.set(r.id, { ...r, occurredAt: toDate(r.occurredAt) });
    }
    if (mentions) {
      for (const id of ids) {
        const rows = await query<AuditRow & { occurredAt: Date | string }>(manager, `${SELECT} WHERE changes LIKE $1`, [
          `%${id}%`,
        ]);
        for (const r of rows) found.set(r.id, { ...r, occurredAt: toDate(r.occurredAt) });
      }
    }
    return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Rewrites an entry's ids, actor address and changes (erasure). */
  async rewrite(manager: EntityManager, row: AuditRow): Promise<void> {
    await query(
      manager,
      `UPDATE audit_events SET actor_id = $1, actor_ip = $2, resource_id = $3, user_id = $4, profile_id = $5,
         changes = $6 WHERE id = $7`,
      [row.actorId, row.actorIp, row.resourceId, row.userId, row.profileId, row.changes, row.id],
    );
  }

  /** Deletes up to `limit` entries older than `before`; returns how many (the purge repeats until 0). */
  async purgeBatch(before: Date, limit: number): Promise<number> {
    const rows = await this.tx.single((manager) =>
      query(
        manager,
        `DELETE FROM audit_events WHERE id IN (
           SELECT id FROM audit_events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2) RETURNING id`,
        [before, limit],
      ),
    );
    return rows.length;
  }
}

function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  // SQLite stores 'YYYY-MM-DD HH:MM:SS.SSS' in UTC
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
