import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { fromSqlDate, query } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { SessionEntity } from './session.entity';

export interface NewSession {
  id: string;
  tokenHash: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string | Date;
  last_used_at: string | Date | null;
  expires_at: string | Date;
  ip_address: string | null;
  user_agent: string | null;
}

const COLUMNS = 'id, user_id, created_at, last_used_at, expires_at, ip_address, user_agent';
/** Most recently used first; a session never used since the migration counts from its sign-in. */
const BY_LAST_USE = 'COALESCE(last_used_at, created_at) DESC, id DESC';

function toEntity(row: SessionRow): SessionEntity {
  return Object.assign(new SessionEntity(), {
    id: row.id,
    userId: row.user_id,
    createdAt: fromSqlDate(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : fromSqlDate(row.last_used_at),
    expiresAt: fromSqlDate(row.expires_at),
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
  });
}

/** Every SQL statement on the `sessions` table (the credential lookup aside: credential.service.ts). */
@Injectable()
export class SessionStore {
  constructor(private readonly tx: TransactionService) {}

  /**
   * Locks the user's row until the transaction ends, so concurrent sign-ins of one user count their
   * sessions one after the other (PostgreSQL; SQLite runs one transaction at a time). False: no such user.
   */
  async lockUser(manager: EntityManager, userId: string): Promise<boolean> {
    if (!this.tx.isPostgres) return true;
    return (await query(manager, 'SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId])).length > 0;
  }

  async insert(manager: EntityManager, s: NewSession): Promise<void> {
    await query(
      manager,
      `INSERT INTO "sessions" (id, token_hash, user_id, created_at, last_used_at, expires_at, ip_address, user_agent)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
      [s.id, s.tokenHash, s.userId, s.createdAt, s.expiresAt, s.ipAddress, s.userAgent],
    );
  }

  /**
   * Ends the user's live sessions beyond the `keep` most recently used ones (`keepId` aside, which stays),
   * and the user's expired ones, in one statement. Returns the token hashes of the live sessions ended.
   */
  async evict(manager: EntityManager, userId: string, keepId: string, keep: number, now: Date): Promise<string[]> {
    // PostgreSQL takes an OFFSET alone; SQLite wants a LIMIT before it (-1: none).
    const offset = this.tx.isPostgres ? 'OFFSET $4' : 'LIMIT -1 OFFSET $4';
    const rows = await query<{ token_hash: string; expires_at: string | Date }>(
      manager,
      `DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR id IN (
         SELECT id FROM sessions WHERE user_id = $1 AND id <> $3 AND expires_at > $2 ORDER BY ${BY_LAST_USE} ${offset}))
       RETURNING token_hash, expires_at`,
      [userId, now, keepId, keep],
    );
    return rows.filter((r) => fromSqlDate(r.expires_at) > now).map((r) => r.token_hash);
  }

  /** The user's live sessions, most recently used first. */
  async listLive(userId: string, now: Date, limit: number): Promise<SessionEntity[]> {
    const rows = await query<SessionRow>(
      this.tx.manager,
      `SELECT ${COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY ${BY_LAST_USE} LIMIT $3`,
      [userId, now, limit],
    );
    return rows.map(toEntity);
  }

  /** Deletes one session (of `userId`, when given, and live at `now`, when given); its token hash, or null. */
  async deleteOne(
    manager: EntityManager,
    id: string,
    owner?: { userId: string; liveAt: Date },
  ): Promise<string | null> {
    const rows = owner
      ? await query<{ token_hash: string }>(
          manager,
          'DELETE FROM sessions WHERE id = $1 AND user_id = $2 AND expires_at > $3 RETURNING token_hash',
          [id, owner.userId, owner.liveAt],
        )
      : await query<{ token_hash: string }>(manager, 'DELETE FROM sessions WHERE id = $1 RETURNING token_hash', [id]);
    return rows[0]?.token_hash ?? null;
  }

  /**
   * Deletes every session of the user (but `exceptId`), expired ones included; returns how many of them
   * were live at `now`.
   */
  async deleteOfUser(manager: EntityManager, userId: string, exceptId: string | undefined, now: Date): Promise<number> {
    const rows = exceptId
      ? await query<{ expires_at: string | Date }>(
          manager,
          'DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING expires_at',
          [userId, exceptId],
        )
      : await query<{ expires_at: string | Date }>(
          manager,
          'DELETE FROM sessions WHERE user_id = $1 RETURNING expires_at',
          [userId],
        );
    return rows.filter((r) => fromSqlDate(r.expires_at) > now).length;
  }

  /** Deletes up to `limit` sessions that expired before `now` (one statement); returns how many. */
  async purgeExpired(now: Date, limit: number): Promise<number> {
    const rows = await this.tx.single((manager) =>
      query(
        manager,
        'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= $1 LIMIT $2) RETURNING id',
        [now, limit],
      ),
    );
    return rows.length;
  }
}
