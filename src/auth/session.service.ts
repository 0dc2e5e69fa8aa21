import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Not, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { CredentialCacheService } from './credential-cache.service';
import { SessionEntity } from './session.entity';
import { randomToken, sha256 } from './tokens';

/** Sessions: a random bearer token whose SHA-256 is stored; it expires after SESSION_TTL_HOURS. */
@Injectable()
export class SessionService {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    private readonly cache: CredentialCacheService,
    private readonly tx: TransactionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts a session for the user; returns the bearer token (shown once). */
  async start(userId: string, manager?: EntityManager): Promise<string> {
    const token = randomToken();
    const row = {
      id: newId(),
      tokenHash: sha256(token),
      userId,
      expiresAt: new Date(Date.now() + this.config.sessionTtlHours * 3_600_000),
    };
    if (manager) await manager.getRepository(SessionEntity).insert(row);
    else await this.tx.run((m) => m.getRepository(SessionEntity).insert(row));
    return token;
  }

  /** Ends one session (the caller's). */
  async end(sessionId: string): Promise<void> {
    const session = await this.sessions.findOne({ where: { id: sessionId }, select: { id: true, tokenHash: true } });
    if (!session) return;
    await this.tx.run((m) => m.getRepository(SessionEntity).delete({ id: sessionId }));
    await this.cache.invalidateToken(session.tokenHash);
  }

  /** Ends every session of the user except `keepSessionId` (inside the caller's transaction). */
  async endOthers(manager: EntityManager, userId: string, keepSessionId?: string): Promise<void> {
    await manager.getRepository(SessionEntity).delete(keepSessionId ? { userId, id: Not(keepSessionId) } : { userId });
  }
}
