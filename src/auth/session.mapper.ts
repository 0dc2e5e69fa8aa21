import { Actor } from './actor';
import { SessionEntity } from './session.entity';
import { Session } from './session.model';

/** A session as the caller sees it: `current` when it is the one that sent the request. */
export function toSession(entity: SessionEntity, actor: Actor): Session {
  return {
    id: entity.id,
    createdAt: entity.createdAt,
    lastUsedAt: entity.lastUsedAt,
    expiresAt: entity.expiresAt,
    ipAddress: entity.ipAddress,
    userAgent: entity.userAgent,
    current: entity.id === actor.sessionId,
    userId: entity.userId,
  };
}
