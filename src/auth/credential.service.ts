import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, MoreThan, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { TransactionService } from '../database/transaction.service';
import { RoleEntity } from '../user/role.entity';
import { UserEntity } from '../user/user.entity';
import { Actor, ANONYMOUS } from './actor';
import { ApiTokenEntity } from './api-token.entity';
import { CredentialCacheService } from './credential-cache.service';
import { ALL_PERMISSIONS, ALL_SCOPES, Permission, Scope } from './permissions';
import { SessionEntity } from './session.entity';
import { CUSTOMER_TOKEN_PREFIX, sha256 } from './tokens';

export interface CredentialHeaders {
  authorization?: string | string[];
  'x-request-token'?: string | string[];
}

const INVALID = 'Invalid or expired credentials';
const LAST_USED_FLUSH_MS = 60_000;

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function rolePermissions(role: RoleEntity | null | undefined): Set<Permission> {
  const set = new Set<Permission>();
  if (role) for (const p of ALL_PERMISSIONS) if (role[p]) set.add(p);
  return set;
}

/**
 * Turns the credential headers of a request into an Actor (SPEC §2, in order: session token, customer
 * token, API token). A credential that is present but wrong is UNAUTHENTICATED, never anonymous.
 */
@Injectable()
export class CredentialService implements OnModuleInit, BeforeApplicationShutdown {
  /** API token ids seen since the last flush, with when: `lastUsedAt` is written in batches. */
  private readonly lastUsed = new Map<string, Date>();
  private timer: NodeJS.Timeout | null = null;
  private readonly log = new Logger('Credentials');

  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(ApiTokenEntity) private readonly apiTokens: Repository<ApiTokenEntity>,
    private readonly cache: CredentialCacheService,
    private readonly tx: TransactionService,
  ) {}

  onModuleInit() {
    this.timer = setInterval(() => void this.flushLastUsed(), LAST_USED_FLUSH_MS);
    this.timer.unref();
  }

  /**
   * At shutdown, after the HTTP server has finished its last request (see GracefulFastifyAdapter) and
   * before the database closes (onApplicationShutdown): the last minute's `lastUsedAt` values are written.
   */
  async beforeApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const count = this.lastUsed.size;
    if (await this.flushLastUsed()) {
      if (count > 0) this.log.log({ tokens: count }, 'API token lastUsedAt written');
    }
  }

  async resolve(headers: CredentialHeaders): Promise<Actor> {
    const authorization = one(headers.authorization)?.trim();
    if (authorization) {
      const space = authorization.indexOf(' ');
      const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
      const value = space < 0 ? '' : authorization.slice(space + 1).trim();
      if (scheme === 'bearer' && value) {
        return value.startsWith(CUSTOMER_TOKEN_PREFIX) ? this.customerToken(value) : this.session(value);
      }
      if (scheme === 'basic' && value) {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        // Nosto style: empty user name, the token as the password. A token as the user name is accepted too.
        const token = colon < 0 ? decoded : decoded.slice(colon + 1) || decoded.slice(0, colon);
        if (token) return this.apiToken(token);
      }
      throw AppError.unauthenticated('Unsupported or malformed Authorization header');
    }
    const requestToken = one(headers['x-request-token'])?.trim();
    if (requestToken) return this.apiToken(requestToken);
    return ANONYMOUS;
  }

  private async session(token: string): Promise<Actor> {
    const hash = sha256(token);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const session = await this.sessions.findOne({
      where: { tokenHash: hash, expiresAt: MoreThan(new Date()) },
      relations: { user: { role: true } },
    });
    if (!session?.user) throw AppError.unauthenticated(INVALID);
    const actor: Actor = {
      kind: 'session',
      userId: session.userId,
      sessionId: session.id,
      permissions: rolePermissions(session.user.role),
      scopes: new Set(),
    };
    this.cache.set(hash, actor, session.expiresAt, epoch);
    return actor;
  }

  private async customerToken(token: string): Promise<Actor> {
    const hash = sha256(token);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const user = await this.users.findOne({ where: { customerTokenHash: hash }, select: { id: true } });
    if (!user) throw AppError.unauthenticated(INVALID);
    // A customer token acts for its user as a customer: never with role permissions.
    const actor: Actor = { kind: 'customer-token', userId: user.id, permissions: new Set(), scopes: new Set() };
    this.cache.set(hash, actor, undefined, epoch);
    return actor;
  }

  private async apiToken(token: string): Promise<Actor> {
    const hash = sha256(token);
    let actor = this.cache.get(hash);
    if (!actor) {
      const epoch = this.cache.epoch;
      const row = await this.apiTokens.findOne({ where: { tokenHash: hash, revokedAt: IsNull() } });
      if (!row) throw AppError.unauthenticated(INVALID);
      actor = {
        kind: 'api-token',
        apiTokenId: row.id,
        permissions: new Set(),
        scopes: new Set(row.scopes.filter((s): s is Scope => (ALL_SCOPES as string[]).includes(s))),
      };
      this.cache.set(hash, actor, undefined, epoch);
    }
    this.lastUsed.set(actor.apiTokenId!, new Date());
    return actor;
  }

  /**
   * Writes the batched `lastUsedAt` values: one UPDATE per distinct time, in one transaction. On failure
   * the values go back into the batch (unless a newer use replaced them) for the next flush, and the
   * failure is logged; false then.
   */
  async flushLastUsed(): Promise<boolean> {
    if (this.lastUsed.size === 0) return true;
    const batch = [...this.lastUsed];
    this.lastUsed.clear();
    const byTime = new Map<number, string[]>();
    for (const [id, at] of batch) {
      const list = byTime.get(at.getTime()) ?? [];
      list.push(id);
      byTime.set(at.getTime(), list);
    }
    try {
      await this.tx.run(async (manager) => {
        for (const [at, ids] of byTime) {
          await manager.getRepository(ApiTokenEntity).update({ id: In(ids) }, { lastUsedAt: new Date(at) });
        }
      });
      return true;
    } catch (error) {
      for (const [id, at] of batch) if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      this.log.error(
        { err: error, tokens: batch.length },
        'API token lastUsedAt could not be written; kept for the next attempt',
      );
      return false;
    }
  }
}
