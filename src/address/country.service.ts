import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { indexBy } from '../common/loaders';
import { CountryEntity } from './country.entity';

/** How an address names its country: exactly one of `id` or `iso2` (the id is the alpha-2 code). */
export interface CountryRef {
  id?: string | null;
  iso2?: string | null;
}

/**
 * The ISO 3166-1 countries. The table is static (loaded by a migration), so it is read once per process
 * and every lookup after that costs no query.
 */
@Injectable()
export class CountryService {
  private all: Promise<{ list: CountryEntity[]; byCode: Map<string, CountryEntity> }> | null = null;

  constructor(@InjectRepository(CountryEntity) private readonly countries: Repository<CountryEntity>) {}

  private load() {
    this.all ??= this.countries
      .find({ order: { name: 'ASC' } })
      .then((list) => {
        const byCode = new Map<string, CountryEntity>();
        for (const c of list) {
          byCode.set(c.id.toUpperCase(), c);
          byCode.set(c.iso2.toUpperCase(), c);
        }
        return { list, byCode };
      })
      .catch((e) => {
        this.all = null;
        throw e;
      });
    return this.all;
  }

  /** Every country, ordered by name. */
  async list(): Promise<CountryEntity[]> {
    return (await this.load()).list;
  }

  /** Countries by id (DataLoader batch function), null for an unknown id. */
  async byIds(ids: readonly string[]): Promise<(CountryEntity | null)[]> {
    return indexBy(ids, (await this.load()).list, (c) => c.id);
  }

  /**
   * The country a `connect` names, by id or iso2 (case-insensitive). An unknown country, or a
   * reference with neither or both keys, is BAD_USER_INPUT naming it.
   */
  async resolve(ref: CountryRef, path = 'country.connect'): Promise<CountryEntity> {
    const given = [ref.id, ref.iso2].filter((v) => v !== undefined && v !== null);
    if (given.length !== 1) throw AppError.badInput(`${path}: give exactly one of id or iso2`, { field: path });
    const code = String(given[0]).trim();
    const country = (await this.load()).byCode.get(code.toUpperCase());
    if (!country) throw AppError.badInput(`Country not found: ${code}`, { field: path });
    return country;
  }
}
