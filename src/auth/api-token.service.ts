import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { REDACTED } from '../audit/audit-fields';
import type { Actor } from './actor';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { ApiTokenEntity } from './api-token.entity';
import { ApiToken } from './api-token.model';
import { CredentialCacheService } from './credential-cache.service';
import { ALL_SCOPES } from './permissions';
import { randomToken, sha256 } from './tokens';

export function toApiToken(row: ApiTokenEntity): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cs}]/u;
export const TOKEN_NAME_MAX = 100;

/** API tokens (SPEC §2): 256 random bits, stored as SHA-256, shown once; revocation is immediate everywhere. */
@Injectable()
export class ApiTokenService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    private readonly tx: TransactionService,
    private readonly cache: CredentialCacheService,
    private readonly audit: AuditService,
  ) {}

  /** A new token for `name` with `scopes` (validated here too: the CLI calls this directly). */
  async create(
    name: string,
    scopes: string[],
    actor: Actor | null = null,
  ): Promise<{ token: string; apiToken: ApiTokenEntity }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > TOKEN_NAME_MAX)
      throw AppError.badInput(`name must be 1 to ${TOKEN_NAME_MAX} characters`, { field: 'name' });
    if (CONTROL_CHARACTERS.test(trimmed))
      throw AppError.badInput('name cannot contain control characters', { field: 'name' });
    if (scopes.length === 0) throw AppError.badInput('scopes must name at least one scope', { field: 'scopes' });
    for (const scope of scopes) {
      if (!(ALL_SCOPES as string[]).includes(scope)) {
        throw AppError.badInput(`Unknown scope ${JSON.stringify(scope)}: use ${ALL_SCOPES.join(', ')}`, {
          field: 'scopes',
        });
      }
    }
    if (new Set(scopes).size !== scopes.length)
      throw AppError.badInput('scopes lists a scope twice', { field: 'scopes' });
    const token = randomToken();
    const row = this.tokens.create({
      id: newId(),
      name: trimmed,
      scopes,
      tokenHash: sha256(token),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.tx.run(async (manager) => {
      await manager.getRepository(ApiTokenEntity).insert(row);
      await this.audit.record(manager, {
        action: 'api_token.created',
        actor,
        resource: { type: 'api_token', id: row.id },
        changes: [
          { field: 'tokenName', old: null, new: row.name },
          { field: 'scopes', old: null, new: row.scopes },
          { field: 'token', old: null, new: REDACTED },
        ],
      });
    });
    return { token, apiToken: await this.tokens.findOneByOrFail({ id: row.id }) };
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.tokens.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Revokes a token at once, on every instance (the credential cache is cleared through Redis). Revoking
   * twice keeps the first revokedAt: the UPDATE only touches a token that is not revoked yet.
   */
  async revoke(id: string, actor: Actor | null = null): Promise<ApiTokenEntity> {
    if (!UUID.test(id)) throw AppError.notFound('API token not found');
    const row = await this.tx.run(async (manager) => {
      const repo = manager.getRepository(ApiTokenEntity);
      const revoked = await repo.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
      const after = await repo.findOneBy({ id });
      if (after && revoked.affected) {
        await this.audit.record(manager, {
          action: 'api_token.revoked',
          actor,
          resource: { type: 'api_token', id },
          changes: [{ field: 'revokedAt', old: null, new: after.revokedAt?.toISOString() ?? null }],
        });
      }
      return after;
    });
    if (!row) throw AppError.notFound('API token not found');
    await this.cache.invalidateToken(row.tokenHash);
    return row;
  }
}
