import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { LocalCache } from '../common/local-cache';
import { RedisService } from '../common/redis.module';
import { TransactionService } from '../database/transaction.service';
import { IdentitySettingsEntity } from './identity.entity';
import { DEFAULT_IDENTIFIER_TYPES } from './identity-codec';

export interface IdentitySettings {
  enabledIdentifiers: string[];
  customIdentifiers: string[];
  blockedValues: string[];
}

export const DEFAULT_SETTINGS: IdentitySettings = {
  enabledIdentifiers: [...DEFAULT_IDENTIFIER_TYPES],
  customIdentifiers: [],
  blockedValues: ['undefined', 'anonymous', '0', '1', 'null'],
};
const CUSTOM_NAME = /^[a-z][a-z0-9_]{0,63}$/;
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
        }
      : DEFAULT_SETTINGS;
    this.cache.set(KEY, value, { epoch });
    return value;
  }

  async update(data: Partial<IdentitySettings>): Promise<IdentitySettings> {
    const next = {
      ...(await this.get()),
      ...Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== null)),
    };
    for (const type of next.enabledIdentifiers) {
      if (!(DEFAULT_IDENTIFIER_TYPES as readonly string[]).includes(type)) {
        throw AppError.badInput(
          `enabledIdentifiers: unknown identifier type "${type}" (use ${DEFAULT_IDENTIFIER_TYPES.join(', ')})`,
        );
      }
    }
    for (const name of next.customIdentifiers) {
      if (!CUSTOM_NAME.test(name))
        throw AppError.badInput(`customIdentifiers: "${name}" must match ^[a-z][a-z0-9_]{0,63}$`);
    }
    for (const value of next.blockedValues) {
      if (value.length > 255) throw AppError.badInput('blockedValues: each value must be at most 255 characters');
    }
    for (const [field, list] of Object.entries(next)) {
      if (new Set(list).size !== list.length) throw AppError.badInput(`${field} lists a value twice`);
    }
    // One statement (INSERT … ON CONFLICT DO UPDATE): concurrent first updates cannot both insert the row.
    await this.tx.run((manager) =>
      manager.getRepository(IdentitySettingsEntity).upsert({ id: 1, ...next, updatedAt: new Date() }, ['id']),
    );
    await this.cache.invalidate('changed');
    return this.get();
  }
}
