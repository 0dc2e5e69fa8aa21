import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { indexBy } from '../common/loaders';
import { CountryEntity } from './country.entity';

/** How an address names its country: exactly one of `id` or `iso2` (the id is the alpha-2 code; the DTO ensures one). */
export interface CountryRef {
  id?: string | null;
  iso2?: string | null;
}

/**
 * The ISO 3166-1 countries. The table is static (loaded by a migration), so it is read once, when the
 * module starts, and no lookup ever costs a query. Loading it on first use instead would make the first
 * address writes of a process wait, inside their transactions, for a second pooled connection: a burst
 * of them held the whole PostgreSQL pool and waited for ever.
 */
@Injectable()
export class CountryService implements OnModuleInit {
  private all: CountryEntity[] = [];
  private byCode = new Map<string, CountryEntity>();

  constructor(@InjectRepository(CountryEntity) private readonly countries: Repository<CountryEntity>) {}

  async onModuleInit(): Promise<void> {
    const list = await this.countries.find({ order: { name: 'ASC' } });
    const byCode = new Map<string, CountryEntity>();
    for (const c of list) {
      byCode.set(c.id.toUpperCase(), c);
      byCode.set(c.iso2.toUpperCase(), c);
    }
    this.all = list;
    this.byCode = byCode;
  }

  /** Every country, ordered by name. */
  list(): CountryEntity[] {
    return this.all;
  }

  /** Countries by id (DataLoader batch function), null for an unknown id. */
  async byIds(ids: readonly string[]): Promise<(CountryEntity | null)[]> {
    return indexBy(ids, this.all, (c) => c.id);
  }

  /** The country a `connect` names, by id or iso2 (case-insensitive); an unknown one is BAD_USER_INPUT naming it. */
  resolve(ref: CountryRef, path = 'country.connect'): CountryEntity {
    const code = String(ref.id ?? ref.iso2).trim();
    const country = this.byCode.get(code.toUpperCase());
    if (!country) throw AppError.badInput(`Country not found: ${code}`, { field: path });
    return country;
  }
}
