import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { TransactionService } from '../database/transaction.service';
import { RoleEntity } from '../user/role.entity';
import { UserEntity } from '../user/user.entity';
import { Actor, ANONYMOUS } from './actor';
import { ApiTokenEntity } from './api-token.entity';
import { CredentialCacheService } from './credential-cache.service';
import { LastUsedBatch } from './last-used';
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
  private readonly logger = new Logger('Credentials');
  /** API tokens and sessions used since the last flush, with when: `lastUsedAt` is written in batches. */
  private readonly apiTokensUsed = new LastUsedBatch('api_tokens');
  private readonly sessionsUsed = new LastUsedBatch('sessions');
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
   * The last uses are written at shutdown, before the database closes: not in onApplicationShutdown,
   * where the global TypeORM module may already have closed it (Nest runs every beforeApplicationShutdown
   * hook before any onApplicationShutdown one).
   */
  async beforeApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const [tokens, sessions] = await this.flushLastUsed();
    if (tokens + sessions > 0) this.logger.log({ tokens, sessions }, 'lastUsedAt written');
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
    if (cached) {
      this.sessionsUsed.touch(cached.sessionId!);
      return cached;
    }
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
    this.sessionsUsed.touch(session.id);
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
    this.apiTokensUsed.touch(actor.apiTokenId!);
    return actor;
  }

  /**
   * Writes the batched `lastUsedAt` values of API tokens and sessions (one statement per batch). A failure
   * is logged, and what it did not write waits for the next flush (at shutdown it is lost: it is logged).
   * Answers how many API tokens and sessions were written.
   */
  async flushLastUsed(): Promise<[number, number]> {
    const written: number[] = [];
    for (const batch of [this.apiTokensUsed, this.sessionsUsed]) {
      const count = batch.size;
      try {
        await batch.flush(this.tx);
        written.push(count);
      } catch (error) {
        written.push(0);
        const reason = error instanceof Error ? error.message : String(error);
        const what = batch.table === 'api_tokens' ? 'API tokens' : 'sessions';
        this.logger.error(`Cannot record when ${count} ${what} were last used: ${reason}`);
      }
    }
    return [written[0], written[1]];
  }
}
