import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { diff } from '../audit/audit-fields';
import type { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { LocalCache } from '../common/local-cache';
import { RedisService } from '../common/redis.module';
import { TransactionService } from '../database/transaction.service';
import { IdentitySettingsEntity } from './identity.entity';
import { DEFAULT_IDENTIFIER_TYPES } from './identity-codec';

export interface IdentitySettings {
  enabledIdentifiers: string[];
  customIdentifiers: string[];
  blockedValues: string[];
  /** an /upsert user whose identifiers belong to several profiles merges them, the oldest surviving (SPEC §10) */
  mergeOnUpsert: boolean;
}

export const DEFAULT_SETTINGS: IdentitySettings = {
  enabledIdentifiers: [...DEFAULT_IDENTIFIER_TYPES],
  customIdentifiers: [],
  blockedValues: ['undefined', 'anonymous', '0', '1', 'null'],
  mergeOnUpsert: false,
};
const CACHE_MS = 5_000;
const KEY = 'settings';

/**
 * Insider's IRM settings: which identifier types may be used, which custom identifiers exist, and
 * which values are never identifiers. Read on every partner request, so cached briefly; an update
 * clears the cache at once on this instance and, through Redis, on the others.
 */
@Injectable()
export class IdentitySettingsService implements OnModuleInit {
  private readonly cache: LocalCache<IdentitySettings>;

  constructor(
    @InjectRepository(IdentitySettingsEntity) private readonly settings: Repository<IdentitySettingsEntity>,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
    redis: RedisService,
  ) {
    this.cache = new LocalCache<IdentitySettings>(redis, 'identity-settings', {
      ttlMs: CACHE_MS,
      apply: () => this.cache.clear(),
    });
  }

  onModuleInit() {
    return this.cache.listen();
  }

  async get(): Promise<IdentitySettings> {
    const cached = this.cache.get(KEY);
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const row = await this.settings.findOneBy({ id: 1 });
    const value = row
      ? {
          enabledIdentifiers: row.enabledIdentifiers,
          customIdentifiers: row.customIdentifiers,
          blockedValues: row.blockedValues,
          mergeOnUpsert: row.mergeOnUpsert,
        }
      : DEFAULT_SETTINGS;
    this.cache.set(KEY, value, { epoch });
    return value;
  }

  /** Replaces each list (and mergeOnUpsert) given (the DTO has checked them: IdentitySettingsInput); keeps the others. */
  async update(data: Partial<IdentitySettings>, actor: Actor | null = null): Promise<IdentitySettings> {
    const current = await this.get();
    const next = {
      ...current,
      ...Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== null)),
    };
    // One statement (INSERT … ON CONFLICT DO UPDATE): concurrent first updates cannot both insert the row.
    await this.tx.run(async (manager) => {
      await manager.getRepository(IdentitySettingsEntity).upsert({ id: 1, ...next, updatedAt: new Date() }, ['id']);
      const changes = diff({ ...current }, next, ['enabledIdentifiers', 'customIdentifiers', 'blockedValues']);
      if (changes.length) {
        await this.audit.record(manager, {
          action: 'identity_settings.updated',
          actor,
          resource: { type: 'identity_settings', id: '1' },
          changes,
        });
      }
    });
    await this.cache.invalidate('changed');
    return this.get();
  }
}
