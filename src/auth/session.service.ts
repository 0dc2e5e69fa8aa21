import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { normaliseEmail } from '../common/normalise';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { newId } from '../database/columns';
import { ReplicaService } from '../database/replicas';
import { TransactionService } from '../database/transaction.service';
import { UserWhereUniqueInput } from '../user/dto/user-where-unique.input';
import { UserEntity } from '../user/user.entity';
import { Actor } from './actor';
import { SessionClient } from './client-info';
import { CredentialCacheService } from './credential-cache.service';
import { Permission } from './permissions';
import { MAX_SESSIONS_PER_USER, SessionEntity } from './session.entity';
import { SessionStore } from './session-store';
import { randomToken, sha256 } from './tokens';

/** Expired sessions are deleted this often, in batches of PURGE_BATCH rows. */
export const PURGE_INTERVAL_MS = 60 * 60_000;
const PURGE_BATCH = 1000;

/**
 * Sessions (SPEC §2, §7): a random bearer token whose SHA-256 is stored; it expires after
 * SESSION_TTL_HOURS. A user holds at most MAX_SESSIONS_PER_USER live sessions: a sign-in that would make
 * one more ends the least recently used. Ending a session clears it from the credential cache of every
 * instance at once. Expired sessions are purged every hour.
 */
@Injectable()
export class SessionService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  private timer: NodeJS.Timeout | null = null;
  private purging: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly store: SessionStore,
    private readonly cache: CredentialCacheService,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly replicas: ReplicaService,
  ) {}

  onModuleInit() {
    this.timer = setInterval(() => void this.purgeInBackground(), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  /** A purge in progress stops after its current batch, before the database closes. */
  async beforeApplicationShutdown() {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.purging;
  }

  // ---- sign-in and sign-out ----------------------------------------------------------------------

  /**
   * Starts a session for the user, recording the client's address and user agent; returns the bearer
   * token (shown once). In the same transaction the user's expired sessions go, and, past
   * MAX_SESSIONS_PER_USER live ones, the least recently used (cleared from every instance's cache after
   * the commit).
   */
  async start(userId: string, client: SessionClient = {}): Promise<string> {
    const token = randomToken();
    const now = new Date();
    const id = newId();
    const evicted = await this.tx.run(async (manager) => {
      if (!(await this.store.lockUser(manager, userId))) throw AppError.notFound('User not found');
      await this.store.insert(manager, {
        id,
        tokenHash: sha256(token),
        userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.config.sessionTtlHours * 3_600_000),
        ipAddress: client.ipAddress ?? null,
        userAgent: client.userAgent ?? null,
      });
      return this.store.evict(manager, userId, id, MAX_SESSIONS_PER_USER - 1, now);
    });
    for (const hash of evicted) await this.cache.invalidateToken(hash);
    await this.replicas.wrote({ kind: 'session', userId, permissions: new Set(), scopes: new Set() });
    return token;
  }

  /** Ends one session (the caller's). */
  async end(sessionId: string, actor: Actor): Promise<void> {
    const hash = await this.tx.run(async (manager) => {
      const deleted = await this.store.deleteOne(manager, sessionId);
      if (deleted) await this.recordEnded(manager, actor, actor.userId ?? null, sessionId, 1);
      return deleted;
    });
    if (hash) await this.cache.invalidateToken(hash);
  }

  /**
   * Ends every session of the user except `keepSessionId` (inside the caller's transaction; the caller
   * clears the user from the credential cache after its commit).
   */
  async endOthers(manager: EntityManager, userId: string, keepSessionId?: string): Promise<void> {
    await this.store.deleteOfUser(manager, userId, keepSessionId, new Date());
  }

  // ---- the signed-in user's sessions (a session only: a customer token is refused by the guard) ---

  /** `activeUserSessions`: the caller's live sessions, most recently used first. */
  listOwn(actor: Actor): Promise<SessionEntity[]> {
    return this.store.listLive(actor.userId!, new Date(), MAX_SESSIONS_PER_USER);
  }

  /**
   * `revokeActiveUserSession`: ends one of the caller's live sessions; false when the id is no live
   * session of theirs. The current session is ended with `endSession`.
   */
  async revokeOwn(actor: Actor, id: string): Promise<boolean> {
    if (id === actor.sessionId) {
      throw AppError.badInput('This is the session you are using: end it with endSession', { field: 'id' });
    }
    const hash = await this.tx.run(async (manager) => {
      const deleted = await this.store.deleteOne(manager, id, { userId: actor.userId!, liveAt: new Date() });
      if (deleted) await this.recordEnded(manager, actor, actor.userId!, id, 1);
      return deleted;
    });
    if (!hash) return false;
    await this.cache.invalidateToken(hash);
    return true;
  }

  /** `revokeOtherActiveUserSessions`: ends every session of the caller but the current one; how many. */
  async revokeOthers(actor: Actor): Promise<number> {
    const ended = await this.tx.run(async (manager) => {
      const count = await this.store.deleteOfUser(manager, actor.userId!, actor.sessionId, new Date());
      await this.recordEnded(manager, actor, actor.userId!, null, count);
      return count;
    });
    if (ended > 0) await this.cache.invalidateUser(actor.userId!);
    return ended;
  }

  // ---- admins (canManageUsers; canManageRoles too when the user holds a role) -------------------

  /** `userSessions`: the user's live sessions, most recently used first. */
  async listOfUser(actor: Actor, where: UserWhereUniqueInput): Promise<SessionEntity[]> {
    const target = await this.target(actor, where);
    return this.store.listLive(target.id, new Date(), MAX_SESSIONS_PER_USER);
  }

  /** `revokeUserSessions`: ends every session of the user (the caller's own too, if it is theirs). */
  async revokeOfUser(actor: Actor, where: UserWhereUniqueInput): Promise<number> {
    const target = await this.target(actor, where);
    const ended = await this.tx.run(async (manager) => {
      const count = await this.store.deleteOfUser(manager, target.id, undefined, new Date());
      await this.recordEnded(manager, actor, target.id, null, count);
      return count;
    });
    if (ended > 0) await this.cache.invalidateUser(target.id);
    return ended;
  }

  /** `session.ended`: one session (its id), or several of a user's (how many). */
  private async recordEnded(
    manager: EntityManager,
    actor: Actor,
    userId: string | null,
    sessionId: string | null,
    count: number,
  ) {
    if (count === 0) return;
    await this.audit.record(manager, {
      action: 'session.ended',
      actor,
      resource: sessionId ? { type: 'session', id: sessionId } : { type: 'user', id: userId },
      userId,
      changes: sessionId ? [] : [{ field: 'sessions', old: count, new: 0 }],
    });
  }

  // ---- expired sessions -------------------------------------------------------------------------

  /**
   * Deletes the sessions that expired before `now`, in batches of PURGE_BATCH rows (one short
   * statement each, so no long lock is held); returns how many. Several instances may purge at once.
   */
  async purgeExpired(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.store.purgeExpired(now, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH || this.stopped) return total;
    }
  }

  private purgeInBackground(): Promise<unknown> {
    this.purging = this.purging
      .then(() => this.purgeExpired())
      .then((count) => {
        if (count > 0) this.logger.log(`Purged ${count} expired sessions`);
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.error(`Cannot purge expired sessions: ${reason}`);
      });
    return this.purging;
  }

  /**
   * The user an admin names. Staff (a user who holds a role) need canManageRoles too, as for any other
   * change to them: a user manager must not read or end an admin's sessions. Oneself excepted.
   */
  private async target(actor: Actor, where: UserWhereUniqueInput): Promise<UserEntity> {
    const given = [where.id, where.email].filter((v) => v !== undefined && v !== null);
    if (given.length !== 1) throw AppError.badInput('where: give exactly one of id or email');
    const user = await this.users.findOne({
      where: where.id ? { id: where.id } : { email: normaliseEmail(where.email!) },
      select: { id: true, roleId: true },
    });
    if (!user) throw AppError.notFound('User not found');
    if (user.roleId && user.id !== actor.userId && !actor.permissions.has(Permission.CanManageRoles)) {
      throw AppError.forbidden('The sessions of a user who has a role need the canManageRoles permission');
    }
    return user;
  }
}
